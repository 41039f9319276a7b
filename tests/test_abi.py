"""ABI invariance (kbridge.actions.bridge.abi): a bridged module's kernel structs are the kernel's.

* the comparison itself on hand-made layouts (no build);
* a deliberately mis-laid module (tests/fixtures/abi/kbtest_mislaid renames the
  type <sound/soc.h> embeds by value) is caught on both kernels, and the same
  module without the rename passes;
* issue 13 finding 4: the snd_pcm_ops_copy_iov_iter shim's rename must not
  reach struct snd_soc_pcm_runtime (kbtest_soc_new on 6.1, kbtest_soc_old on 6.12);
* every corpus driver's layer OUT and every in-tree test driver's, on its own
  kernel (the cross cells are checked by test_layer's corpus matrix, whose
  builder runs the same check), and every one built inline on the other kernel:
  whole-corpus sweeps (the ``sweep`` mark, deselected by default: bench/bench_suite.py
  --mark sweep); the suite runs the cells of OWN_KERNEL_CELLS and INLINE_CROSS_CELLS.
"""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli
from kbridge.actions import matrix
from kbridge.actions.bridge import abi, bridge, build_layer
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import btf
from kbridge.facts import driver as drv_mod
from kbridge.facts import intree

ABI = FIXTURES / "abi"


def _shim_types() -> frozenset[str]:
    """The structs the shim library defines (types a kernel lacks: not in its BTF)."""
    from kbridge.knowledge.rules import SHIMS_DIR
    return abi.defined_types({str(p): p.read_bytes() for p in SHIMS_DIR.rglob("*.h")}, "shims")


def _all_compared(results) -> None:  # type: ignore[no-untyped-def]
    """Every kernel type a module uses is compared when the kernel ships that module too (its
    BTF describes the module's interface headers): what is left is a shim's own type. (Debian
    does not build pvcalls-front or xen-hcd; their ring structs are counted, not compared.)"""
    shipped = [r.abi for r in results if r.abi["shipped_by_kernel"]]
    assert len(shipped) >= len(results) // 2
    assert {t for a in shipped for t in a["not_in_kernel_btf"]} <= _shim_types()


def _m(name: str, off: int, size: int | None = 8, nested: btf.Layout | None = None,
       bits: int = 0) -> btf.Member:
    return btf.Member(name, off, bits, size, "t", nested)


def test_first_difference_names_the_member() -> None:
    ops = btf.Layout("struct", "ops", 16, (_m("open", 0), _m("copy", 64)))
    small = btf.Layout("struct", "kb_ops", 8, (_m("open", 0),))
    kernel = btf.Layout("struct", "rt", 32, (_m("dev", 0), _m("ops", 64, 16, ops), _m("pcm", 192)))
    assert abi.first_difference(kernel, kernel) is None
    mine = btf.Layout("struct", "rt", 24, (_m("dev", 0), _m("ops", 64, 8, small), _m("pcm", 128)))
    member, what = abi.first_difference(mine, kernel)
    assert member == "ops" and "8 bytes here" in what and "16 bytes in the kernel" in what
    # same size, members moved inside a renamed by-value member: named through the nesting
    swapped = btf.Layout("struct", "kb_ops", 16, (_m("copy", 0), _m("open", 64)))
    mine = btf.Layout("struct", "rt", 32, (_m("dev", 0), _m("ops", 64, 16, swapped), _m("pcm", 192)))
    assert abi.first_difference(mine, kernel)[0] == "ops.open"
    # a moved member, a bit-field of another width, a missing tail member
    assert abi.first_difference(btf.Layout("struct", "rt", 32, (_m("dev", 0), _m("ops", 64, 16, ops),
                                                               _m("pcm", 128))), kernel) == \
        ("pcm", "at offset 16 here, offset 24 in the kernel")
    bits = btf.Layout("struct", "b", 4, (_m("a", 0, 4, bits=3),))
    assert "bit field" in abi.first_difference(btf.Layout("struct", "b", 4, (_m("a", 0, 4, bits=2),)), bits)[1]
    assert abi.first_difference(btf.Layout("struct", "rt", 24, kernel.members[:2]), kernel)[0] == "pcm"


def test_members_only_the_module_has() -> None:
    """Members compared as C reaches them: a re-spelled slot (anonymous union of two types,
    zero-length pads) is the kernel's layout; a member in the kernel's padding or tail, or a
    larger struct, only where a shim declares it -- and kernel members are checked even then."""
    kernel = btf.Layout("struct", "ops", 32, (_m("a", 0), _m("b", 64), _m("c", 128)))
    alias = btf.Layout("union", "", 8, (_m("b", 0), _m("kb_b_old", 0)))
    respelled = btf.Layout("struct", "ops", 32, (_m("a", 0), _m("kb_pad", 64, 0), _m("", 64, 8, alias),
                                                 _m("c", 128)))
    assert abi.first_difference(respelled, kernel) is None
    in_padding = btf.Layout("struct", "ops", 32, (*kernel.members, _m("kb_new", 192)))
    assert abi.first_difference(in_padding, kernel)[0] == "kb_new"
    assert abi.first_difference(in_padding, kernel, allowed=abi.EXTENDS) is None
    grown = btf.Layout("struct", "ops", 40, (*kernel.members, _m("kb_new", 256)))
    assert "size 40 here, 32 in the kernel" in abi.first_difference(grown, kernel, allowed=abi.EXTENDS)[1]
    assert abi.first_difference(grown, kernel, allowed=abi.GROWS) is None
    moved = btf.Layout("struct", "ops", 40, (_m("a", 0), _m("kb_new", 64), _m("b", 128), _m("c", 192)))
    assert abi.first_difference(moved, kernel, allowed=abi.GROWS)[0] == "b"
    missing = btf.Layout("struct", "ops", 40, (_m("a", 0), _m("b", 64), _m("kb_c", 128)))
    assert "missing here" in abi.first_difference(missing, kernel, allowed=abi.GROWS)[1]


def test_appends_allows_members_only_past_the_kernels_size() -> None:
    """[abi] appends (scsi_cmnd_request_removed: request and SCp after the kernel's last
    member, in the private area the kernel allocates larger): a member at or past the
    kernel's sizeof and a larger size pass; a member in the kernel's tail padding, one
    moving a kernel member, or a missing kernel member do not. Failed before APPENDS existed
    (the appended members: 'no shim declares extending')."""
    kernel = btf.Layout("struct", "scsi_cmnd", 24, (_m("host_scribble", 0), _m("flags", 64, 4),
                                                    _m("result", 128, 4)))
    appended = btf.Layout("struct", "scsi_cmnd", 40, (*kernel.members, _m("request", 192),
                                                      _m("SCp", 256)))
    assert abi.first_difference(appended, kernel, allowed=abi.APPENDS) is None
    assert "no shim declares extending" in abi.first_difference(appended, kernel)[1]
    in_padding = btf.Layout("struct", "scsi_cmnd", 24, (*kernel.members, _m("kb_x", 160, 4)))
    assert abi.first_difference(in_padding, kernel, allowed=abi.APPENDS)[0] == "kb_x"
    assert abi.first_difference(in_padding, kernel, allowed=abi.EXTENDS) is None
    moved = btf.Layout("struct", "scsi_cmnd", 32, (_m("host_scribble", 0), _m("request", 64),
                                                   _m("flags", 128, 4), _m("result", 192, 4)))
    assert abi.first_difference(moved, kernel, allowed=abi.APPENDS)[0] == "flags"
    smaller = btf.Layout("struct", "scsi_cmnd", 16, kernel.members[:2])
    assert "missing here" in abi.first_difference(smaller, kernel, allowed=abi.APPENDS)[1]
    assert abi.extensions(["scsi_cmnd_request_removed"]) == {"struct scsi_cmnd": abi.APPENDS}


def test_shim_declarations_name_struct_titles() -> None:
    """[abi] extends/grows in shim.toml: read per rule; a typo'd kind would never match."""
    decl = abi.extensions(["netdev_hwtstamp_ndo", "netdev_xdp_features", "netdev_lltx"])
    assert decl == {"struct net_device_ops": abi.GROWS, "struct net_device": abi.EXTENDS}
    from kbridge.knowledge.rules import SHIMS_DIR
    for d in SHIMS_DIR.iterdir():
        for title in abi.extensions([d.name]):
            assert title.split(" ")[0] in ("struct", "union") and len(title.split(" ")) == 2, (d.name, title)


def test_btf_reader_reads_the_kernels_layouts(tree61) -> None:  # type: ignore[no-untyped-def]
    """vmlinux's BTF, and a module's split BTF on top of it (snd_soc types are in snd-soc-core)."""
    k = abi._kernel(tree61.release, None)
    rq = k.layouts["struct list_head"]
    assert [(m.name, m.bit_offset, m.type_size) for m in rq[0].members] == [("next", 0, 8), ("prev", 64, 8)]
    soc = k.module_layouts("snd_soc_core")["struct snd_soc_pcm_runtime"][0]
    names = [m.name for m in soc.members]
    assert names[:5] == ["dev", "card", "dai_link", "ops", "params_select"]
    ops = soc.members[3]
    assert ops.nested is not None and ops.nested.name == "snd_pcm_ops" and ops.type_size == ops.nested.size
    # bit-fields (kind_flag offsets), reached through sk_buff's anonymous struct_group members
    skb = abi._slots(k.layouts["struct sk_buff"][0])
    assert (skb["pkt_type"].bits, skb["pkt_type"].size) == (3, 1)


def _built(fixture: Path, tree, tmp_path: Path, *extra: str) -> Path:  # type: ignore[no-untyped-def]
    work = tmp_path / f"{fixture.name}-{tree.series}{'-'.join(('',) + extra)}"
    shutil.copytree(fixture, work)
    proc = run_kbuild(work, tree, extra=extra)
    diags, undefined = parse_log(proc.stdout, work)
    assert proc.returncode == 0 and not diags and not undefined, (diags, proc.stdout[-1500:])
    return work


@pytest.mark.slow
def test_a_mislaid_kernel_struct_is_caught(tree61, tree612, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fixture = ABI / "kbtest_mislaid"
    drv = drv_mod.load(fixture)
    for tree in (tree61, tree612):
        rep = abi.check_build(_built(fixture, tree, tmp_path), tree.release, drv)
        assert [(m.type, m.member) for m in rep.mismatches] == [("struct snd_soc_pcm_runtime", "ops")], \
            rep.mismatches
        assert "kb_mislaid_pcm_ops of 8 bytes here" in rep.mismatches[0].detail
        assert rep.checked > 300 and rep.own == 1
        # the same module without the rename keeps every layout
        good = abi.check_build(_built(fixture, tree, tmp_path, "KCFLAGS=-DKBTEST_WELL_LAID"),
                               tree.release, drv)
        assert good.ok and good.checked > 300 and good.own == 0, good.mismatches


@pytest.mark.slow
@pytest.mark.parametrize("fixture,home", [("kbtest_soc_new", "6.12"), ("kbtest_soc_old", "6.1")])
def test_snd_pcm_ops_shim_keeps_snd_soc_pcm_runtime(tree61, tree612, tmp_path, fixture: str,
                                                    home: str) -> None:  # type: ignore[no-untyped-def]
    """Issue 13 finding 4: `#define snd_pcm_ops kb_snd_pcm_ops` also renamed the by-value
    member of struct snd_soc_pcm_runtime (6.1: params_select 152 -> 144)."""
    own, other = (tree612, tree61) if home == "6.12" else (tree61, tree612)
    drv = drv_mod.load(ABI / fixture)
    out = tmp_path / "out"
    rep = bridge(drv, [other, own], "layer", out)
    assert [s["rule"] for s in rep.shims] == ["snd_pcm_ops_copy_iov_iter"]
    for res in abi.check_out(out, [other, own], drv):
        assert res.ok and res.abi["ok"], (res.target, [d.message for d in res.diagnostics])
        assert res.abi["checked"] > 300


def _own_kernel_cells(corpus, tree61, tree612, only: tuple[str, ...] | None = None):  # type: ignore[no-untyped-def]
    """Every corpus driver's layer OUT (bridged for both kernels) on its own kernel, and every
    in-tree test driver's (null_blk, macvlan, ifb of each series) on both kernels; *only*: the
    cells whose driver label (on its own kernel) or `label>series` (in-tree) it names."""
    trees = {"6.1": tree61, "6.12": tree612}
    cells = []
    for label, e in sorted(corpus.items()):
        # the cross cells are test_layer.test_corpus_cross_builds_clean's (same OUT, same check;
        # in the suite: test_guest_runtime.test_matrix_run_layer_load_column_one_driver_per_rule_family)
        cells.append(matrix.Cell(drv_mod.load(e.path, label=label, origin_version=e.version),
                                 trees[e.series]))
    for series in trees:
        for _, e in sorted(intree.extract(series).items()):
            d = drv_mod.load(e.path, label=e.label, origin_version=e.version)
            cells += [matrix.Cell(d, t) for t in trees.values()]
    if only is not None:
        cells = [c for c in cells if c.driver.label in only or f"{c.driver.label}>{c.tree.series}" in only]
        assert len(cells) == len(only), (only, [c.driver.label for c in cells])
    return cells


def _layer_both(cells, tree61, tree612):  # type: ignore[no-untyped-def]
    results = matrix.run(cells, jobs=2, builder=partial(build_layer, targets=[tree61, tree612]))
    bad = [(c.driver.label, r.target, [d.message for d in r.diagnostics if d.severity != "warning"][:3])
           for c, r in zip(cells, results) if not (r.ok and r.abi and r.abi["ok"])]
    assert bad == []
    assert all(r.abi["checked"] > 100 for r in results)
    return results


# The whole sweeps below carry the ``sweep`` mark (deselected by default; bench/bench_suite.py
# --mark sweep runs them); the suite runs these cells of them, chosen from the shims each
# cell's OUT carries (bridge() on every cell, bench/README.md "Suite budget"): where the
# shims apply (a cross cell) every rule the whole sweep applies is in a kept cell; on the
# driver's own kernel (shims guarded off) one cell per rule family (rules/<family>.toml).
OWN_KERNEL_CELLS = (
    # own kernel, one per rule family (the shims are guarded off there: the OUT must still be
    # the kernel's): block, net, drm + mm, fb + printk, sound, xen, scsi
    "null_blk@6.1>6.1", "macvlan@6.12>6.12", "drm_xen_front@6.1", "xen-fbfront@6.12",
    "snd_xen_front@6.12", "xen-pcifront@6.1", "xen-scsifront@6.12",
    # the in-tree drivers' cross cells (the corpus's are test_layer's): every rule they apply
    # but u64_stats_fetch_irq_removed (macvlan@6.1, ifb@6.1), which xen-netfront@6.1's cross
    # cell carries in test_guest_runtime's load column (same builder, same ABI check)
    "null_blk@6.1>6.12", "null_blk@6.12>6.1", "macvlan@6.12>6.1")
INLINE_CROSS_CELLS = (           # every rule the 30 cells apply (45 rules), 14 cells
    "null_blk@6.1", "null_blk@6.12", "macvlan@6.12", "xen-blkfront@6.1", "xen-blkfront@6.12",
    "xen-netfront@6.1", "xen-netfront@6.12", "drm_xen_front@6.1", "drm_xen_front@6.12",
    "xen-fbfront@6.1", "xen-fbfront@6.12", "snd_xen_front@6.12", "xen-pcifront@6.1",
    "xen-scsifront@6.12")


@pytest.mark.slow
@pytest.mark.sweep
def test_every_own_kernel_out_keeps_kernel_layouts(corpus, tree61, tree612) -> None:  # type: ignore[no-untyped-def]
    """Every corpus driver's layer OUT (bridged for both kernels) and every in-tree test driver's
    (null_blk, macvlan, ifb of each series), built on both kernels: the ABI check passes."""
    results = _layer_both(_own_kernel_cells(corpus, tree61, tree612), tree61, tree612)
    assert len(results) == 24 + 12
    _all_compared(results)


@pytest.mark.slow
def test_own_kernel_outs_keep_kernel_layouts_one_per_rule_family(corpus, tree61, tree612) -> None:  # type: ignore[no-untyped-def]
    """test_every_own_kernel_out_keeps_kernel_layouts on OWN_KERNEL_CELLS."""
    results = _layer_both(_own_kernel_cells(corpus, tree61, tree612, OWN_KERNEL_CELLS), tree61, tree612)
    _all_compared(results)


@pytest.mark.slow
def test_cli_bridge_reports_the_check(tmp_path) -> None:  # type: ignore[no-untyped-def]
    args = ("bridge", str(ABI / "kbtest_soc_new"), "--target", "6.1", "--target", "6.12",
            "-o", str(tmp_path / "o"))
    proc = run_cli(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] and [a["ok"] for a in data["abi"]] == [True, True]
    assert all(a["checked"] > 300 and not a["mismatches"] for a in data["abi"])
    proc = run_cli(*args)
    assert proc.returncode == 0 and proc.stdout.count("ABI on ") == 2 and " 0 differ" in proc.stdout
    proc = run_cli(*args, "--no-abi-check", "--json")
    assert proc.returncode == 0 and "abi" not in json.loads(proc.stdout)


def test_a_layout_compatible_renamed_member_type_passes() -> None:
    """Only layouts count: a kb_ type with the kernel's layout, embedded by value, is fine."""
    ops = btf.Layout("struct", "snd_pcm_ops", 16, (_m("open", 0), _m("copy", 64)))
    kb = btf.Layout("struct", "kb_snd_pcm_ops", 16, (_m("open", 0), _m("copy", 64)))
    kernel = btf.Layout("struct", "rt", 24, (_m("ops", 0, 16, ops), _m("pcm", 128)))
    assert abi.first_difference(btf.Layout("struct", "rt", 24, (_m("ops", 0, 16, kb), _m("pcm", 128))),
                                kernel) is None


@pytest.mark.slow
def test_cli_matrix_fails_the_cell_and_names_struct_and_member() -> None:
    proc = run_cli("matrix", str(ABI / "kbtest_mislaid"), "--strategy", "layer", "--target", "6.1")
    assert proc.returncode == 0, proc.stderr
    assert "0/1 builds succeeded" in proc.stdout
    assert "ABI: 0/1 built cells keep every kernel struct's layout" in proc.stdout
    assert "ABI: struct snd_soc_pcm_runtime.ops: struct kb_mislaid_pcm_ops of 8 bytes here" in proc.stdout


def _inline_cross_cells(corpus, tree61, tree612, only: tuple[str, ...] | None = None):  # type: ignore[no-untyped-def]
    """Every corpus driver and every in-tree test driver on the other kernel; *only*: those
    whose label it names."""
    trees = {"6.1": tree61, "6.12": tree612}
    entries = [(label, e.path, e.version, e.series) for label, e in sorted(corpus.items())]
    for series in trees:
        entries += [(e.label, e.path, e.version, series) for _, e in sorted(intree.extract(series).items())]
    cells = [matrix.Cell(drv_mod.load(path, label=label, origin_version=version),
                         trees["6.1" if series == "6.12" else "6.12"])
             for label, path, version, series in entries if only is None or label in only]
    assert only is None or len(cells) == len(only), (only, [c.driver.label for c in cells])
    return cells


def _inline_built(cells):  # type: ignore[no-untyped-def]
    from kbridge.actions.bridge.inline import build_inline
    results = matrix.run(cells, jobs=2, builder=build_inline)
    bad = [(c.driver.label, r.target, [d.message for d in r.diagnostics if d.severity != "warning"][:3])
           for c, r in zip(cells, results) if not (r.ok and r.abi and r.abi["ok"])]
    assert bad == []
    assert all(r.abi["checked"] > 100 for r in results)
    return results


@pytest.mark.slow
@pytest.mark.sweep
def test_inline_cross_cells_keep_kernel_layouts(corpus, tree61, tree612) -> None:  # type: ignore[no-untyped-def]
    """kbridge matrix --strategy inline's cells run the same check: every corpus driver and
    every in-tree test driver built inline (feature guards) on the other kernel."""
    results = _inline_built(_inline_cross_cells(corpus, tree61, tree612))
    assert len(results) == 24 + 6
    _all_compared(results)


@pytest.mark.slow
def test_inline_cross_cells_keep_kernel_layouts_one_per_rule_family(corpus, tree61, tree612) -> None:  # type: ignore[no-untyped-def]
    """test_inline_cross_cells_keep_kernel_layouts on INLINE_CROSS_CELLS."""
    results = _inline_built(_inline_cross_cells(corpus, tree61, tree612, INLINE_CROSS_CELLS))
    _all_compared(results)


def test_a_member_renamed_in_place_only_where_a_shim_declares_it() -> None:
    """ethtool_kernel_ts_info on the older kernel: the kernel's get_ts_info slot is filled
    under another name by a designator macro, at the kernel's offset and size; allowed only
    where the shim declares ``[abi] renames`` (and the appended member only with grows)."""
    kernel = btf.Layout("struct", "ethtool_ops", 24, (_m("a", 0), _m("get_ts_info", 64), _m("c", 128)))
    mine = btf.Layout("struct", "ethtool_ops", 32, (_m("a", 0), _m("kb_get_ts_info_old", 64),
                                                     _m("c", 128), _m("kb_drv_get_ts_info", 192)))
    assert abi.first_difference(mine, kernel, allowed=abi.GROWS)[0] == "get_ts_info"
    assert abi.first_difference(mine, kernel, allowed=abi.GROWS,
                                renamed=frozenset({"get_ts_info"})) is None
    # the renamed slot must still be where the kernel has it, with its size
    moved = btf.Layout("struct", "ethtool_ops", 32, (_m("a", 0), _m("c", 128),
                                                      _m("kb_get_ts_info_old", 192)))
    assert abi.first_difference(moved, kernel, allowed=abi.GROWS,
                                renamed=frozenset({"get_ts_info"}))[0] == "get_ts_info"
    assert abi.renamed_members(["ethtool_kernel_ts_info"]) == {
        "struct ethtool_ops": frozenset({"get_ts_info"})}


def test_a_member_renamed_in_place_is_allowed_where_its_struct_is_embedded() -> None:
    """page_index_removed spells struct page's __folio_index as index in place; struct folio
    embeds struct page by value (its union with the folio's own members), so the declaration
    must reach that nesting too -- before, xen-fbfront@5.10 on 7.2/7.3 failed the check with
    'struct folio.page.__folio_index: the kernel's member (at offset 32) is missing here'.
    Only the declared member of the declared type: a moved slot is still caught."""
    page = btf.Layout("struct", "page", 48, (_m("flags", 0), _m("mapping", 192), _m("__folio_index", 256)))
    mine_page = btf.Layout("struct", "page", 48, (_m("flags", 0), _m("mapping", 192), _m("index", 256)))
    folio = btf.Layout("struct", "folio", 64, (_m("page", 0, 48, page), _m("index", 256)))
    mine_folio = btf.Layout("struct", "folio", 64, (_m("page", 0, 48, mine_page), _m("index", 256)))
    renamed = abi.renamed_members(["page_index_removed"])
    assert renamed == {"struct page": frozenset({"__folio_index"})}
    assert abi.first_difference(mine_folio, folio)[0] == "page.__folio_index"
    assert abi.first_difference(mine_folio, folio, renamed_in=renamed) is None
    assert abi.first_difference(mine_page, page, renamed=renamed["struct page"], renamed_in=renamed) is None
    moved = btf.Layout("struct", "page", 48, (_m("flags", 0), _m("index", 192), _m("mapping", 256)))
    assert abi.first_difference(btf.Layout("struct", "folio", 64, (_m("page", 0, 48, moved), _m("index", 256))),
                                folio, renamed_in=renamed)[0] == "page.mapping"
    # another struct's member of that name is not renamed by it
    assert abi.first_difference(btf.Layout("struct", "folio", 64, (_m("page", 0, 48, page), _m("idx", 256))),
                                folio, renamed_in=renamed)[0] == "index"


@pytest.mark.slow
def test_a_callback_parameter_of_a_renamed_struct_is_caught(tree61, tree612, tmp_path,
                                                            monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A device-mapper target written for 6.12 (tests/fixtures/abi/kbtest_dm_hints: .io_hints
    sets limits->features) bridged to 6.1: the queue_limits_features shim's
    ``#define queue_limits kb_queue_limits`` also renames the pointee of struct
    target_type's io_hints callback, which 6.1's dm core calls with its own struct
    queue_limits. Every by-value layout agrees; the callback's pointee does not.

    The rule now refuses such a driver (not bridged, the reason named); with that refusal
    lifted, the OUT the shim would give is what the ABI check must catch."""
    from kbridge.actions.bridge import layer
    drv = drv_mod.load(ABI / "kbtest_dm_hints")
    refused = bridge(drv, [tree61, tree612], "layer", tmp_path / "refused")
    assert [(u.rule, u.direction) for u in refused.unbridged] == [("queue_limits_features", "new_on_old")]
    assert "io_hints" in refused.unbridged[0].why and \
        refused.unbridged[0].why.endswith("(the driver includes <linux/device-mapper.h>)")
    monkeypatch.setattr(layer, "_refused_uses", lambda *args, **kwargs: "")
    out = tmp_path / "out"
    rep = bridge(drv, [tree61, tree612], "layer", out)
    assert "queue_limits_features" in [s["rule"] for s in rep.shims]
    old, new = abi.check_out(out, [tree61, tree612], drv, rules=[s["rule"] for s in rep.shims])
    bad = [(m["type"], m["member"]) for m in old.abi["mismatches"]]
    assert bad == [("struct target_type", "io_hints")], old.abi["mismatches"]
    detail = old.abi["mismatches"][0]["detail"]
    assert detail.startswith("parameter 2 points to struct kb_queue_limits here, struct queue_limits "
                             "in the kernel"), detail
    assert not old.ok and old.abi["callbacks_compared"] == 1 and old.abi["checked"] > 200
    # on its own kernel there is no rename: nothing to compare, nothing differs
    assert new.ok and new.abi["ok"] and new.abi["callbacks_compared"] == 0
    msg = [d.message for d in old.diagnostics if d.severity == "error"]
    assert any(m.startswith("ABI: struct target_type.io_hints: parameter 2 ") for m in msg), msg


def _btf_blob(name: str, kernel_order: bool) -> btf.Btf:
    """A hand-encoded BTF: struct ops { void (*hints)(int, struct LIM *); }, struct holder
    { struct LIM *lim; }, LIM being
    struct kb_lim {int a; int b;} (the module's rename) or the kernel's struct lim, whose
    members are in another order when *kernel_order*."""
    import struct as st
    strings = bytearray(b"\0")

    def s(text: str) -> int:
        strings.extend(text.encode() + b"\0")
        return len(strings) - len(text) - 1
    types = bytearray()

    def rec(name: int, kind: int, vlen: int, size_or_type: int, extra: bytes = b"") -> None:
        types.extend(st.pack("<III", name, kind << 24 | vlen, size_or_type) + extra)
    rec(s("int"), btf.INT, 0, 4, st.pack("<I", 32))                                    # 1
    a, b = s("a"), s("b")
    members = [(b, 1, 0), (a, 1, 32)] if kernel_order else [(a, 1, 0), (b, 1, 32)]
    rec(s(name), btf.STRUCT, 2, 8,
        b"".join(st.pack("<III", *m) for m in members))                               # 2
    rec(0, btf.PTR, 0, 2)                                                               # 3
    rec(0, btf.FUNC_PROTO, 2, 0, st.pack("<II", 0, 1) + st.pack("<II", 0, 3))        # 4
    rec(0, btf.PTR, 0, 4)                                                               # 5
    rec(s("ops"), btf.STRUCT, 1, 8, st.pack("<III", s("hints"), 5, 0))                 # 6
    rec(s("holder"), btf.STRUCT, 1, 8, st.pack("<III", s("lim"), 3, 0))                # 7
    hdr = st.pack("<HBBIIIII", btf.MAGIC, 1, 0, 24, 0, len(types), len(types), len(strings))
    return btf.Btf(hdr + bytes(types) + bytes(strings), label="test")


def test_callback_pointee_of_a_renamed_struct_is_compared() -> None:
    """The callback comparison on hand-encoded BTF (no build): struct ops' hints takes a
    struct kb_lim * in the module, a struct lim * in the kernel; layouts differ -> named."""
    mine, kernel = _btf_blob("kb_lim", False), _btf_blob("lim", True)
    assert mine.callbacks(6) == {"hints": (None, None, ("struct kb_lim", 2))}
    found, compared = abi.callback_differences(mine, 6, [(kernel, 6)], [kernel])
    assert compared == 1 and len(found) == 1
    member, detail = found[0]
    assert member == "hints" and detail.startswith(
        "parameter 2 points to struct kb_lim here, struct lim in the kernel, laid out differently: b: at offset 4 here, offset 0 in the kernel"), detail
    # a renamed pointee with the kernel's layout (a layout-compatible kb_ type) is fine
    compatible = _btf_blob("lim", False)
    assert abi.callback_differences(mine, 6, [(compatible, 6)], [compatible]) == ([], 1)
    # a data pointer to the renamed struct: kernel and module read one object as two types
    found, compared = abi.callback_differences(mine, 7, [(kernel, 7)], [kernel])
    assert compared == 1 and found == [("lim", "the pointer points to struct kb_lim here, struct lim in the "
                                               "kernel, laid out differently: b: at offset 4 here, offset 0 "
                                               "in the kernel")]
    same = abi.callback_differences(mine, 6, [(mine, 6)], [mine])
    assert same == ([], 0)      # same name on both sides: the by-value check's, not compared here


def test_a_respelled_member_is_not_compared_as_a_callback() -> None:
    """A member a shim declared ``renames`` (the kernel's slot stands in the module under
    another name; the member of the kernel's name is the driver's view, which the kernel
    never calls) is left out of the callback comparison; every other member still counts."""
    mine, kernel = _btf_blob("kb_lim", False), _btf_blob("lim", True)
    assert abi.callback_differences(mine, 6, [(kernel, 6)], [kernel],
                                    respelled=frozenset({"hints"})) == ([], 0)
    found, _ = abi.callback_differences(mine, 6, [(kernel, 6)], [kernel],
                                        respelled=frozenset({"other"}))
    assert [m for m, _ in found] == ["hints"]
