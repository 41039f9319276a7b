"""parport_driver_devmodel_removed (6.11, dfd19866d1a3): a parport client written for a kernel
whose struct parport_driver had devmodel (5.10, 6.1: every in-tree client set
`.devmodel = true`, which no core read) builds on a kernel without the member.

The fixture tests/fixtures/layer/kbtest_parport_old sets .devmodel = true and checks, at init,
what registration did (the driver on the parport bus under its name, its table unchanged).
Here: its plain build on 6.12 fails on the member; bridged for 6.1 and 6.12 (layer and
inline) it builds clean on 6.12 and on its own 6.1, the rule applied old_on_new only; and on
7.3 (the newest root) from 5.10. The ABI check of the appended member (shim.toml `grows`) runs
in the matrix; no guest boot here (no default cell loads a parport client yet).
"""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import FIXTURES, release
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import build, parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.actions.guest import runner
from kbridge.facts import targets
from sharedboot import Entry

OLD = FIXTURES / "layer" / "kbtest_parport_old"
RULE = "parport_driver_devmodel_removed"


def _clean_build(src, tree, dest):  # type: ignore[no-untyped-def]
    shutil.copytree(src, dest)
    proc = run_kbuild(dest, tree)
    diags, undefined = parse_log(proc.stdout, dest)
    assert proc.returncode == 0 and not diags and not undefined, proc.stdout[-3000:]


def test_plain_build_on_6_12_fails_on_the_member(tree612):  # type: ignore[no-untyped-def]
    res = build(drv_mod.load(OLD), tree612)
    assert not res.ok
    assert any("has no member named 'devmodel'" in d.message for d in res.diagnostics)


@pytest.mark.parametrize("strategy", ["layer", "inline"])
def test_bridged_from_6_1_builds_on_6_12_and_its_own(tree61, tree612, tmp_path, strategy):  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(OLD), [tree61, tree612], strategy, out)
    assert not rep.unbridged, rep.unbridged
    rules_md = (out / "compat" / ("RULES.md" if strategy == "layer" else "INLINE.md")).read_text()
    assert re.findall(rf"^## ({RULE}) \((\w+)\)", rules_md, re.M) == [(RULE, "old_on_new")], rules_md
    _clean_build(out, tree612, tmp_path / "on612")
    _clean_build(out, tree61, tmp_path / "on61")


@pytest.mark.slow
def test_bridged_from_5_10_builds_on_7_3(roots_ready, trees, tmp_path):  # type: ignore[no-untyped-def]
    t510, t73 = (targets.resolve(s, trees=trees) for s in ("5.10", "7.3"))
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(OLD), [t510, t73], "layer", out, home="5.10")
    assert not rep.unbridged, rep.unbridged
    _clean_build(out, t73, tmp_path / "on73")
    _clean_build(out, t510, tmp_path / "on510")


def _entry() -> Entry:
    """kbtest_parport_old (5.10's .devmodel = true) bridged (layer) for 7.3, in 7.3's shared boot
    (tests/sharedboot.py; the kernel's parport.ko loaded first, a modinfo dependency)."""
    def build_(tmp_path):  # type: ignore[no-untyped-def]
        o = tmp_path / "out"
        rep = bridge(drv_mod.load(OLD), [targets.resolve(s) for s in ("5.10", "7.3")], "layer", o, home="5.10")
        assert not rep.unbridged, rep.unbridged
        b, kos = runner.build_for(o, release("7.3"), tmp_path / "bridged")
        assert b.ok, b.log
        return kos

    return Entry("parport:7.3", "7.3", build_)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    return [_entry()] if name == "test_bridged_client_registers_on_the_parport_bus_in_a_guest" else []


@pytest.mark.slow
def test_bridged_client_registers_on_the_parport_bus_in_a_guest(shared_boot):  # type: ignore[no-untyped-def]
    """Session 11 review: the rule had no guest check. On 7.3 the bridged 5.10 client registers
    (parport_register_driver: the newer core's driver_register on the parport bus), the core
    fills the driver's embedded device_driver (bus "parport", its name) at the kernel's offsets
    and leaves the driver's own table (probe, the appended devmodel) as it was, then
    unregisters: "kbtest_parport_old: ok". No port: the guest has no parallel port
    (-nodefaults), so match_port/probe are not called -- the shim adds no behaviour there, only
    the member (its layout is proven at build time by the wrapper's static_asserts: mutation
    parport_devmodel_layout)."""
    g = shared_boot(_entry())
    assert g.ok, (g.reasons, g.problems)
    assert any("kbtest_parport_old: ok" in x for x in g.dmesg), [x for x in g.dmesg if "kbtest" in x]
