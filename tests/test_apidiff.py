"""kbridge diff: each kind of change on fixture trees, and the known 6.1 -> 6.12 changes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import FIXTURES, assert_bad_input, run_cli
from kbridge.errors import KbridgeError
from kbridge.facts import apidiff, index
from kbridge.facts.targets import inspect

TREE_A = FIXTURES / "index" / "a"
TREE_B = FIXTURES / "index" / "b"


@pytest.fixture(scope="module")
def changes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], apidiff.Change]:
    cache = tmp_path_factory.mktemp("cache")
    a = index.open_index(inspect(TREE_A), cache)
    b = index.open_index(inspect(TREE_B), cache)
    out = apidiff.diff(a, b)
    keyed = {(c.kind, c.name): c for c in out}
    assert len(keyed) == len(out), "one entry per kind and name"
    return keyed


@pytest.mark.parametrize("kind,name,change", [
    ("function", "kbt_submit", "changed"),        # arity
    ("function", "kbt_inline", "changed"),        # return type
    ("function", "kbt_new", "added"),
    ("function", "kbt_old", "removed"),
    ("function", "kbt_to_macro", "changed"),      # function -> function-like macro
    ("function", "KBT_BECOMES_FN", "changed"),    # function-like macro -> function
    ("macro", "kbt_alloc", "changed"),            # parameter count
    ("macro", "KBT_OBJ_ADDED", "added"),
    ("macro", "KBT_OBJ_REMOVED", "removed"),
    ("struct", "kbt_added_struct", "added"),
    ("struct", "kbt_removed_struct", "removed"),
    ("member", "kbt_limits.features", "added"),
    ("member", "kbt_limits.anon_b", "removed"),   # member of an anonymous union
    ("member", "kbt_limits.max_segments", "changed"),
    ("member", "kbt_limits.flags", "changed"),    # bitfield width
    ("member", "kbt_ops.copy", "added"),
    ("member", "kbt_ops.copy_user", "removed"),
    ("enum", "kbt_added_enum", "added"),
    ("enum", "kbt_removed_enum", "removed"),
    ("enum_constant", "KBT_NEW_STATE", "added"),
    ("enum_constant", "KBT_OLD_STATE", "removed"),
    ("typedef", "kbt_flags_t", "changed"),
    ("typedef", "kbt_mode_t", "added"),
    ("typedef", "kbt_gone_t", "removed"),
    ("header", "net/pool/types.h", "added"),
    ("header", "net/kbt_pool.h", "removed"),
    ("export", "kbt_new", "added"),
    ("export", "kbt_old", "removed"),
    ("export", "kbt_submit", "changed"),          # EXPORT_SYMBOL -> EXPORT_SYMBOL_GPL
])
def test_each_kind_of_change(changes, kind: str, name: str, change: str) -> None:
    c = changes.get((kind, name))
    assert c is not None, (kind, name)
    assert c.change == change
    assert (c.a is None) == (change == "added") and (c.b is None) == (change == "removed")


def test_not_changes(changes) -> None:
    # parameter names, macro bodies, a member parameter's name, include guards: not API changes
    for kind, name in [("function", "kbt_rename_params"), ("macro", "KBT_BODY_CHANGES"),
                       ("member", "kbt_ops.close"), ("typedef", "kbt_cb_t"),
                       ("macro", "_NET_KBT_POOL_H"), ("function", "kbt_register"),
                       ("macro", "kbt_to_macro"), ("macro", "KBT_BECOMES_FN"),
                       ("function", "kbt_foo")]:
        assert (kind, name) not in changes, changes.get((kind, name))


def test_changed_prototype_shows_both_sides(changes) -> None:
    c = changes[("function", "kbt_submit")]
    assert c.a == "int kbt_submit(struct kbt_device *dev, int flags)"
    assert c.b == "int kbt_submit(struct kbt_device *dev, int flags, int prio)"
    assert c.file_a == "include/linux/kbt.h:45" and c.file_b.startswith("include/linux/kbt.h:")
    m = changes[("macro", "kbt_alloc")]
    assert m.a == "#define kbt_alloc(set, data) __kbt_alloc(set, data)"


def test_filters_and_bad_grep(tmp_path: Path) -> None:
    a = index.open_index(inspect(TREE_A), tmp_path)
    b = index.open_index(inspect(TREE_B), tmp_path)
    only = apidiff.diff(a, b, kinds=["member"], grep=r"^kbt_ops\.")
    assert [(c.change, c.name) for c in only] == [("added", "kbt_ops.copy"), ("removed", "kbt_ops.copy_user")]
    with pytest.raises(KbridgeError, match="regular expression"):
        apidiff.diff(a, b, grep="(")


def test_cli_diff_json_schema_and_report(tmp_path: Path) -> None:
    proc = run_cli("--cache-dir", str(tmp_path), "diff", str(TREE_A), str(TREE_B), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert all(set(d) == {"change", "kind", "name", "a", "b", "file_a", "file_b"} for d in data)
    assert {d["change"] for d in data} == {"added", "removed", "changed"}
    assert {d["kind"] for d in data} == set(index.KINDS)
    again = run_cli("--cache-dir", str(tmp_path), "diff", str(TREE_A), str(TREE_B), "--json")
    assert again.stdout == proc.stdout                       # deterministic
    text = run_cli("--cache-dir", str(tmp_path), "diff", str(TREE_A), str(TREE_B), "--kind", "member")
    assert text.returncode == 0
    assert "linux/kbt.h  (+2 -4 ~2)" in text.stdout and "+ member kbt_ops.copy" in text.stdout
    bad = run_cli("--cache-dir", str(tmp_path), "diff", str(TREE_A), str(TREE_B), "--grep", "[")
    assert_bad_input(bad, "--grep")


# ------------------------------------------------------------------ real headers

# Upstream commit and release of each change (as recorded in knowledge/rules/*.toml;
# "unknown" where it was not established).
EXPECTED_61_612 = [
    ("macro", "blk_mq_alloc_disk", "changed"),                  # 27e32cd23fed, v6.9
    ("function", "queue_limits_start_update", "added"),         # d690cb8ae14b, v6.9
    ("function", "queue_limits_commit_update", "added"),        # d690cb8ae14b, v6.9
    ("macro", "BLK_FEAT_WRITE_CACHE", "added"),                 # 1122c0c1cc71, v6.11
    ("macro", "BLK_FEAT_FUA", "added"),                         # 1122c0c1cc71, v6.11
    ("typedef", "blk_mode_t", "added"),                         # 05bdb9965305, v6.5
    ("macro", "QUEUE_FLAG_VIRT", "removed"),                    # bd4a633b6f7c, v6.11
    ("function", "blk_queue_max_discard_sectors", "removed"),   # unknown
    ("function", "blk_queue_logical_block_size", "removed"),    # unknown
    ("function", "blk_queue_max_hw_sectors", "removed"),        # unknown
    ("function", "blk_queue_write_cache", "changed"),           # 1122c0c1cc71, v6.11
    ("macro", "FBINFO_FLAG_DEFAULT", "removed"),                # unknown commit, v6.6
    ("function", "vm_flags_mod", "added"),                      # bc292ab00f6c, v6.3
    ("member", "queue_limits.features", "added"),               # 1122c0c1cc71, v6.11
    ("member", "snd_pcm_ops.copy", "added"),                    # cf393babb37a, v6.6
    ("member", "snd_pcm_ops.copy_user", "removed"),             # unknown (after cf393babb37a)
    ("member", "drm_driver.gem_prime_mmap", "removed"),         # 0adec22702d4, v6.6
    ("header", "net/page_pool.h", "removed"),                   # a9ca9f9ceff3, v6.6 (split;
    ("header", "net/page_pool/types.h", "added"),               #  page_pool.h itself went later)
]


@pytest.mark.slow
def test_real_diff_61_to_612(index61, index612) -> None:
    found = {(c.kind, c.name): c for c in apidiff.diff(index61, index612)}
    wrong = [(k, n, want, found[(k, n)].change if (k, n) in found else None)
             for k, n, want in EXPECTED_61_612 if (k, n) not in found or found[(k, n)].change != want]
    assert wrong == []
    c = found[("macro", "blk_mq_alloc_disk")]
    assert "(set, queuedata)" in c.a and "(set, lim, queuedata)" in c.b
    w = found[("function", "blk_queue_write_cache")]
    assert "bool enabled, bool fua" in w.a and w.b.startswith("static inline bool")
    # the reverse direction swaps added and removed
    back = {(c.kind, c.name): c.change for c in apidiff.diff(index612, index61,
                                                               kinds=["header", "member"])}
    assert back[("header", "net/page_pool.h")] == "added"
    assert back[("member", "snd_pcm_ops.copy")] == "removed"


@pytest.mark.slow
def test_real_diff_cli_json(index61, index612) -> None:
    """The issue's acceptance check through the command line: `kbridge diff 6.1 6.12 --json`."""
    names = "|".join(re.escape(n) for _k, n, _c in EXPECTED_61_612)
    proc = run_cli("diff", "6.1", "6.12", "--json", "--grep", f"^({names})$")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    got = {(d["kind"], d["name"]): d for d in data}
    for kind, name, change in EXPECTED_61_612:
        assert got[(kind, name)]["change"] == change, (kind, name, got.get((kind, name)))
    # exports of the removed setters are reported too, as their own kind
    assert got[("export", "blk_queue_max_hw_sectors")]["change"] == "removed"
    assert set(got) - {(k, n) for k, n, _c in EXPECTED_61_612} <= {
        ("export", n) for _k, n, _c in EXPECTED_61_612}
    bm = got[("macro", "blk_mq_alloc_disk")]
    assert bm["file_a"].startswith("include/linux/blk-mq.h:") and "(set, lim, queuedata)" in bm["b"]
