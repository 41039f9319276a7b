"""The Xen front-end API changes between 5.10 and 7.3 (rules/xen.toml), both directions.

xenbus_read_driver_state(dev, path), gnttab_end_foreign_access(ref, page) and
gnttab_end_foreign_access_ref(ref) without readonly, xenbus_driver.remove
returning void, xenbus_driver.not_essential, XENVBD_MAJOR no longer reached
through <linux/blkdev.h>, and RING_HAS_UNCONSUMED_* turning from a count into
0/1. Proven on the real kernels:
 - each rule's probe answers what the five series' headers say;
 - kbtest_xen_old (written against 5.10's API) bridged to 7.3 and
   kbtest_xen_new (7.3's API) bridged to 5.10, with the layer and inline,
   build clean on both kernels (the wrappers' static_asserts pin the
   xenbus_driver layouts);
 - loaded in Debian's 7.3 and 5.10 kernels (no Xen), their init checks the
   ring macros' answers -- the count an old driver counts with, the 0/1 a new
   one expects -- and the not_essential member; registration and
   unregistration through the layer's wrappers stay clean.
 - under Debian's Xen (5.10-API module on a 7.3 dom0 with Xen 4.20, 7.3-API
   module on a 5.10 dom0 with Xen 4.14) each binds a "kbtest" device made in
   xenstore: probe grants a page and reads the back-end's state, unbinding
   makes the bus call remove through the layer's trampoline, and remove ends
   the grant in the driver's own form; dom0's and Xen's logs stay clean.
"""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FIXTURES, assert_builds_clean, probe_states, run_cli
from kbridge.actions.bridge import bridge
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

OLD = FIXTURES / "layer" / "kbtest_xen_old"
NEW = FIXTURES / "layer" / "kbtest_xen_new"
RULES = ("xenbus_read_driver_state_dev", "gnttab_end_foreign_access_ref_no_readonly",
         "gnttab_end_foreign_access_page", "xenbus_driver_remove_void",
         "xenbus_driver_not_essential", "xenvbd_major_not_implied", "ring_has_unconsumed_is_bool")
# the state each series' headers give each rule (xenbus_read_driver_state took the
# device after 6.12; everything else changed between 5.10 and 6.1)
STATES = {
    "5.10": dict.fromkeys(RULES, "old"),
    "6.1": {**dict.fromkeys(RULES, "new"), "xenbus_read_driver_state_dev": "old"},
    "6.12": {**dict.fromkeys(RULES, "new"), "xenbus_read_driver_state_dev": "old"},
    "7.2": dict.fromkeys(RULES, "new"),
    "7.3": dict.fromkeys(RULES, "new"),
}


@pytest.fixture(scope="module")
def xtrees(trees):  # type: ignore[no-untyped-def]
    return {s: targets.resolve(s, trees=trees) for s in ("5.10", "7.3")}


@pytest.mark.parametrize("series", sorted(STATES))
def test_xen_rules_probe_each_series(series, roots_ready):  # type: ignore[no-untyped-def]
    assert probe_states(series, RULES) == STATES[series]


def _bridged(mod, trees, strategy, out):  # type: ignore[no-untyped-def]
    rep = bridge(drv_mod.load(mod), trees, strategy, out)
    assert not rep.unbridged, rep.unbridged
    return rep



@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["layer", "inline"])
@pytest.mark.parametrize("mod,home,other", [(OLD, "5.10", "7.3"), (NEW, "7.3", "5.10")],
                         ids=["old-on-7.3", "new-on-5.10"])
def test_kbtest_xen_bridged_builds_clean_on_both(mod, home, other, strategy, xtrees, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    rep = _bridged(mod, [xtrees[home], xtrees[other]], strategy, out)
    direction = "old_on_new" if mod is OLD else "new_on_old"
    used = {s["rule"] for s in rep.shims if s["direction"] == direction}
    want = set(RULES) - {"xenvbd_major_not_implied" if mod is NEW else "xenbus_driver_not_essential"}
    if mod is NEW:      # a 7.3 module is gnu11 code, 5.10 builds gnu89 (corpusfe's rule)
        want.add("c_dialect_gnu11")
    assert used == want, used
    if strategy == "layer":     # the driver's own file is untouched
        assert (out / f"{mod.name}.c").read_bytes() == (mod / f"{mod.name}.c").read_bytes()
    for series in (other, home):
        build = tmp_path / series
        shutil.copytree(out, build)
        assert_builds_clean(build, xtrees[series])


@pytest.mark.slow
@pytest.mark.parametrize("mod,home,other", [(OLD, "5.10", "7.3"), (NEW, "7.3", "5.10")],
                         ids=["old-on-7.3", "new-on-5.10"])
def test_kbtest_xen_behaves_in_guest(mod, home, other, xtrees, tmp_path):  # type: ignore[no-untyped-def]
    # init returns -EINVAL with a "FAIL" line when RING_HAS_UNCONSUMED_RESPONSES or
    # RING_FINAL_CHECK_FOR_RESPONSES answer a count where the driver's kernel gave 0/1
    # (or the reverse), when not_essential does not read back, or when remove runs
    out = tmp_path / "out"
    _bridged(mod, [xtrees[home], xtrees[other]], "layer", out)
    proc = run_cli("run", str(out), "--kernel", other, "--json")
    res = json.loads(proc.stdout)
    guest = res["guest"]
    assert proc.returncode == 0 and res["ok"], (guest and guest["reasons"], proc.stderr[-2000:])
    dmesg = guest["loads"][0]["dmesg"]
    assert any(f"{mod.name}: ok" in line for line in (dmesg if isinstance(dmesg, list) else dmesg.splitlines()))


def test_remove_wrapper_refuses_a_driver_reading_remove(tmp_path, xtrees):  # type: ignore[no-untyped-def]
    # the kernel's slot holds the trampoline while the driver is registered: a driver
    # that reads ->remove by name is not bridged (named, exit 1), not silently wrong
    drv = tmp_path / "kbreads"
    shutil.copytree(OLD, drv)
    (drv / "kbtest_xen_old.c").write_text((OLD / "kbtest_xen_old.c").read_text().replace(
        "\tkbt_ring();\n", "\tkbt_ring();\n\tCHECK(kbt_driver.remove == kbt_remove, \"remove\");\n"))
    rep = bridge(drv_mod.load(drv), [xtrees["5.10"], xtrees["7.3"]], "layer", tmp_path / "out")
    assert [u.rule for u in rep.unbridged] == ["xenbus_driver_remove_void"]
    assert "reads ->remove" in rep.unbridged[0].why


@pytest.mark.slow
@pytest.mark.parametrize("mod,home,other,xen_version", [(OLD, "5.10", "7.3", "4.20"),
                                                        (NEW, "7.3", "5.10", "4.14")],
                         ids=["old-on-7.3-xen4.20", "new-on-5.10-xen4.14"])
def test_kbtest_xen_binds_and_removes_under_xen(mod, home, other, xen_version, trees, tmp_path,
                                                 monkeypatch):  # type: ignore[no-untyped-def]
    # Debian's Xen with the other kernel as dom0: the module binds a "kbtest" device
    # that the script makes in xenstore -- probe grants a page to the back-end and
    # reads its state (backend state 2 in the log: xenbus_read_driver_state through
    # the shim where the forms differ) -- then the device is unbound: the bus calls
    # the kernel-typed slot, the layer's trampoline calls the driver's remove (the
    # "removed" line), which ends the grant and gives the page back in its own form;
    # dom0's and Xen's logs must stay free of BUG/WARNING/Oops.
    from kbridge.actions.guest import xen
    from kbridge.actions.guest.runner import build_for
    from kbridge.facts import series as series_mod

    out = tmp_path / "out"
    _bridged(mod, [targets.resolve(home, trees=trees), targets.resolve(other, trees=trees)],
             "layer", out)
    rel = series_mod.release(other)
    build, kos = build_for(out, rel, tmp_path / "build")
    assert kos, build and build.diagnostics
    # no disk or vif for this stage: the script makes the device
    monkeypatch.setattr(xen.XenStage, "kinds", lambda self, names: ())
    res = xen.run_xen([xen.XenStage("module", tuple(kos))], rel,
                      test_script=OLD / "xen_device.sh", version=xen_version,
                      timeout=xen.DEFAULT_TIMEOUT, test_timeout=120)
    stage = res.stage("module")
    assert res.ok, (res.reasons, res.problems, stage.test_output[-3000:])
    assert f"{mod.name}: probed device/kbtest/0 (backend state 2)" in stage.test_output
    assert f"{mod.name}: removed device/kbtest/0" in stage.test_output
