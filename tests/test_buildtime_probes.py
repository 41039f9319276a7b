"""The layer's build-time probe runner (compat/kb_conftest.sh) decides as `kbridge probe` does.

A probe is "absent" only when gcc's first error for it is the diagnostic its
rule expects (the rule's ``absent`` pattern); a probe that fails for another
reason in the batch is asked again alone, and one that fails alone for
another reason is broken: the build stops and names the rule and gcc's
error instead of silently choosing a shim. Real OUT directories, real
kernel trees, `make -n` (kbuild parses OUT's Kbuild, which runs the probes,
and compiles nothing).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import make_env
from kbridge.actions.probe import probe
from kbridge.facts import driver as drv_mod
from kbridge.knowledge import rules as rules_mod

FIXTURE = FIXTURES / "layer" / "kbtest_beh_new"
RULE = "vm_flags_set"          # a probe of the fixture's layer, batched (not isolated)
UNDECLARED = "kb_undeclared_thing"


def _make_n(out: Path, tree) -> tuple[subprocess.CompletedProcess[str], set[str] | None]:  # type: ignore[no-untyped-def]
    cfg = out / "compat" / "kb_config.h"
    cfg.unlink(missing_ok=True)
    (out / "compat" / ".kb_config.key").unlink(missing_ok=True)
    proc = subprocess.run(["make", "-s", "-C", str(tree.path), f"M={out}", "modules", "-n"],
                          capture_output=True, text=True, env=make_env())
    have = set(re.findall(r"^#define (KB_HAVE_\w+) 1$", cfg.read_text(), re.M)) if cfg.is_file() else None
    return proc, have


def _break_in_batch(out: Path) -> None:
    """Give RULE's probe in compat/kb_probes.c an error of another kind (same line count)."""
    unit = out / "compat" / "kb_probes.c"
    lines = unit.read_text().split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith("/* probe ") and f": {RULE} -> " in line)
    lines[i] = f"static int kb_broken = {UNDECLARED};"
    unit.write_text("\n".join(lines))


@pytest.fixture(scope="module")
def layer_out(tree61, tree612, tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("buildtime") / "out"
    bridge(drv_mod.load(FIXTURE), [tree61, tree612], "layer", out, home=tree612.version)
    return out


def test_absent_patterns_are_portable_ere():  # type: ignore[no-untyped-def]
    """The runner matches the rules' patterns with awk (POSIX ERE): no Python-only syntax."""
    for r in rules_mod.load():
        # both sides of a two-sided rule are matched by the runner
        for absent in [r.probe.absent] + ([r.probe.other.absent] if r.probe.other else []):
            assert absent and "\n" not in absent, r.id
            assert not re.search(r"\\[bBdDsSwWAZ]|\(\?|\{\d|\*\?|\+\?", absent), (r.id, absent)
            proc = subprocess.run(["awk", 'BEGIN { exit !("x" ~ ENVIRON["P"] || 1) }'],
                                  env={"P": absent, "LC_ALL": "C"}, capture_output=True, text=True)
            assert proc.returncode == 0 and not proc.stderr, (r.id, proc.stderr)


def test_map_carries_each_rules_expected_diagnostic(layer_out):  # type: ignore[no-untyped-def]
    by_id = rules_mod.by_id(rules_mod.load())
    lines = (layer_out / "compat" / "kb_probes.map").read_text().splitlines()
    assert lines
    for line in lines:
        guard, _lo, _hi, rid, _inv, _iso, absent = line.split(" ", 6)
        if rid.startswith("anchor."):             # a shim's anchor (shim.toml), not a rule
            assert guard.startswith("KB_ANCHOR_") and absent, line
            continue
        rule_id, _, side = rid.partition(".")     # <id>.old / <id>.new: a two-sided rule's other side
        r = by_id[rule_id]
        if side:
            assert r.probe.other.side == side and absent == r.probe.other.absent
            assert guard == (r.guard if side == "new" else r.old_guard)
        else:
            assert guard == (r.old_guard if r.probe.two_sided and r.probe.inverted else r.guard)
            assert absent == r.probe.absent


@pytest.mark.parametrize("which", ["6.1", "6.12"])
def test_other_error_in_batch_is_asked_again_alone(layer_out, tree61, tree612, which):  # type: ignore[no-untyped-def]
    """An error that is not RULE's expected diagnostic does not make it "absent": alone it answers right."""
    tree = tree61 if which == "6.1" else tree612
    pristine = (layer_out / "compat" / "kb_probes.c").read_text()
    try:
        _break_in_batch(layer_out)
        proc, have = _make_n(layer_out, tree)
    finally:
        (layer_out / "compat" / "kb_probes.c").write_text(pristine)
    assert have is not None, proc.stderr[-2000:]
    by_id = rules_mod.by_id(rules_mod.load())
    rules = [by_id[line.split(" ")[3]] for line in
             (layer_out / "compat" / "kb_probes.map").read_text().splitlines()
             if "." not in line.split(" ")[3]]          # <id>.old / <id>.new: a rule's other side
    for res in probe(tree, rules):
        assert (res.guard in have) == bool(res.result), (tree.name, res.rule)


def test_broken_probe_stops_the_build_naming_rule_and_error(layer_out, tree612):  # type: ignore[no-untyped-def]
    """Broken alone as well: no kb_config.h, make fails, the message names the rule and gcc's error.

    On 6.12, where RULE's API exists, so the only error is the foreign one
    (on 6.1 the expected diagnostic comes first and the answer stands).
    """
    alone = layer_out / "compat" / "probes" / f"{RULE}.c"
    pristine_unit = (layer_out / "compat" / "kb_probes.c").read_text()
    pristine_alone = alone.read_text()
    try:
        _break_in_batch(layer_out)
        alone.write_text(pristine_alone + f"static int kb_broken = {UNDECLARED};\n")
        proc, have = _make_n(layer_out, tree612)
    finally:
        (layer_out / "compat" / "kb_probes.c").write_text(pristine_unit)
        alone.write_text(pristine_alone)
    assert have is None
    assert proc.returncode != 0
    msg = next(line for line in proc.stderr.splitlines() if "build-time probes failed" in line)
    assert f"rule {RULE}:" in msg and f"'{UNDECLARED}' undeclared" in msg, msg
    by_id = rules_mod.by_id(rules_mod.load())
    assert by_id[RULE].probe.absent in msg, msg
    # and the same OUT, repaired, configures itself again
    proc, have = _make_n(layer_out, tree612)
    assert have is not None, proc.stderr[-2000:]


def test_probe_flags_name_the_module_as_a_string(tmp_path):
    """kb_conftest.sh expands the flags unquoted ($cc $flags): the module names
    must reach gcc as string literals (6.12's <linux/ethtool.h> initializes a
    char array with KBUILD_MODNAME; a '"x"' spelling made every probe including
    it fail)."""
    import subprocess
    from kbridge.actions.bridge import buildtime
    names = " ".join(w for w in buildtime.PROBE_FLAGS_MAKE.split() if w.startswith("-DKBUILD_"))
    (tmp_path / "flags").write_text(names + "\n")
    (tmp_path / "t.c").write_text('static const char m[] = KBUILD_MODNAME, b[] = KBUILD_BASENAME;\n'
                                  '_Static_assert(sizeof(m) == sizeof("kb_probes"), "string");\n'
                                  'const char *kb_use(void) { return b[0] ? m : b; }\n')
    proc = subprocess.run(["sh", "-c", 'flags=$(cat flags); gcc $flags -fsyntax-only t.c'],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


# --- three states: a kernel with neither the old nor the new API gets no shim -----------

def _config_with_outs_runner(out: Path, tree) -> str:  # type: ignore[no-untyped-def]
    """compat/kb_config.h as OUT's own build-time runner writes it on *tree* (kbuild reads
    OUT's Kbuild, in the tree's root for 5.10; ``make -n`` compiles nothing)."""
    from kbridge.actions.kbuild import run_tool
    for name in ("kb_config.h", ".kb_config.key"):
        (out / "compat" / name).unlink(missing_ok=True)
    proc = run_tool(tree, ["make", "-s", "-C", tree.build_path, f"M={out}", "modules", "-n"], binds=(out,))
    cfg = out / "compat" / "kb_config.h"
    assert cfg.is_file(), proc.stdout[-2000:]
    return cfg.read_text()


def _shim_enabled(config: str, condition: str, tmp: Path) -> bool:
    """Is a shim under *condition* (OUT's #if line) compiled with this kb_config.h? The preprocessor says."""
    src = tmp / "cond.c"
    src.write_text(f"{config}\n{condition}\nkb_shim_enabled\n#endif\n")
    proc = subprocess.run(["gcc", "-E", "-P", str(src)], capture_output=True, text=True, check=True)
    return "kb_shim_enabled" in proc.stdout


@pytest.mark.parametrize("driver, home, rule_id, direction, other, older", [
    # 6.1's xen-blkfront calls blk_queue_max_secure_erase_sectors() (came in 5.19, gone in
    # 6.11): 6.12 needs old_on_new, which bridges from queue_limits_start_update() (6.9);
    # on 5.10 the setter's own arrival (queue_flag_secerase_removed, 5.19) bridges it
    ("xen-blkfront@6.1", None, "blk_queue_max_secure_erase_sectors_removed", "old_on_new", "6.12",
     "queue_flag_secerase_removed"),
    # a driver for 6.12 calls blk_mq_alloc_disk(set, lim, data): 6.1 needs new_on_old, which
    # bridges from the two-argument form (came in 5.14: blk_mq_alloc_disk_added bridges 5.10)
    ("kbtest_beh_new", "6.12", "blk_mq_alloc_disk_takes_limits", "new_on_old", "6.1",
     "blk_mq_alloc_disk_added"),
])
def test_neither_api_on_510_gets_no_shim(trees, tmp_path, driver, home, rule_id, direction, other,  # type: ignore[no-untyped-def]
                                         older):
    """5.10 is older than both sides of the rule: its index declares neither, the probe
    answers "neither" (before: the one-sided probe read the missing API as the other side:
    "removed" for the old setter, "old" for the allocator, which then chose the shim), and
    OUT's build-time runner there leaves the rule's shim off, while on the other target it
    turns it on. 5.10 is not reported unbridged for it: the rule of the API's earlier
    change (*older*) bridges it there (a rule whose 'neither' nothing else covers is
    reported: test_both_apis_on_a_kernel_need_no_shim)."""
    from kbridge.facts import targets
    from kbridge.facts.index import open_index
    tree510 = targets.resolve("5.10", trees=trees)
    tree_other = targets.resolve(other, trees=trees)
    rule = rules_mod.by_id(rules_mod.load())[rule_id]
    idx = open_index(tree510)
    gone = {"blk_queue_max_secure_erase_sectors_removed": ["blk_queue_max_secure_erase_sectors",
                                                           "queue_limits_start_update"],
            "blk_mq_alloc_disk_takes_limits": ["blk_mq_alloc_disk"]}[rule_id]
    assert [n for n in gone if idx.lookup(n)] == []

    [res] = probe(tree510, [rule])
    assert (res.state, res.result, res.status, res.other[0]) == ("neither", False, "missing", "missing")
    [res] = probe(tree510, [rule], method="header", use_cache=False)
    assert res.state == "neither"
    [res] = probe(tree_other, [rule])
    assert res.state == {"old_on_new": "new", "new_on_old": "old"}[direction]

    drv = drv_mod.resolve(driver) if "@" in driver else drv_mod.load(FIXTURES / "layer" / driver)
    reason = f"kernel {tree510.name} has neither the old nor the new API of rule {rule_id}"
    # 5.10 alone: not this rule's shim, the earlier change's; nothing unbridged for it
    alone = bridge(drv, [tree510], "layer", tmp_path / "alone", home=home)
    assert rule_id not in {s["rule"] for s in alone.shims}
    assert older in {s["rule"] for s in alone.shims}
    assert [u.why for u in alone.unbridged if u.rule == rule_id and u.why.startswith(reason)] == []
    # 5.10 and a kernel with the other side: one OUT, the shim applies only there
    out = tmp_path / "out"
    both = bridge(drv, [tree510, tree_other], "layer", out, home=home)
    assert {"rule": rule_id, "direction": direction} in [
        {"rule": s["rule"], "direction": s["direction"]} for s in both.shims]
    assert [u.direction for u in both.unbridged if u.rule == rule_id] == []
    condition = rule.shim_condition(direction)
    assert any(condition in p.read_text() for p in (out / "compat").rglob("*.h"))
    assert not _shim_enabled(_config_with_outs_runner(out, tree510), condition, tmp_path)
    assert _shim_enabled(_config_with_outs_runner(out, tree_other), condition, tmp_path)


def test_both_apis_on_a_kernel_need_no_shim():  # type: ignore[no-untyped-def]
    """A transition kernel with both sides (blk_queue_max_secure_erase_sectors() stayed
    in 6.9 and 6.10 beside queue_limits_start_update()) needs no shim of either direction,
    and is not reported; the plan's answers are the runner's states."""
    from kbridge.actions.bridge import layer
    drv = drv_mod.load(FIXTURES / "layer" / "kbtest_beh_new")
    lib = rules_mod.load()
    needed = layer.needed_rules(lib, drv)
    rid = "blk_mq_alloc_disk_takes_limits"
    assert rid in {r.id for r in needed}
    home = {r.id: "new" for r in needed}
    for states, shim in (({rid: "old"}, True), ({rid: "both"}, False), ({rid: "neither"}, False)):
        target = {**home, **states}
        p = layer.plan(lib, drv, home, [target], ["K"])
        assert (rid in {s.rule.id for s in p.shims}) is shim, states
        assert [u.rule for u in p.unbridged if u.rule == rid] == ([rid] if states[rid] == "neither" else [])
    # a driver whose own kernel has neither side uses neither API: nothing to bridge
    p = layer.plan(lib, drv, {**home, rid: "neither"}, [{**home, rid: "old"}, {**home, rid: "new"}], ["A", "B"])
    assert rid not in {s.rule.id for s in p.shims} | {u.rule for u in p.unbridged} | {r.id for r in p.probed}


def test_a_rule_another_shim_builds_on_keeps_its_guard_with_no_shim_of_its_own():  # type: ignore[no-untyped-def]
    """netdev_lltx's wrapper reads KB_HAVE_NETDEV_CHANGE_PROTO_DOWN (shim.toml needs it). A
    driver written for 7.3 bridged for 7.3 and 5.10: 5.10 has neither side of
    change_proto_down (no shim of its own is due anywhere), yet its guard must still be
    computed, or the wrapper takes it as missing on 7.3 and adds a second member (wild
    set, seed 2: nlmon@7.3's layer OUT failed on 7.3 with "duplicate member
    'change_proto_down'"). Failed before the fix: the rule was not in p.probed."""
    from kbridge.actions.bridge import layer
    drv = drv_mod.load(FIXTURES / "layer" / "kbtest_net_new")
    lib = rules_mod.load()
    needed = layer.needed_rules(lib, drv)
    ids = {r.id for r in needed}
    assert {"netdev_lltx", "netdev_change_proto_down"} <= ids
    home = {r.id: "new" for r in needed}
    old = {**{r.id: "old" for r in needed}, "netdev_change_proto_down": "neither"}
    p = layer.plan(lib, drv, home, [home, old], ["7.3", "5.10"])
    assert "netdev_lltx" in {s.rule.id for s in p.shims}
    probed = [r.id for r in p.probed]
    assert "netdev_change_proto_down" in probed


def test_a_wrapper_serves_only_the_directions_its_rule_declares():  # type: ignore[no-untyped-def]
    """rq_list_type declares new_on_old only; its wrapper of <linux/blk-mq.h> retypes
    blk_mq_ops.queue_rqs (5.17) for a newer driver. A driver whose own kernel answers
    "old" (wild set, seed 1: 5.10's sg, whose struct sg_fd has a member named rq_list)
    got an old_on_new "shim" made of that wrapper alone, active on 5.10 itself, and no
    longer built there (own+: 'struct blk_mq_ops' has no member named 'queue_rqs').
    Failed before the fix: rq_list_type was in p.shims as old_on_new."""
    from kbridge.actions.bridge import layer
    lib = rules_mod.load()
    rule = rules_mod.by_id(lib)["rq_list_type"]
    assert set(rule.shims) == {"new_on_old"} and rule.wrapped_headers
    drv = drv_mod.load(FIXTURES / "layer" / "kbtest_net_new")   # any driver: the rule is forced in
    needed = layer.needed_rules(lib, drv, frozenset({"rq_list_type"}))
    home = {r.id: "new" for r in needed} | {"rq_list_type": "old"}
    p = layer.plan(lib, drv, home, [home, {**home, "rq_list_type": "new"}], ["5.10", "7.3"],
                   frozenset({"rq_list_type"}))
    assert [(s.rule.id, s.direction) for s in p.shims if s.rule.id == "rq_list_type"] == []
    # the direction it declares still carries the wrapper
    home_new = {**home, "rq_list_type": "new"}
    p = layer.plan(lib, drv, home_new, [home_new, {**home, "rq_list_type": "old"}], ["7.3", "5.10"],
                   frozenset({"rq_list_type"}))
    [s] = [s for s in p.shims if s.rule.id == "rq_list_type"]
    assert s.direction == "new_on_old" and "linux/blk-mq.h" in s.wrappers


def test_two_probes_calling_one_missing_function_both_answer_missing(tmp_path):  # type: ignore[no-untyped-def]
    """The probes run in one gcc unit, and gcc reports an implicit declaration once, at the
    first call: a second probe calling the same missing function compiled there and answered
    "present" (the pp510 engineer found it: 6.1's netfront bridged to 5.10 lost a shim). A
    "present" probe that calls a function some error of the unit called implicit is asked
    again alone. Two user rules here, each calling a function no kernel has."""
    import json

    from conftest import run_cli

    d = tmp_path / "mine"
    (d / "rules").mkdir(parents=True)
    text = ""
    for name in ("kbtest_first", "kbtest_second"):
        text += f"""
[[rule]]
id = "{name}"
api = ["kb_no_such_fn"]
kind = "added"
summary = "a function no kernel has ({name})"
since = "unknown"
commit = "unknown"
commit_title = "unknown"
guard = "KB_HAVE_{name.upper()}"

[rule.probe]
includes = ["linux/types.h"]
code = '''
static inline int kb_probe(void) {{ return kb_no_such_fn(1); }}
'''
absent = "implicit declaration of function 'kb_no_such_fn'"
"""
        (d / "shims" / name).mkdir(parents=True)
        (d / "shims" / name / "shim.toml").write_text('[new_on_old]\nnoop = "a test rule"\n')
    (d / "rules" / "test.toml").write_text(text)
    proc = run_cli("probe", "6.12", "--rule", "kbtest_first", "--rule", "kbtest_second",
                   "--method", "compile", "--no-cache", "--json", "--rules", str(d))
    assert proc.returncode == 0, proc.stderr
    got = {r["rule"]: (r["result"], r["state"]) for r in json.loads(proc.stdout)["results"]}
    assert got == {"kbtest_first": (False, "old"), "kbtest_second": (False, "old")}, got
