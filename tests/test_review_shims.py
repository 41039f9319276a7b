"""Independent review of session 6's shims (branch review): one test per bug found.

- platform_driver_remove_void old_on_new on 6.11/6.12, whose struct platform_driver
  makes .remove and .remove_new one slot (a union): a module of 6.3..6.10 (Debian's
  6.1) with one driver on an int .remove and another on the void .remove_new cannot
  be bridged faithfully there -- the registration-time trampoline reads the slot as
  the driver's int function for both, so the void .remove_new was called as an int
  one and the old core's "remove callback returned a non-zero value" warning was
  printed for whatever its return register held (6.12 guest: 1 warning for the
  .remove_new driver). Refused by name now (shim.toml refused_inits).
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

LAYER = FIXTURES / "layer"


@pytest.mark.parametrize("strategy", ["layer", "inline"])
def test_int_remove_beside_remove_new_is_refused_on_the_union_kernel(strategy, tmp_path):  # type: ignore[no-untyped-def]
    rep = bridge(drv_mod.load(LAYER / "kbtest_plat_mixed"),
                 [targets.resolve("6.1"), targets.resolve("6.12")], strategy, tmp_path / "out")
    assert not rep.ok
    mine = [u for u in rep.unbridged if u.rule == "platform_driver_remove_void"]
    assert mine and mine[0].direction == "old_on_new", rep.unbridged
    assert "sets .remove_new in an initializer" in mine[0].why, mine[0].why


def test_int_remove_alone_still_bridges_to_the_union_kernel(tmp_path):  # type: ignore[no-untyped-def]
    rep = bridge(drv_mod.load(LAYER / "kbtest_plat_int"),
                 [targets.resolve("6.1"), targets.resolve("6.12")], "layer", tmp_path / "out")
    assert rep.ok, rep.unbridged
    assert "platform_driver_remove_void" in {s["rule"] for s in rep.shims}


def test_rtnl_stand_in_lock_is_one_per_module_and_builds_clean(tmp_path):  # type: ignore[no-untyped-def]
    """rtnl_link_register_locked_removed old_on_new: its stand-in for pernet_ops_rwsem was a
    static DECLARE_RWSEM in the shim header, so every file of a module that includes
    <net/rtnetlink.h> without taking the lock drew gcc's "'kb_pernet_ops_rwsem' defined but
    not used" (and files taking it got one lock each: a down_write in one file and the
    up_write in another would have unlocked a lock never taken). One weak definition per
    module now, as the bus_remove fragment keeps its list."""
    import subprocess

    from conftest import newest_series
    from kbridge.actions.kbuild import parse_log, run_kbuild

    tree = targets.resolve(newest_series())
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(LAYER / "kbtest_rtnl_twofile"), [targets.resolve("5.10"), tree], "layer", out)
    assert rep.ok, rep.unbridged
    assert "rtnl_link_register_locked_removed" in {s["rule"] for s in rep.shims}
    proc = run_kbuild(out, tree)
    diags, undefined = parse_log(proc.stdout, out)
    assert proc.returncode == 0 and not diags and not undefined, (diags, proc.stdout[-3000:])
    syms = subprocess.run(["nm", str(out / "kbtest_rtnl_twofile.ko")], capture_output=True,
                          text=True, check=True).stdout
    assert [ln.split()[-1] for ln in syms.splitlines()].count("kb_pernet_ops_rwsem") == 1, syms


@pytest.mark.slow
def test_p9_create_trampoline_is_one_per_module_in_guest(tmp_path):  # type: ignore[no-untyped-def]
    """p9_trans_create_fs_context: v9fs_register_trans/v9fs_unregister_trans recognised the
    trampoline by the address of a static function, one copy per file. A transport registered
    in one file and unregistered in another kept the trampoline in its slot (not recognised),
    and registered again there took that trampoline for the driver's callback: the client's
    create called the trampoline forever (5.10 guest: stack overflow). fixture
    kbtest_p9_twofile: main.c registers, reg.c unregisters and registers again."""
    import json

    from conftest import run_cli

    out = tmp_path / "out"
    rep = bridge(drv_mod.load(LAYER / "kbtest_p9_twofile"), [targets.resolve("7.3"), targets.resolve("5.10")],
                 "layer", out)
    assert not rep.unbridged, rep.unbridged
    assert "p9_trans_create_fs_context" in {s["rule"] for s in rep.shims}
    proc = run_cli("run", str(out), "--kernel", "5.10", "--json")
    res = json.loads(proc.stdout)
    guest = res["guest"]
    lines = [line for ld in (guest or {}).get("loads", [])
             for line in (ld["dmesg"] if isinstance(ld["dmesg"], list) else ld["dmesg"].splitlines())]
    assert proc.returncode == 0 and res["ok"], (guest and guest["reasons"], lines[-30:],
                                                 res["build"]["diagnostics"][:5])
    assert any("kbtest_p9_twofile: ok" in line for line in lines), lines[-20:]


def test_remove_new_assigned_at_run_time_is_refused_too(tmp_path):  # type: ignore[no-untyped-def]
    # the same slot when the driver assigns .remove_new instead of initializing it
    d = tmp_path / "drv"
    d.mkdir()
    src = (LAYER / "kbtest_plat_mixed" / "kbtest_plat_mixed.c").read_text()
    src = src.replace("\t.remove_new = kbtest_remove_b,\n", "").replace(
        "\tint err = platform_register_drivers(",
        "\tint err;\n\n\tkbtest_driver_b.remove_new = kbtest_remove_b;\n\terr = platform_register_drivers(")
    assert "kbtest_driver_b.remove_new = kbtest_remove_b;" in src
    (d / "kbtest_plat_mixed.c").write_text(src)
    (d / "Kbuild").write_text("obj-m += kbtest_plat_mixed.o\n")
    rep = bridge(drv_mod.load(d), [targets.resolve("6.1"), targets.resolve("6.12")], "layer", tmp_path / "out")
    mine = [u for u in rep.unbridged if u.rule == "platform_driver_remove_void"]
    assert not rep.ok and mine and "reads ->remove_new" in mine[0].why, rep.unbridged
