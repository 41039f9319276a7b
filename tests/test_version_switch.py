"""A driver's own version switches are its own bridge (issue 17).

Many out-of-tree drivers already carry ``#if LINUX_VERSION_CODE`` switches: a
one-argument i2c probe from 6.3 on and probe(client, id) before, a void remove
from 6.1 (i2c) or 6.11 (platform) on and an int one before, from_timer ->
timer_container_of, del_timer_sync -> timer_delete_sync. kbridge used to
choose rules from the names of every branch and retyped the slot under the
driver's own correct branch. Now, per target, only code compiled on the
driver's own kernel and on that target chooses rules (kbridge.actions.live,
prune's evaluator), and kbridge check reads the lines the target compiles.

Fixtures: kbtest_i2c_vsw (probe arity at 6.3, remove int/void at 6.1) and
kbtest_plat_vsw (remove int/void at 6.11, from_timer/timer_container_of at
6.16, del_timer_sync/timer_delete_sync at 6.2), bridged from 6.1 (and 6.12)
with both strategies to kernels on each side: clean builds on 5.10, 6.1, 6.12
and 7.3, no shim and no predicted error for the switched APIs; the same driver
pruned for its own kernel (no switch left) still gets the shims; one guest
boot shows the switched drivers' probe and remove called as they expect.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

LAYER = FIXTURES / "layer"
SWITCHED = {
    "kbtest_i2c_vsw": {"i2c_driver_probe_one_arg", "i2c_driver_remove_void"},
    "kbtest_plat_vsw": {"platform_driver_remove_void", "timer_container_of", "del_timer_sync_removed"},
}
EVERY = ("5.10", "6.1", "6.12", "7.3")


def _tree(series: str) -> targets.KernelTree:
    return targets.resolve(series)


def _bridge(mod: str, home: str, strategy: str, out: Path):  # type: ignore[no-untyped-def]
    others = [s for s in EVERY if s != home]
    return bridge(drv_mod.load(LAYER / mod), [_tree(s) for s in [home, *others]], strategy, out)


def test_rules_are_chosen_from_the_code_live_on_both_kernels() -> None:
    """The plan, per target: the rule of a switched API is not the driver's there."""
    from kbridge.actions import live
    from kbridge.actions.bridge import layer
    from kbridge.knowledge import rules as rules_mod

    rules = rules_mod.load()
    drv = drv_mod.load(LAYER / "kbtest_i2c_vsw")
    home = live.kernel("6.1.0")
    ids = {v: {r.id for r in layer.rules_named(rules, live.pair_names(drv, home, live.kernel(v)))}
           for v in ("5.10.0", "6.12.0")}
    # the switch between the two kernels: probe's at 6.3 for 6.12, remove's at 6.1 for 5.10;
    # the other slot is written alike for both kernels (the same side: no shim follows)
    assert "i2c_driver_probe_one_arg" not in ids["6.12.0"] and "i2c_driver_remove_void" in ids["6.12.0"], ids
    assert "i2c_driver_remove_void" not in ids["5.10.0"] and "i2c_driver_probe_one_arg" in ids["5.10.0"], ids
    # every branch, as before: both rules
    assert SWITCHED["kbtest_i2c_vsw"] <= {r.id for r in layer.used_rules(rules, drv)}
    # an undecided condition keeps both branches (no version known: today's choice)
    assert SWITCHED["kbtest_i2c_vsw"] <= {r.id for r in layer.rules_named(rules, live.pair_names(drv, None, None))}


@pytest.mark.parametrize("strategy", ["layer", "inline"])
@pytest.mark.parametrize("mod,home", [
    ("kbtest_i2c_vsw", "6.1"), ("kbtest_plat_vsw", "6.1"),
    # the newer home (the suite's budget: these run with --mark slow)
    pytest.param("kbtest_i2c_vsw", "6.12", marks=pytest.mark.slow),
    pytest.param("kbtest_plat_vsw", "6.12", marks=pytest.mark.slow)])
def test_switched_driver_bridges_and_builds_everywhere(mod, home, strategy, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.bridge.predict import predict
    from kbridge.knowledge import rules as rules_mod

    out = tmp_path / "out"
    rep = _bridge(mod, home, strategy, out)
    assert rep.ok, rep.unbridged
    assert not {s["rule"] for s in rep.shims} & SWITCHED[mod], rep.shims
    if strategy == "inline":        # the driver's own branches untouched: no spot at all
        assert not rep.spots, rep.spots
        assert (out / f"{mod}.c").read_bytes() == (LAYER / mod / f"{mod}.c").read_bytes()
    # bridge's self-check: kbridge check on each target predicts no error in a switched API
    if strategy == "layer" and home == "6.1":
        rules = rules_mod.load()
        trees = [_tree(s) for s in EVERY if s != home]
        pred = predict(drv_mod.load(LAYER / mod), trees, rep, rules, home=_tree(home))
        assert not pred.failed, pred.failed
        assert pred.ok and not pred.remaining, pred.to_json()
    builds = EVERY if home == "6.1" else ("5.10", "7.3")
    for s in builds:
        proc = run_kbuild(out, _tree(s))
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (mod, s, proc.stdout[-3000:])


@pytest.mark.parametrize("mod", sorted(SWITCHED))
def test_the_same_driver_without_its_switch_still_gets_the_shims(mod, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The fixture pruned for its own kernel (6.1): a single-version driver, the one most
    users bridge; every rule the switch made unnecessary is the driver's again."""
    from kbridge.actions.prune import prune_text

    d = tmp_path / mod
    d.mkdir()
    (d / "Kbuild").write_text(f"obj-m += {mod}.o\n")
    (d / f"{mod}.c").write_text(prune_text((LAYER / mod / f"{mod}.c").read_text(), min_kernel="6.1",
                                           max_kernel="6.1", use_rules=False))
    assert "LINUX_VERSION_CODE" not in (d / f"{mod}.c").read_text()
    rep = bridge(drv_mod.load(d), [_tree("6.1"), _tree("7.3")], "layer", tmp_path / "out")
    assert rep.ok, rep.unbridged
    assert SWITCHED[mod] - {"i2c_driver_remove_void"} <= {s["rule"] for s in rep.shims}, rep.shims


def test_check_reads_the_lines_the_target_compiles() -> None:
    """kbridge check: the branch dead on the target predicts no error, the branch live
    only there is checked (from_timer on 6.1, timer_container_of on 7.3); a callback the
    driver declares per kernel fits the target's slot (before: ops-changed on i2c probe
    and remove, platform remove, against either home)."""
    from kbridge.actions.check import run_check

    for mod in sorted(SWITCHED):
        drv = drv_mod.load(LAYER / mod)
        for home in ("6.1", "6.12"):
            for target in EVERY:
                chk = run_check(drv, _tree(target), _tree(home))
                bad = [f.to_json() for f in chk.findings if f.severity != "warning"]
                assert not bad, (mod, home, target, bad)
                if mod == "kbtest_plat_vsw":
                    names = {u.name for u in chk.scan.uses}
                    assert ("timer_container_of" in names) == (target == "7.3"), target
                    assert ("from_timer" in names) == (target != "7.3"), target


@pytest.mark.slow
def test_switched_drivers_probe_and_remove_in_guest(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """6.12 guest, both fixtures bridged from 6.1: the driver's own 6.12 branches run --
    one-argument probe with its own id lookup, void remove -- once per probe and unbind."""
    from kbridge.actions.guest.runner import run_guest
    from test_shims_bus_remove import EXPECTED, SCRIPT, _events, _ids

    series = "6.12"
    kos = []
    for mod in sorted(SWITCHED):
        out = tmp_path / mod
        rep = bridge(drv_mod.load(LAYER / mod), [_tree("6.1"), _tree(series)], "layer", out)
        assert rep.ok and not {s["rule"] for s in rep.shims} & SWITCHED[mod], (rep.shims, rep.unbridged)
        proc = run_kbuild(out, _tree(series))
        assert proc.returncode == 0, proc.stdout[-3000:]
        ko = tmp_path / "ko" / f"{mod}.ko"
        ko.parent.mkdir(exist_ok=True)
        shutil.copy(out / f"{mod}.ko", ko)
        kos.append(ko)
    g = run_guest(kos, _tree(series).release, test_script=SCRIPT, timeout=300)
    assert g.ok, (g.reasons, g.problems, g.test_output[-2000:])
    ev = _events(g.test_output)
    for mod in SWITCHED:
        got = ev.get(mod, {})
        assert {k: got.get(k) for k in EXPECTED} == EXPECTED, (mod, got, g.test_output[-2000:])
        assert got.get("warned") == "0", (mod, got)
    assert _ids(g.test_output, "kbtest_i2c_vsw") == ["id kbtest_i2c_vsw data 7 entry 1"] * 4, \
        g.test_output[-2000:]


def _own_switch(tmp_path: Path, how: str) -> Path:
    """kbtest_strscpy_new (strscpy(dst, src), 6.8+) with its whole body under
    #ifdef CONFIG_KBTEST_OWN, a symbol the driver sets itself (*how*: a #define in
    the file, -D in its Kbuild) or, for "unset", nobody."""
    d = tmp_path / how / "kbtest_strscpy_new"
    shutil.copytree(LAYER / "kbtest_strscpy_new", d)
    c = d / "kbtest_strscpy_new.c"
    src = c.read_text()
    head, sep, body = src.partition("static int failures;")
    body, lic, tail = body.partition("MODULE_LICENSE")
    if how == "define":
        head = "#define CONFIG_KBTEST_OWN 1\n" + head
    elif how == "kbuild":
        (d / "Kbuild").write_text((d / "Kbuild").read_text() + "ccflags-y += -DCONFIG_KBTEST_OWN\n")
    c.write_text(head + "#ifdef CONFIG_KBTEST_OWN\n" + sep + body + "#endif\n" + lic + tail)
    return d


def test_a_config_symbol_the_driver_sets_itself_is_not_the_kernels(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Review (session 8): the target's .config decided every CONFIG_* symbol, the
    driver's own too (a #define, or ccflags -D in its Kbuild, as many out-of-tree
    drivers set their switches): the code under it counted as dead on the target, the
    rule was not chosen, bridge's self-check and kbridge check predicted nothing, and
    the 5.10 build failed ('too few arguments to function strscpy'). Such a symbol is
    unknown (both branches kept); one nobody defines is still the .config's."""
    from kbridge.actions import live
    from kbridge.actions.bridge import layer
    from kbridge.knowledge import rules as rules_mod

    rules = rules_mod.load()
    t = _tree("5.10")
    home, target = live.kernel(targets.resolve(EVERY[-1]).version), live.kernel(t.version, t)
    call = b'strscpy(b4.d, kb_src("abc"));'
    for how, chosen in (("define", True), ("kbuild", True), ("unset", False)):
        drv = drv_mod.load(_own_switch(tmp_path, how))
        ids = {r.id for r in layer.rules_named(rules, live.pair_names(drv, home, target))}
        assert ("strscpy_size_optional" in ids) is chosen, (how, sorted(ids))
        # kbridge check's view of the target (live.for_kernel) and the rows bridge counts
        assert (call in live.for_kernel(drv, target).read("kbtest_strscpy_new.c")) is chosen, how
        rows = live.live_rows(drv, home, [target])
        row = drv.read("kbtest_strscpy_new.c").split(b"\n").index(b"\tr = " + call)
        assert rows is not None and (row in rows["kbtest_strscpy_new.c"]) is chosen, how
