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
        assert r.probe.absent and "\n" not in r.probe.absent, r.id
        assert not re.search(r"\\[bBdDsSwWAZ]|\(\?|\{\d|\*\?|\+\?", r.probe.absent), (r.id, r.probe.absent)
        proc = subprocess.run(["awk", 'BEGIN { exit !("x" ~ ENVIRON["P"] || 1) }'],
                              env={"P": r.probe.absent, "LC_ALL": "C"}, capture_output=True, text=True)
        assert proc.returncode == 0 and not proc.stderr, (r.id, proc.stderr)


def test_map_carries_each_rules_expected_diagnostic(layer_out):  # type: ignore[no-untyped-def]
    by_id = rules_mod.by_id(rules_mod.load())
    lines = (layer_out / "compat" / "kb_probes.map").read_text().splitlines()
    assert lines
    for line in lines:
        guard, _lo, _hi, rid, _inv, _iso, absent = line.split(" ", 6)
        assert guard == by_id[rid].guard and absent == by_id[rid].probe.absent


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
             (layer_out / "compat" / "kb_probes.map").read_text().splitlines()]
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
