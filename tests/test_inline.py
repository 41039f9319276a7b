"""The inline strategy (issue 8, parts 1 and 2): guarded spots, round trip, real builds.

Everything runs on the real corpus, the real shim library and the real 6.1
and 6.12 trees: the round trip is checked with kbridge's prune *and* with the
real ``unifdef`` program, and the bridged drivers are built with kbuild.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kbridge.actions.bridge import bridge
from kbridge.actions.bridge import inline
from kbridge.actions.kbuild import build
from kbridge.actions.prune import prune_text, prune_tree
from kbridge.errors import KbridgeError
from kbridge.facts import driver as drv_mod
from kbridge.knowledge import rules as rules_mod
from tests.conftest import FIXTURES, assert_bad_input, run_cli, version

OLDBLK = FIXTURES / "inline" / "oldblk"


def _other(entry, tree61, tree612):  # type: ignore[no-untyped-def]
    return tree61 if entry.version.startswith("6.12") else tree612


def _load(entry):  # type: ignore[no-untyped-def]
    return drv_mod.load(entry.path, label=entry.label, origin_version=entry.version)


def _home_symbols(report) -> tuple[dict[str, int], list[str]]:  # type: ignore[no-untyped-def]
    """-D/-U set of the driver's own kernel: its guards as the home kernel answers them."""
    defines = {s["guard"]: 1 for s in report.shims if s["direction"] == "new_on_old"}
    undefs = [s["guard"] for s in report.shims if s["direction"] == "old_on_new"]
    return defines, undefs


def _unifdef(path: Path, defines: dict[str, int], undefs: list[str]) -> str:
    proc = subprocess.run(["unifdef", *[f"-D{k}={v}" for k, v in defines.items()],
                           *[f"-U{u}" for u in undefs], str(path)], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


# --- the shim library, read with tree-sitter ------------------------------------------

def test_shim_names_read_kb_names_and_renames_from_the_real_shims() -> None:
    shims = rules_mod.SHIMS_DIR
    ql = inline.shim_names((shims / "queue_limits_features" / "new_on_old.h").read_text())
    assert ql.renames["queue_limits"] == "kb_queue_limits"       # struct rename, kb_ struct exists
    assert "queue_limits" in ql.undef
    assert "kb_queue_limits_apply" in ql.provides
    assert "BLK_FEAT_FUA" not in ql.renames                      # new names are provided, not renamed
    disk = inline.shim_names((shims / "blk_mq_alloc_disk_takes_limits" / "new_on_old.h").read_text())
    assert disk.renames == {"blk_mq_alloc_disk": "kb_blk_mq_alloc_disk"}
    assert disk.alias == ("blk_mq_alloc_disk",)                  # no kb_ of its own: forwarded
    segs = inline.shim_names((shims / "blk_queue_max_segments_removed" / "old_on_new.h").read_text())
    assert segs.renames == {"blk_queue_max_segments": "kb_blk_queue_max_segments"}
    assert segs.undef == ("blk_queue_max_segments",)
    fb = inline.shim_names((shims / "fb_gen_default_deferred_sysmem_ops" / "new_on_old.h").read_text())
    assert fb.renames["FB_GEN_DEFAULT_DEFERRED_SYSMEM_OPS"] == "KB_FB_GEN_DEFAULT_DEFERRED_SYSMEM_OPS"


# --- spots ---------------------------------------------------------------------------------

def test_blkfront_612_on_61_spots_keep_the_original_lines_in_the_new_api_branch(
        corpus, tree61, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    e = corpus["xen-blkfront@6.12"]
    report = bridge(_load(e), [tree61], "inline", tmp_path / "out")
    text = (tmp_path / "out" / "xen-blkfront.c").read_text()
    assert ("#ifdef KB_HAVE_QUEUE_LIMITS_FEATURES\n\tstruct queue_limits lim = {};\n#else\n"
            "\tstruct kb_queue_limits lim = {};\n#endif\n") in text
    assert ("#ifdef KB_HAVE_BLK_MQ_ALLOC_DISK_TAKES_LIMITS\n"
            "\tgd = blk_mq_alloc_disk(&info->tag_set, &lim, info);\n#else\n"
            "\tgd = kb_blk_mq_alloc_disk(&info->tag_set, &lim, info);\n#endif\n") in text
    # a function's parameter list is guarded up to its body, not the body
    assert ("#ifdef KB_HAVE_QUEUE_LIMITS_FEATURES\nstatic void blkif_set_queue_limits("
            "const struct blkfront_info *info,\n\t\tstruct queue_limits *lim)\n#else\n") in text
    assert {s["names"][0] for s in report.spots} >= {
        "queue_limits", "blk_mq_alloc_disk", "queue_limits_start_update",
        "queue_limits_commit_update", "blk_queue_disable_discard"}
    header = (tmp_path / "out" / "compat" / "kb_inline.h").read_text()
    assert '#include "rules/queue_limits_features/new_on_old.h"' in header
    # the struct shim comes before the shim that uses it
    assert header.index("rules/queue_limits_features/") < header.index("rules/blk_mq_alloc_disk_takes_limits/")
    assert "#undef queue_limits\n" in header


def test_fixture_spot_shapes(tree61, tree612, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    drv = drv_mod.load(OLDBLK)
    report = bridge(drv, [tree612], "inline", tmp_path / "out", home=version("6.1"))
    text = (tmp_path / "out" / "kbt_oldblk.c").read_text()
    # an unbraced if is guarded whole; a call over two lines keeps both lines
    assert ("#ifdef KB_HAVE_BLK_QUEUE_MAX_SEGMENTS_REMOVED\n\tif (segs)\n"
            "\t\tkb_blk_queue_max_segments(q, segs);\n#else\n\tif (segs)\n"
            "\t\tblk_queue_max_segments(q, segs);\n#endif\n") in text
    assert ("\tkb_blk_queue_logical_block_size(q,\n\t\t\t\t     512);\n#else\n"
            "\tblk_queue_logical_block_size(q,\n\t\t\t\t     512);\n#endif\n") in text
    # adjacent statements of different rules stay separate spots
    assert [(s["first"], s["last"]) for s in report.spots] == [(15, 16), (17, 18), (19, 19), (24, 24)]
    # the compat header is included after the driver's own includes, under a guard
    assert text.index('#include "kb_inline.h"') > text.index("#include <linux/blk-mq.h>")


def test_output_is_deterministic(corpus, tree612, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    e = corpus["xen-blkfront@6.1"]
    bridge(_load(e), [tree612], "inline", tmp_path / "a")
    bridge(_load(e), [tree612], "inline", tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


# --- round trip on the whole corpus -----------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("guards", ["feature", "version"])
def test_round_trip_all_24(corpus, inline_corpus, tmp_path: Path, guards: str) -> None:  # type: ignore[no-untyped-def]
    """Pruned for its own kernel, inline OUT gives back every driver file byte for byte,
    with kbridge's prune and with the real unifdef; the driver's Kbuild is kept verbatim.

    The driver's own kernel is its version (version guards) and its guards' answers
    (feature guards, and the rules whose release is unknown under version guards)."""
    for label, e in sorted(corpus.items()):
        out, report = inline_corpus(guards)[label]     # bridge(_load(e), [other], "inline", ...)
        defines, undefs = _home_symbols(report)
        back = tmp_path / f"{label}.back"
        if guards == "feature":
            prune_tree(out, back, min_kernel=None, defines=defines, undefs=undefs, use_rules=False)
        else:
            prune_tree(out, back, min_kernel=e.version, max_kernel=e.version, defines=defines,
                       undefs=undefs, use_rules=False)
        for src in sorted(e.path.iterdir()):
            if src.suffix in (".c", ".h"):
                assert (back / src.name).read_bytes() == src.read_bytes(), (label, src.name)
                if guards == "feature":   # the same with the real unifdef
                    assert _unifdef(out / src.name, defines, undefs) == src.read_text(), (label, src.name)
            elif src.name == "Kbuild":
                assert (out / "compat" / "Kbuild.driver").read_bytes() == src.read_bytes()


@pytest.mark.slow
def test_version_guards_unifdef_equals_prune(corpus, tree61, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """unifdef cannot evaluate KERNEL_VERSION(); with the calls replaced by their values
    it prunes version-guarded inline OUT exactly as kbridge's prune does, for both kernels."""
    e = corpus["xen-blkfront@6.12"]
    bridge(_load(e), [tree61], "inline", tmp_path / "out", guards="version")
    text = (tmp_path / "out" / "xen-blkfront.c").read_text()
    flat = text
    for v in ("6, 5, 0", "6, 9, 0", "6, 11, 0"):
        a, b, c = (int(x) for x in v.split(", "))
        flat = flat.replace(f"KERNEL_VERSION({v})", str((a << 16) + (b << 8) + c))
    assert "KERNEL_VERSION(" not in flat
    (tmp_path / "flat.c").write_text(flat)
    for series in ("6.12", "6.1"):          # the installed kernels' versions
        v = version(series)
        a, b, c = (int(x) for x in v.split("."))
        code = (a << 16) + (b << 8) + min(c, 255)
        ours = prune_text(text, min_kernel=v, max_kernel=v, use_rules=False)
        theirs = _unifdef(tmp_path / "flat.c", {"LINUX_VERSION_CODE": code}, [])
        assert ours == theirs, v
        if series == "6.12":
            assert ours == e.path.joinpath("xen-blkfront.c").read_text()
        else:
            assert "struct kb_queue_limits lim = {};" in ours and '#include "kb_inline.h"' in ours


# --- real builds --------------------------------------------------------------------------

def _clean(result) -> None:  # type: ignore[no-untyped-def]
    assert result.ok and result.errors == 0 and result.warnings == 0, \
        [d.message for d in result.diagnostics][:10]
    assert not result.undefined_symbols


@pytest.mark.slow
@pytest.mark.parametrize("label,guards", [("xen-blkfront@6.12", "feature"),
                                          ("xen-blkfront@6.12", "version"),
                                          ("xen-blkfront@6.1", "feature")])
def test_blkfront_inline_builds_clean_on_both_kernels(corpus, tree61, tree612, tmp_path: Path,
                                                      label: str, guards: str) -> None:  # type: ignore[no-untyped-def]
    e = corpus[label]
    other = _other(e, tree61, tree612)
    own = tree612 if other is tree61 else tree61
    out = tmp_path / "out"
    bridge(_load(e), [other], "inline", out, guards=guards)
    drv = drv_mod.load(out, label=label)
    _clean(build(drv, other))
    _clean(build(drv, own))


@pytest.mark.slow
def test_pruned_for_the_target_is_a_single_version_driver_that_builds(
        corpus, tree61, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    e = corpus["xen-blkfront@6.12"]
    report = bridge(_load(e), [tree61], "inline", tmp_path / "out")
    defines, undefs = _home_symbols(report)
    # the target (6.1) answers every guard the other way
    prune_tree(tmp_path / "out", tmp_path / "t", min_kernel=None, defines={u: 1 for u in undefs},
               undefs=list(defines), use_rules=False)
    text = (tmp_path / "t" / "xen-blkfront.c").read_text()
    assert "KB_HAVE_" not in text and "struct kb_queue_limits lim = {};" in text
    assert "struct queue_limits" not in text
    _clean(build(drv_mod.load(tmp_path / "t"), tree61))


@pytest.mark.slow
def test_fixture_builds_on_the_target(tree612, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bridge(drv_mod.load(OLDBLK), [tree612], "inline", tmp_path / "out", home=version("6.1"))
    _clean(build(drv_mod.load(tmp_path / "out"), tree612))


# --- command line ---------------------------------------------------------------------------

def test_cli_bridge_inline_json(tmp_path: Path) -> None:
    import json
    proc = run_cli("bridge", "xen-blkfront@6.12", "-t", "6.1", "--strategy", "inline",
                   "-o", str(tmp_path / "out"), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["strategy"] == "inline" and data["guards"] == "feature" and data["ok"]
    assert any(s["names"] == ["queue_limits"] for s in data["spots"])
    assert (tmp_path / "out" / "compat" / "kb_inline.h").is_file()


def test_cli_guards_needs_inline(tmp_path: Path) -> None:
    assert_bad_input(run_cli("bridge", "xen-blkfront@6.12", "-t", "6.1", "--guards", "version",
                             "-o", str(tmp_path / "out")), "--guards", "--strategy inline")
    assert not (tmp_path / "out").exists()
    assert_bad_input(run_cli("matrix", "xen-kbdfront@6.1", "--guards", "version"), "--strategy inline")


def test_version_guards_keep_a_feature_guard_for_an_unknown_release(tree612, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """No guessed version test: under --guards version a rule whose release is unknown keeps its
    feature guard, probed at build time; the round trip still gives back the original."""
    import dataclasses
    rules = [dataclasses.replace(r, since="unknown") if r.id == "blk_queue_logical_block_size_removed" else r
             for r in rules_mod.load()]
    report = bridge(drv_mod.load(OLDBLK), [tree612], "inline", tmp_path / "out", home=version("6.1"),
                    rules=rules, guards="version")
    text = (tmp_path / "out" / "kbt_oldblk.c").read_text()
    assert "#ifdef KB_HAVE_BLK_QUEUE_LOGICAL_BLOCK_SIZE_REMOVED\n\tkb_blk_queue_logical_block_size(q," in text
    assert "#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)\n\tstruct gendisk *gd = kb_blk_mq_alloc_disk(" in text
    assert ("#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0) || "
            "defined(KB_HAVE_BLK_QUEUE_LOGICAL_BLOCK_SIZE_REMOVED)\n#include \"kb_inline.h\"") in text
    compat = tmp_path / "out" / "compat"
    assert (compat / "kb_probes.c").is_file() and (compat / "kb_version.h").is_file()
    assert "KB_HAVE_BLK_QUEUE_LOGICAL_BLOCK_SIZE_REMOVED 1" not in (compat / "kb_version.h").read_text()
    defines, undefs = _home_symbols(report)
    back = prune_text(text, min_kernel=version("6.1"), max_kernel=version("6.1"), defines=defines, undefs=undefs,
                      use_rules=False)
    assert back == (OLDBLK / "kbt_oldblk.c").read_text()


def test_audit_finds_every_inline_spot(corpus, tree61, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """kbridge audit reads inline OUT as a maintainer's tool would: one kbridge guard per spot,
    plus the guarded include of kb_inline.h, each spot with the rule it concerns."""
    import json
    e = corpus["xen-blkfront@6.12"]
    report = bridge(_load(e), [tree61], "inline", tmp_path / "out")
    proc = run_cli("audit", str(tmp_path / "out" / "xen-blkfront.c"), "--json")
    assert proc.returncode == 0, proc.stderr
    found = [s for s in json.loads(proc.stdout)["spots"] if s["kind"] == "kbridge_guard"]
    assert len(found) == len(report.spots) + 1
    by_line = {s["line"]: s["rule"] for s in found}
    out_lines = (tmp_path / "out" / "xen-blkfront.c").read_text().splitlines()
    for line, rule in by_line.items():
        assert out_lines[line - 1].startswith("#if"), (line, out_lines[line - 1])
    assert {s["rules"][0] for s in report.spots} <= set(by_line.values())


@pytest.mark.slow
def test_cli_matrix_inline_version_guards() -> None:
    """kbridge matrix --strategy inline --guards version: bridge, then a real kbuild run per cell."""
    import json
    proc = run_cli("matrix", "xen-blkfront@6.12", "--strategy", "inline", "--guards", "version",
                   "-t", "6.1", "-j", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    (cell,) = json.loads(proc.stdout)
    assert cell["ok"] and cell["errors"] == 0 and cell["warnings"] == 0, cell["diagnostics"][:5]


def test_moved_header_is_a_spot(corpus, tree612, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A header that moved is guarded where the driver includes it, with the includes the shim
    library's wrapper uses on the other kernels (read from the wrapper, pruned for that answer)."""
    e = corpus["xen-netfront@6.1"]
    report = bridge(_load(e), [tree612], "inline", tmp_path / "out")
    text = (tmp_path / "out" / "xen-netfront.c").read_text()
    assert ("#ifdef KB_HAVE_PAGE_POOL_HEADER_REMOVED\n#include <net/page_pool/types.h>\n"
            "#include <net/page_pool/helpers.h>\n#else\n#include <net/page_pool.h>\n#endif\n") in text
    assert any(s["names"] == ["net/page_pool.h"] for s in report.spots)
    # the compat header is for the kb_ names only (here u64_stats; and ethtool_kernel_ts_info,
    # whose API netfront's .get_ts_info = ethtool_op_get_ts_info uses: no spot, the shim's
    # struct name needs none there), not for the moved header
    assert ('#if defined(KB_HAVE_ETHTOOL_KERNEL_TS_INFO) || defined(KB_HAVE_U64_STATS_FETCH_IRQ_REMOVED)\n'
            '#include "kb_inline.h"\n#endif\n') in text


@pytest.mark.parametrize("home_new", [False, True])
def test_a_spot_keeps_the_drivers_call_where_the_kernel_has_both_apis(home_new: bool):
    # a two-sided rule answers "both" on a kernel with the old and the new API (5.10.y
    # has del_timer_sync and its backported timer_delete_sync): the driver's own call
    # works there, and Rule.shim_condition leaves the shim out, so the spot must not
    # take the kb_ variant. It did for a driver on the old API (its test was "the new
    # API is there"), and the build stopped at an undeclared kb_ call. The oracle is
    # gcc's preprocessor over the spot, for each state the probes can give.
    from kbridge.knowledge import rules as rules_mod
    rule = next(r for r in rules_mod.load() if r.probe.two_sided)
    guards = inline.Guards("feature", {rule.id: rule}, {rule.id: home_new})
    lines = guards.spot([rule.id], [b"ORIGINAL\n"], [b"VARIANT\n"])
    defines = {"new": [rule.guard], "old": [rule.old_guard], "both": [rule.guard, rule.old_guard]}
    home = "new" if home_new else "old"
    for state, macros in defines.items():
        out = subprocess.run(["gcc", "-E", "-P", *[f"-D{m}=1" for m in macros], "-"],
                             input=b"".join(lines), capture_output=True, check=True).stdout
        want = b"ORIGINAL" if state in (home, "both") else b"VARIANT"
        assert out.strip() == want, (state, b"".join(lines).decode(), out)
    need = guards.needs_compat([rule.id])
    for state, macros in defines.items():
        out = subprocess.run(["gcc", "-E", "-P", *[f"-D{m}=1" for m in macros], "-"],
                             input=need + b"COMPAT\n#endif\n", capture_output=True,
                             check=True).stdout
        assert (out.strip() == b"COMPAT") == (state not in (home, "both")), (state, need)
