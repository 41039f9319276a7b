"""User rules: ``--rules DIR`` / ``$KBRIDGE_RULES`` add a user's own rules and shims (DIR/rules/*.toml,
DIR/shims/<id>/), validated like the built-in ones and used by both strategies, probe and matrix.

The fixture driver (tests/fixtures/userrules/kbtest_dup, hand-written, written for 6.12) calls
kmemdup_array(), which 6.1 lacks and no built-in rule covers; the user rule written here
bridges it with the kernel's own definition.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, assert_bad_input, run_cli
from kbridge.actions.kbuild import build
from kbridge.facts import driver as drv_mod
from kbridge.knowledge import rules as rules_mod

DRIVER = FIXTURES / "userrules" / "kbtest_dup"

RULE = """\
[[rule]]
id = "kmemdup_array_added"
api = ["kmemdup_array"]
kind = "added"
summary = "kmemdup_array(src, count, size, gfp) duplicates an array, its size overflow-checked"
since = "unknown"
commit = "unknown"
commit_title = "unknown"
guard = "KB_HAVE_KMEMDUP_ARRAY"

[rule.probe]
includes = ["linux/string.h"]
code = '''
void *kb_probe(const void *p, gfp_t gfp) { return kmemdup_array(p, 2, 4, gfp); }
'''
absent = "implicit declaration of function 'kmemdup_array'"

[rule.shim.new_on_old]
why = "the kernel's own definition: kmemdup() of size_mul(element_size, count), which saturates on overflow so the allocation fails"
"""

SHIM = """\
/* kmemdup_array() as the kernel defines it (mm/util.c): kmemdup() of the saturated size. */
#include <linux/overflow.h>
static inline void *kmemdup_array(const void *src, size_t count, size_t element_size, gfp_t gfp)
{
	return kmemdup(src, size_mul(element_size, count), gfp);
}
"""


def user_dir(root: Path, rule: str = RULE, manifest: str = '[new_on_old]\nafter = "linux/string.h"\n') -> Path:
    d = root / "myrules"
    (d / "rules").mkdir(parents=True)
    (d / "rules" / "mm.toml").write_text(rule)
    s = d / "shims" / "kmemdup_array_added"
    s.mkdir(parents=True)
    (s / "new_on_old.h").write_text(SHIM)
    (s / "shim.toml").write_text(manifest)
    return d


@pytest.mark.parametrize("strategy", ["layer", "inline"])
def test_user_rule_bridges_what_the_library_does_not(strategy, tmp_path, tree61, tree612):  # type: ignore[no-untyped-def]
    # without it: predicted, nothing covers it, exit 1 -- and OUT fails on 6.1
    # (drafts off: kmemdup_array is an exported function of 6.12 that the compat object
    # copies for 6.1 since issue 17's drafting; the point here is a user's own rule)
    plain = run_cli("bridge", str(DRIVER), "-t", "6.1", "-t", "6.12", "--strategy", strategy,
                    "-o", str(tmp_path / "o0"), "--no-abi-check", "--json", "--no-drafts")
    assert plain.returncode == 1, plain.stdout + plain.stderr
    left = json.loads(plain.stdout)["prediction"]["remaining"]
    assert [(r["api"], r["covered_by"]) for r in left] == [("kmemdup_array", "nothing")]
    assert not build(drv_mod.load(tmp_path / "o0"), tree61).ok
    mine = user_dir(tmp_path)
    for how in ({"args": ["--rules", str(mine)]}, {"env": {"KBRIDGE_RULES": str(mine)}}):
        out = tmp_path / f"o-{len(how)}-{'env' if 'env' in how else 'arg'}"
        proc = run_cli("bridge", str(DRIVER), "-t", "6.1", "-t", "6.12", "--strategy", strategy,
                       "-o", str(out), "--no-abi-check", "--json", "--no-drafts",
                       *how.get("args", []), env=how.get("env"))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        rep = json.loads(proc.stdout)
        assert [(s["rule"], s["direction"]) for s in rep["shims"]] == [("kmemdup_array_added", "new_on_old")]
        assert rep["prediction"]["ok"] and rep["prediction"]["bridged"][tree61.name] == 1
        for tree in (tree61, tree612):
            res = build(drv_mod.load(out), tree)
            assert res.ok and res.errors == 0 and res.warnings == 0, (tree.name, res.diagnostics)
    assert (out / "compat" / "rules" / "kmemdup_array_added" / "new_on_old.h").read_text() == SHIM \
        if strategy == "layer" else "kmemdup_array" in (out / "compat" / "kb_inline.h").read_text()


def test_user_rule_in_probe_and_matrix(tmp_path, tree61):  # type: ignore[no-untyped-def]
    mine = user_dir(tmp_path)
    for target, have in (("6.1", False), ("6.12", True)):
        proc = run_cli("probe", target, "--rule", "kmemdup_array_added", "--json", "--rules", str(mine))
        assert proc.returncode == 0, proc.stderr
        (res,) = json.loads(proc.stdout)["results"]
        assert res["result"] is have, res
    proc = run_cli("--rules", str(mine), "matrix", str(DRIVER), "--target", "6.1", "--target", "6.12",
                   "--strategy", "layer", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cells = {c["target"]: c for c in json.loads(proc.stdout)}
    cell = cells[tree61.name]
    assert all(c["ok"] for c in cells.values()) and len(cells) == 2
    assert [s["rule"] for s in cell["shims"]] == ["kmemdup_array_added"]
    assert cell["rules"]["kmemdup_array_added"]["summary"].startswith("kmemdup_array(")
    assert [f["rules"] for f in cell["check"]["findings"]] == [["kmemdup_array_added"]]


@pytest.mark.parametrize("break_it, where, needle", [
    (lambda r, m: (r.replace('kind = "added"', 'kind = "added_maybe"'), m), "rules/mm.toml:2:", "'kind'"),
    (lambda r, m: (r.replace('id = "kmemdup_array_added"', 'id = "blk_mode_t"'), m), "rules/mm.toml:2:",
     "already a built-in rule"),
    (lambda r, m: (r, m + "colour = 1\n"), "shims/kmemdup_array_added/shim.toml:3:", "unknown key"),
    (lambda r, m: (r.replace("[rule.shim.new_on_old]\nwhy", "[rule.shim.old_on_new]\nwhy"), m),
     "rules/mm.toml:2:", "without [rule.shim.new_on_old] why"),
])
def test_malformed_user_rule_is_one_error_line(break_it, where, needle, tmp_path):  # type: ignore[no-untyped-def]
    rule, manifest = break_it(RULE, '[new_on_old]\nafter = "linux/string.h"\n')
    mine = user_dir(tmp_path, rule, manifest)
    proc = run_cli("bridge", str(DRIVER), "-t", "6.1", "-t", "6.12", "-o", str(tmp_path / "o"),
                   "--rules", str(mine))
    assert_bad_input(proc, str(mine / where), needle)
    assert not (tmp_path / "o").exists()


def test_rules_dir_must_be_laid_out_like_the_library(tmp_path):  # type: ignore[no-untyped-def]
    assert_bad_input(run_cli("probe", "6.1", "--rules", str(tmp_path)), "not a rules directory")
    mine = user_dir(tmp_path)
    (mine / "shims" / "kmemdup_array_addd").mkdir()
    assert_bad_input(run_cli("probe", "6.1", "--rules", str(mine)), "shim directory of no rule")


def test_library_without_user_dirs_is_unchanged(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KBRIDGE_RULES", raising=False)
    rules_mod.use_user_dirs([])
    assert rules_mod.user_dirs() == ()
    assert all(r.shims_root is None for r in rules_mod.load())
