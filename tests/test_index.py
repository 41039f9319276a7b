"""The API index: what it records, on small fixture trees and on Debian's real headers."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, assert_bad_input, run_cli
from kbridge.errors import KbridgeError
from kbridge.facts import index
from kbridge.facts.targets import inspect

TREE_A = FIXTURES / "index" / "a"
TREE_B = FIXTURES / "index" / "b"


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    d = tmp_path / "cache"
    d.mkdir()
    return d


@pytest.fixture()
def idx_a(cache: Path) -> index.ApiIndex:
    return index.open_index(inspect(TREE_A), cache)


@pytest.fixture()
def idx_b(cache: Path) -> index.ApiIndex:
    return index.open_index(inspect(TREE_B), cache)


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


# ------------------------------------------------------------------ fixture trees

def test_function_prototype_attributes_and_export(idx_a: index.ApiIndex) -> None:
    f = idx_a.function("kbt_submit")
    assert f is not None
    assert f.return_type == "int"
    assert f.params == (index.Param("struct kbt_device *", "dev"), index.Param("int", "flags"))
    assert f.arity == 2 and not f.variadic and not f.inline
    assert f.file == "include/linux/kbt.h" and f.line == 45
    assert f.exported is True                      # from Module.symvers
    assert "__kbt_must_check" not in f.prototype   # harvested attribute macro, blanked
    log = idx_a.function("kbt_log")
    assert log is not None and log.variadic and log.arity == 1
    combo = idx_a.function("kbt_combo")            # attribute made of attributes
    assert combo is not None and combo.return_type == "int" and combo.arity == 0
    inline = idx_a.function("kbt_inline")
    assert inline is not None and inline.inline and not inline.exported


def test_macros_object_and_function_like(idx_a: index.ApiIndex) -> None:
    m = idx_a.macro("kbt_alloc")
    assert m is not None and m.params == ("set", "data") and m.arity == 2
    assert m.body == "__kbt_alloc(set, data)"
    o = idx_a.macro("KBT_OBJ_REMOVED")
    assert o is not None and o.params is None and o.body == "1"
    assert idx_a.macro("__kbt_printf").params == ("a", "b")


def test_structs_members_bitfields_anonymous_unions(idx_a: index.ApiIndex) -> None:
    s = idx_a.struct("kbt_limits")
    assert s is not None and s.kind == "struct"
    names = [m.name for m in s.members]
    assert names == ["max_sectors", "max_segments", "flags", "anon_a", "anon_b", "foo_only", "not_foo"]
    assert s.member("flags").bits == "3"
    assert s.member("max_segments").type == "unsigned short"
    ops = idx_a.member("kbt_ops", "copy_user")
    assert ops is not None
    # compared without parameter names; shown as declared
    assert ops.type == "int (*)(struct kbt_device *, void *, unsigned long)"
    assert ops.decl == "int (*copy_user)(struct kbt_device *dev, void *buf, unsigned long len)"


def test_enums_typedefs_headers(idx_a: index.ApiIndex) -> None:
    e = idx_a.enum("kbt_state")
    assert e is not None and e.constants == ("KBT_IDLE", "KBT_BUSY", "KBT_OLD_STATE")
    c = idx_a.enum_constant("KBT_OLD_STATE")
    assert c is not None and c.enum == "kbt_state" and c.value == "7"
    t = idx_a.typedef("kbt_cb_t")
    assert t is not None and t.type == "int (*)(void *)"
    assert idx_a.has_header("linux/kbt.h") and idx_a.has_header("asm/kbt_arch.h")
    assert idx_a.header("asm/kbt_arch.h").file == "arch/x86/include/asm/kbt_arch.h"
    assert not idx_a.has_header("net/pool/types.h")


def test_config_conditions_evaluated_against_dot_config(idx_a: index.ApiIndex) -> None:
    variants = idx_a.functions("kbt_foo")
    assert [v.inline for v in variants] == [False, True]       # active (CONFIG_FOO=y) first
    assert variants[0].condition == "defined(CONFIG_FOO)" and variants[0].active is True
    assert variants[1].active is False
    assert idx_a.function("kbt_foo").inline is False
    bar = idx_a.function("kbt_bar")                              # IS_ENABLED(m) && !defined(unset)
    assert bar.active is True and "IS_ENABLED(CONFIG_BAR)" in bar.condition
    baz = idx_a.function("kbt_baz")                              # unset || 4 > 8
    assert baz.active is False
    assert idx_a.member("kbt_limits", "not_foo").active is False
    assert idx_a.has_config


def test_bare_tree_conditions_unevaluated_and_exports_from_sources(idx_b: index.ApiIndex) -> None:
    assert not idx_b.has_config
    variants = idx_b.functions("kbt_foo")
    assert {v.active for v in variants} == {None}
    assert idx_b.exports_source == "sources"
    assert idx_b.export("kbt_submit").how == "EXPORT_SYMBOL_GPL"
    assert idx_b.export("kbt_new").namespace == "KBT"
    assert not idx_b.is_exported("kbt_in_comment")
    assert idx_b.typedef("kbt_mode_t").type == "unsigned"   # "unsigned int": canonical spelling


def test_lookup_any_kind(idx_a: index.ApiIndex) -> None:
    kinds = [type(x).__name__ for x in idx_a.lookup("kbt_submit")]
    assert kinds == ["Function", "Export"]
    pairs = idx_a.lookup("kbt_ops.open")
    assert len(pairs) == 1 and pairs[0][1].name == "open"
    assert [type(x).__name__ for x in idx_a.lookup("net/kbt_pool.h")] == ["Header"]
    assert idx_a.lookup("no_such_name") == []


def test_indexing_never_modifies_the_tree(cache: Path) -> None:
    before = _snapshot(TREE_A)
    index.open_index(inspect(TREE_A), cache, rebuild=True)
    assert _snapshot(TREE_A) == before


def test_not_a_tree_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(KbridgeError, match="not a kernel tree"):
        index.open_index(tmp_path, tmp_path)


# ------------------------------------------------------------------ reliability

@pytest.mark.parametrize("damage", ["truncate", "garbage", "incomplete", "empty"])
def test_corrupt_cache_is_detected_and_rebuilt(cache: Path, damage: str) -> None:
    tree = inspect(TREE_A)
    db = index.open_index(tree, cache).path
    assert index.verify(db)
    if damage == "truncate":
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        db.write_bytes(b"not a database at all" * 100)
    elif damage == "empty":
        db.write_bytes(b"")
    else:
        con = sqlite3.connect(db)
        con.execute("DELETE FROM meta WHERE key = 'complete'")
        con.commit()
        con.close()
    assert not index.verify(db)
    again = index.open_index(tree, cache)
    assert again.path == db and index.verify(db)
    assert again.function("kbt_submit") is not None


def test_two_processes_indexing_the_same_tree_both_succeed(tmp_path: Path) -> None:
    # A tree big enough that the two builds overlap: the fixture plus 400 copies.
    tree = tmp_path / "tree"
    shutil.copytree(TREE_A, tree)
    src = (TREE_A / "include/linux/kbt.h").read_text()
    gen = tree / "include/linux/many"
    gen.mkdir()
    for i in range(400):
        (gen / f"kbt{i}.h").write_text(src.replace("kbt_", f"kbt{i}_"))
    cache = tmp_path / "cache"
    cmd = [str(Path(sys.executable).parent / "kbridge"), "--cache-dir", str(cache), "index", str(tree),
           "--json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    results = [json.loads(o) for o, _e in outs]
    assert results[0]["database"] == results[1]["database"]
    assert results[0]["counts"]["functions"] == results[1]["counts"]["functions"] > 400 * 9
    assert sorted(r["cached"] for r in results) in ([False, False], [False, True])
    leftovers = [p.name for p in (cache / "index").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert index.verify(Path(results[0]["database"]))


# ------------------------------------------------------------------ CLI

def test_cli_index_stats_json(cache: Path) -> None:
    proc = run_cli("--cache-dir", str(cache), "index", str(TREE_A), "--stats", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["counts"]["functions"] >= 12 and data["counts"]["headers"] == 5
    assert data["exports_source"] == "Module.symvers"
    assert "parse" in data and data["parse"]["function"] >= 12
    assert data["problems"] == {} and data["files_with_problems"] == 0


def test_cli_show(cache: Path) -> None:
    proc = run_cli("--cache-dir", str(cache), "show", str(TREE_A), "kbt_foo")
    assert proc.returncode == 0, proc.stderr
    assert "include/linux/kbt.h:59" in proc.stdout
    assert "int kbt_foo(void);" in proc.stdout and "inactive" in proc.stdout
    proc = run_cli("--cache-dir", str(cache), "show", str(TREE_A), "kbt_ops.copy_user", "--json")
    data = json.loads(proc.stdout)
    assert data[0]["kind"] == "member" and data[0]["struct"] == "kbt_ops"


def test_cli_bad_input(cache: Path, tmp_path: Path) -> None:
    assert_bad_input(run_cli("--cache-dir", str(cache), "index", str(tmp_path / "nope")), "no such")
    assert_bad_input(run_cli("--cache-dir", str(cache), "show", str(TREE_A), "no_such_name"),
                     "no_such_name")
    assert_bad_input(run_cli("--cache-dir", str(cache), "index", "9.99"), "unknown target")


# ------------------------------------------------------------------ real headers

def test_debian_split_finds_common_tree(tree612) -> None:
    roots = index.source_roots(tree612)
    assert roots.build == tree612.path
    assert roots.source.name.endswith("-common") and (roots.source / "include/linux/blkdev.h").is_file()
    files = index.header_files(roots)
    gen = [f for f in files if f[3]]
    assert any(inc == "generated/autoconf.h" for _p, _r, inc, _g in gen)
    assert len(files) > 6600


@pytest.mark.slow
def test_real_612_index(index612: index.ApiIndex) -> None:
    idx = index612
    m = idx.macro("blk_mq_alloc_disk")
    assert m is not None and m.params == ("set", "lim", "queuedata")
    f = idx.function("queue_limits_commit_update")
    assert f is not None and f.exported and f.arity == 2
    assert f.params[1] == index.Param("struct queue_limits *", "lim")
    assert idx.member("queue_limits", "features").type == "blk_features_t"
    assert idx.member("snd_pcm_ops", "copy") is not None
    assert idx.member("snd_pcm_ops", "copy_user") is None
    assert idx.has_header("net/page_pool/types.h") and not idx.has_header("net/page_pool.h")
    assert idx.typedef("blk_mode_t") is not None
    assert idx.enum_constant("REQ_OP_READ") is not None
    s = idx.stats()
    assert s["counts"]["headers"] > 6600 and s["counts"]["functions"] > 50000
    # constructs the parser cannot read are counted, and stay a small minority
    assert 0 < s["files_with_problems"] < s["counts"]["headers"] * 0.15


@pytest.mark.slow
def test_real_61_index(index61: index.ApiIndex) -> None:
    idx = index61
    assert idx.macro("blk_mq_alloc_disk").params == ("set", "queuedata")
    f = idx.function("blk_queue_write_cache")
    assert f is not None and not f.inline and f.arity == 3 and f.exported
    assert idx.macro("FBINFO_FLAG_DEFAULT") is not None
    assert idx.member("drm_driver", "gem_prime_mmap") is not None
    assert idx.has_header("net/page_pool.h")
    # config-aware: CONFIG_BLOCK is set in Debian's config
    assert idx.has_config
    assert os.path.basename(str(idx.meta["source_root"])).endswith("-common")


def test_flavour_tree_including_a_common_tree(tmp_path: Path) -> None:
    """Debian's layout in miniature: the flavour tree has .config, Module.symvers and generated
    headers, and its one-line Makefile includes the -common tree that has the real headers."""
    flavour = tmp_path / "linux-headers-9.9.9-amd64"
    (flavour / "include/generated").mkdir(parents=True)
    (flavour / "arch/x86/include/generated/asm").mkdir(parents=True)
    (flavour / "Makefile").write_text(f"include {TREE_A}/Makefile\n")
    shutil.copy(TREE_A / ".config", flavour / ".config")
    (flavour / "Module.symvers").write_text("0x1\tkbt_new_in_flavour\tvmlinux\tEXPORT_SYMBOL_GPL\t\n")
    (flavour / "include/generated/autoconf.h").write_text("#define CONFIG_FOO 1\n")
    (flavour / "arch/x86/include/generated/asm/kbt_gen.h").write_text("#define KBT_GENERATED 1\n")
    tree = inspect(flavour)
    roots = index.source_roots(tree)
    assert roots.source == TREE_A and roots.build == flavour
    idx = index.open_index(tree, tmp_path / "cache")
    assert idx.function("kbt_submit") is not None               # from the included tree
    assert idx.header("generated/autoconf.h").generated
    assert idx.header("asm/kbt_gen.h").file == "arch/x86/include/generated/asm/kbt_gen.h"
    assert idx.macro("KBT_GENERATED") is not None
    assert idx.is_exported("kbt_new_in_flavour") and not idx.is_exported("kbt_submit")
    assert idx.function("kbt_foo").active is True               # the flavour's .config


def test_member_declaring_macros(idx_a: index.ApiIndex) -> None:
    s = idx_a.struct("kbt_grouped")
    # __SYSFS_FUNCTION_ALTERNATIVE (7.x device_attribute.show/store, attribute_group.
    # is_visible): its members are the parent's, as C reaches them; unexpanded, check said
    # "no member named 'show'" for every 5.10 driver with a DEVICE_ATTR on 7.3
    assert [m.name for m in s.members] == ["first", "tx", "rx", "proto", "features", "devs",
                                           "show", "show_const", "last"]
    assert s.member("show").line == 19
    assert s.member("tx").line == 9                       # line numbers survive the rewrite
    assert s.member("features").type == "unsigned long[64]"
    assert s.member("devs").type == "struct kbt_device[]"
    assert idx_a.stats()["problems"] == {}


def test_two_kbridge_versions_keep_their_own_index_of_a_tree(tmp_path):
    # a second checkout of another PARSER_VERSION (another fingerprint of the same tree)
    # must not lose its index each time this one builds: the last few used stay, only
    # the least recently used beyond KEEP_PER_TREE go, each with its lock
    import os
    from kbridge.facts import index as ix
    label = "6.1.0-99-amd64-0123abcd"
    paths = []
    for i in range(5):
        p = tmp_path / f"{label}-{i:024x}.sqlite"
        p.write_bytes(b"x")
        p.with_suffix(".lock").write_bytes(b"")
        os.utime(p, (1000 + i, 1000 + i))
        paths.append(p)
    other_tree = tmp_path / "6.1.0-99-cloud-amd64-0123abcd-000000000000000000000000.sqlite"
    other_tree.write_bytes(b"x")
    os.utime(paths[1], (5000, 5000))            # the other checkout used its index last
    final = paths[0]                              # this one just built its own
    ix._drop_stale(final, label)
    left = sorted(p.name for p in tmp_path.glob(f"{label}-*.sqlite"))
    assert left == sorted([paths[0].name, paths[1].name, paths[4].name]), left
    assert not paths[2].with_suffix(".lock").exists() and paths[1].with_suffix(".lock").exists()
    assert other_tree.exists()                    # another tree's label is never touched
