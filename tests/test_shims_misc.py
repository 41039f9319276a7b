"""The cross-subsystem rules of 5.10..7.3 (issue 16 item 4): timers (timer_container_of,
del_timer_sync_removed, del_timer_removed), workqueues (wq_percpu_flag), strings
(strlcpy_removed, strncpy_removed, hex_h), files (no_llseek_removed), module metadata
(module_supported_device_removed) and mm (vma_get_page_prot).

Two fixture modules, tests/fixtures/layer/kbtest_misc_old (5.10's API) and kbtest_misc_new
(7.3's API), whose init checks what the API does and prints one "kbmisc_<side> NAME ok|FAIL"
line per check, then "kbtest_misc_<side>: ok" or "N FAIL". Each is built bridged on the other end of
the range (layer and inline) and natively on its own kernel, and one guest boot per kernel
loads both: on 5.10 the bridged new-API module beside the native old-API one, on 7.3 the
bridged old-API module beside the native new-API one -- the same checks pass natively and
bridged: from_timer()/timer_container_of() give the embedding structure's pointer (in the
callback and directly), del_timer_sync()/del_timer() return 1 on a pending timer and 0 on an
idle one, a WQ_PERCPU workqueue runs work on the CPU it was queued on (5.10: bridged),
strlcpy() returns strlen(src) and truncates without padding, strncpy() pads with NULs and
leaves a long copy unterminated, lseek on a no_llseek file fails with -ESPIPE,
vma_get_page_prot(vma) is vm_get_page_prot() of the VMA's flags, and <linux/hex.h>'s helpers
work.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from conftest import FIXTURES, newest_series, probe_states, release
from kbridge.actions.bridge import bridge
from kbridge.actions.guest import runner
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets
from sharedboot import Entry, module_checks, native_and_bridged

OLD = FIXTURES / "layer" / "kbtest_misc_old"
NEW = FIXTURES / "layer" / "kbtest_misc_new"
OLD_RULES = {"timer_container_of", "del_timer_sync_removed", "del_timer_removed",
             "strlcpy_removed", "strncpy_removed", "no_llseek_removed",
             "module_supported_device_removed", "wq_percpu_flag"}
# c_dialect_gnu11: the 7.3 module is gnu11 code, built -std=gnu11 on 5.10 (gnu89)
NEW_RULES = {"timer_container_of", "wq_percpu_flag", "vma_get_page_prot", "hex_h", "c_dialect_gnu11",
             "dev_pm_ops_define_static_removed", "input_device_enabled_added"}
OLD_CHECKS = ["from_timer_identity", "from_timer_callback", "del_timer_sync_return",
              "del_timer_sync_inactive", "del_timer_return", "strlcpy_truncates", "strlcpy_fits",
              "strlcpy_size0", "strlcpy_boundary", "strncpy_pads", "strncpy_unterminated",
              "strncpy_count0", "no_llseek", "wq_default"]
NEW_CHECKS = ["timer_container_of_identity", "timer_container_of_callback",
              "timer_delete_sync_return", "wq_percpu", "vma_get_page_prot", "hex", "pm_ops", "input_enabled"]


@pytest.fixture(scope="module")
def kernels(trees):  # type: ignore[no-untyped-def]
    return {s: targets.resolve(s, trees=trees) for s in ("5.10", "7.3")}


@pytest.fixture(scope="module")
def bridged(tmp_path_factory, kernels):  # type: ignore[no-untyped-def]
    """OUT of each fixture for 5.10 and 7.3, per strategy."""
    out = {}
    for name, src in (("old", OLD), ("new", NEW)):
        for strategy in ("layer", "inline"):
            o = tmp_path_factory.mktemp(f"misc-{name}-{strategy}") / "out"
            rep = bridge(drv_mod.load(src), list(kernels.values()), strategy, o)
            assert not rep.unbridged, rep.unbridged
            out[name, strategy] = o
    return out


def _clean_build(src, tree, dest):  # type: ignore[no-untyped-def]
    shutil.copytree(src, dest)
    proc = run_kbuild(dest, tree)
    diags, undefined = parse_log(proc.stdout, dest)
    assert proc.returncode == 0 and not diags and not undefined, proc.stdout[-3000:]
    return dest


def test_the_layer_applies_each_rule_in_its_direction(bridged):  # type: ignore[no-untyped-def]
    for name, rules, direction in (("old", OLD_RULES, "old_on_new"), ("new", NEW_RULES, "new_on_old")):
        rules_md = (bridged[name, "layer"] / "compat" / "RULES.md").read_text()
        assert set(re.findall(rf"^## (\w+) \({direction}\)", rules_md, re.M)) == rules, rules_md
    # the moved header is a wrapper of its own
    assert (bridged["new", "layer"] / "compat" / "include" / "linux" / "hex.h").is_file()
    assert (bridged["old", "layer"] / "kbtest_misc_old.c").read_bytes() == \
        (OLD / "kbtest_misc_old.c").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["layer", "inline"])
def test_both_fixtures_build_clean_bridged_on_both_kernels(bridged, kernels, tmp_path, strategy):  # type: ignore[no-untyped-def]
    for name in ("old", "new"):
        for series, tree in kernels.items():
            dest = _clean_build(bridged[name, strategy], tree, tmp_path / f"{name}-{series}")
            if name == "new":
                # the linkage the driver wrote (dev_pm_ops_define_static_removed): its
                # `static DEFINE_SIMPLE_DEV_PM_OPS` a local object, the one without a global
                nm = subprocess.run(["nm", str(dest / "kbtest_misc_new.ko")], check=True,
                                    capture_output=True, text=True).stdout
                kinds = {f[2]: f[1] for f in (x.split() for x in nm.splitlines()) if len(f) == 3}
                assert (kinds.get("kbmisc_pm_ops"), kinds.get("kbmisc_pm_shared")) == ("r", "R"), \
                    (series, kinds.get("kbmisc_pm_ops"), kinds.get("kbmisc_pm_shared"))


def _entry(series: str) -> Entry:
    """On each end of the range: the other end's module bridged (layer) and this kernel's own
    module natively, loaded together in the kernel's shared boot (tests/sharedboot.py)."""
    return native_and_bridged("misc", series, OLD, NEW)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    if name == "test_wq_bh_percpu_runs_alike_on_612_and_newest":
        return [_wq_bh_entry("6.12"), _wq_bh_entry(newest_series())]
    return [_entry(params["series"])] if name == "test_native_and_bridged_behave_alike_in_one_guest" else []


@pytest.mark.slow
@pytest.mark.parametrize("series", ["5.10", "7.3"])
def test_native_and_bridged_behave_alike_in_one_guest(series, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry(series))
    seen = {side: module_checks(g.dmesg, f"kbmisc_{side}") for side in ("old", "new")}
    assert g.ok, (g.reasons, g.problems, seen)
    for side, names in (("old", OLD_CHECKS), ("new", NEW_CHECKS)):
        assert seen[side] == dict.fromkeys(names, "ok"), \
            "; ".join(f"{k}: {seen[side].get(k, 'missing')}" for k in names if seen[side].get(k) != "ok")
    assert any("kbtest_misc_old: ok" in x for x in g.dmesg)
    assert any("kbtest_misc_new: ok" in x for x in g.dmesg)


# wq_percpu_flag on each series: 7.2 and 7.3 take WQ_PERCPU with WQ_BH (__WQ_BH_ALLOWS);
# Debian's 6.12 declares the enumerator, never reads it, and refuses it beside WQ_BH
# (alloc_workqueue: WARN, NULL), so a 7.3 driver's WQ_BH | WQ_PERCPU (rtw88_usb) needs the
# shim there as on 5.10 and 6.1 (review12: 6.12 answered "new", and got no shim)
@pytest.mark.parametrize("series", ["5.10", "6.1", "6.12", "7.2", "7.3"])
def test_wq_percpu_flag_is_old_where_a_bh_workqueue_refuses_it(series, roots_ready):  # type: ignore[no-untyped-def]
    want = "new" if series in ("7.2", "7.3") else "old"
    assert probe_states(series, ["wq_percpu_flag"]) == {"wq_percpu_flag": want}


WQ_BH = FIXTURES / "layer" / "kbtest_wq_bh"


def _wq_bh_entry(series: str) -> Entry:
    """kbtest_wq_bh (7.3's WQ_BH | WQ_PERCPU): natively on the newest kernel, bridged (layer)
    on *series*, in that kernel's shared boot."""
    def build(dest):  # type: ignore[no-untyped-def]
        newest = newest_series()
        path = WQ_BH
        if series != newest:
            path = dest / f"kbtest_wq_bh-{series}"
            rep = bridge(drv_mod.load(WQ_BH), [targets.resolve(newest), targets.resolve(series)],
                         "layer", path)
            assert not rep.unbridged, rep.unbridged
            assert "## wq_percpu_flag (new_on_old)" in (path / "compat" / "RULES.md").read_text()
        b, built = runner.build_for(path, release(series), dest / f"b-{series}")
        assert b.ok, b.log
        return built
    return Entry(f"misc:wq_bh:{series}", series, build)


@pytest.mark.slow
def test_wq_bh_percpu_runs_alike_on_612_and_newest(shared_boot):  # type: ignore[no-untyped-def]
    for s in ("6.12", newest_series()):
        g = shared_boot(_wq_bh_entry(s))
        assert g.ok, (s, g.reasons, g.problems)
        assert any("kbtest_wq_bh: ok" in x for x in g.dmesg), (s, g.dmesg)
