"""Drafted bridges (issue 17 item 1, classes a and b; kbridge.actions.bridge.draft).

Two hand-written modules for the Linux 6.12 API (tests/fixtures/draft):

* kbtest_draft_new uses what 6.1 lacks and 6.12's own headers can supply:
  macros (DIV_ROUND_UP_POW2, abs_diff, list_for_each_reverse), a macro whose
  dependency 6.1 lacks too (GENMASK_U32 -> GENMASK_TYPE: the closure) and a
  static inline function (skb_pointer_if_linear: a build-time probe guards it);
* kbtest_draft_semantic uses what must NOT be drafted: skb_append_pagefrags()
  took a fifth argument in 6.12 (a signature change) and
  skb_frag_fill_page_desc() is built on netmem_ref, a type 6.1 lacks.

Then a corpus case (xen-blkfront of 7.3 on 6.1 and 5.10: INVALID_GRANT_REF,
XEN_FRONT_RING_INIT, kzalloc_obj ...), determinism, the user's trees left
untouched, and the drafted definitions run in a 6.1 guest against 6.12's own.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge, draft, home_tree
from kbridge.actions.bridge.predict import predict
from kbridge.facts import driver as drv_mod
from kbridge.knowledge import rules as rules_mod
from sharedboot import Entry

NEW = FIXTURES / "draft" / "kbtest_draft_new"
SEMANTIC = FIXTURES / "draft" / "kbtest_draft_semantic"
DRAFTED = {"DIV_ROUND_UP_POW2", "GENMASK_TYPE", "GENMASK_U32", "abs_diff", "list_for_each_reverse",
           "skb_pointer_if_linear"}


def _bridge(path: Path, trees, out: Path, **kw):  # type: ignore[no-untyped-def]
    rules = rules_mod.load()
    drv = drv_mod.load(path)
    rep = bridge(drv, trees, kw.pop("strategy", "layer"), out, rules=rules, **kw)
    pred = predict(drv, trees, rep, rules, home=home_tree(rep.home, trees))
    return rep, pred


def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_drafts_of_a_6_12_driver_for_6_1(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    rep, pred = _bridge(NEW, [tree61, tree612], tmp_path / "out")
    drafts = {d.api: d for d in rep.drafts.drafts}
    assert set(drafts) == DRAFTED
    common = str(tree612.path).replace("-amd64", "-common")
    for d in drafts.values():
        # only where it is missing; provenance: the installed 6.12 header, file:line
        assert d.targets == (tree61.name,), d
        path, line = d.source.rsplit(":", 1)
        assert path.startswith(common), d.source
        head = "\n".join(Path(path).read_text().splitlines()[int(line) - 1:int(line) + 2])
        assert d.api in head, (d.api, head)
        assert d.text.startswith(f"/* drafted by kbridge from {d.source} ")
    assert drafts["skb_pointer_if_linear"].kind == "function"
    assert drafts["skb_pointer_if_linear"].guard == "KB_HAVE_DRAFT_SKB_POINTER_IF_LINEAR"
    assert drafts["abs_diff"].kind == "macro" and drafts["abs_diff"].guard == "#ifndef abs_diff"
    assert drafts["GENMASK_U32"].needs == ("GENMASK_TYPE",)
    assert drafts["abs_diff"].after == ("linux/math.h",)
    # everything check predicts on 6.1 is bridged by the drafts; nothing on 6.12
    assert pred.predicted[tree61.name] == 5 and pred.bridged[tree61.name] == 5
    assert pred.remaining == [] and pred.ok
    # delivered through the layer: after the kernel's header, the function under its probe
    out = tmp_path / "out"
    skbuff = (out / "compat/include/linux/skbuff.h").read_text()
    assert "#ifndef KB_HAVE_DRAFT_SKB_POINTER_IF_LINEAR" in skbuff
    assert "KB_HAVE_DRAFT_SKB_POINTER_IF_LINEAR" in (out / "compat/kb_probes.map").read_text()
    assert (out / "kbtest_draft_new.c").read_bytes() == (NEW / "kbtest_draft_new.c").read_bytes()
    # and never reported as a rule's shim
    assert not [s for s in rep.shims if str(s["rule"]).startswith("draft_")]
    # without drafts the same errors remain
    rep0, pred0 = _bridge(NEW, [tree61, tree612], tmp_path / "out0", drafts=False)
    assert rep0.drafts.drafts == [] and len(pred0.remaining) == 5


def test_a_signature_change_is_not_drafted(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    rep, pred = _bridge(SEMANTIC, [tree61, tree612], tmp_path / "out")
    assert rep.drafts.drafts == []
    left = {r.api: r for r in pred.remaining}
    assert set(left) == {"skb_append_pagefrags", "skb_frag_fill_page_desc"}
    assert left["skb_append_pagefrags"].kind == "changed-prototype"
    assert left["skb_append_pagefrags"].covered_by == "nothing"
    assert left["skb_frag_fill_page_desc"].covered_by == "draft"
    assert "netmem_ref" in left["skb_frag_fill_page_desc"].why
    assert not (tmp_path / "out/compat/rules").exists()


def test_a_dependency_declared_differently_is_refused(tree61, tree612):  # type: ignore[no-untyped-def]
    from kbridge.actions.check import open_api
    a, t = open_api(tree612), open_api(tree61)
    assert "another prototype" in (draft._same(a, t, "skb_append_pagefrags") or "")
    assert draft._same(a, t, "skb_headlen") is None
    assert draft._same(a, t, "u32") is None      # 6.1's asm/apicdef.h '#define u32' aside
    # a name the target lacks: the closure drafts it or says why not
    d = draft.Drafter(tree612)
    assert d.name("GENMASK_U32", t) is None and d.cands["GENMASK_U32"].needs == ["GENMASK_TYPE"]
    why = d.name("skb_frag_fill_page_desc", t)
    assert why is not None and "netmem_ref" in why
    # a constant the newer kernel removed is never drafted onto it (a flag bit may be reused)
    old = draft.Drafter(tree61)
    why = old.name("KLP_UNDEFINED", a)
    assert why is not None and "removed" in why and not isinstance(why, draft.NotDraftable)
    # a macro body the scanner reads partly: every token is a dependency (5.10's alloc_disk_node)
    assert "__alloc_disk_node" in draft.macro_deps(
        "({ static struct lock_class_key __key; struct gendisk *__disk; "
        "__disk = __alloc_disk_node(minors, node_id); __disk; })", ("minors", "node_id")).names
    why = d.name("skb_copy_seq_read", t)
    assert isinstance(why, draft.NotDraftable) and "exported function" in why


def test_same_output_twice_and_the_users_trees_untouched(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    common = Path(str(tree612.path).replace("-amd64", "-common"))
    sources = sorted({common / "include/linux/math.h", common / "include/linux/bits.h",
                      common / "include/linux/list.h", common / "include/linux/skbuff.h"})
    before = {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in sources}
    driver_before = _tree_bytes(NEW)
    _bridge(NEW, [tree61, tree612], tmp_path / "a")
    _bridge(NEW, [tree61, tree612], tmp_path / "b")
    assert _tree_bytes(tmp_path / "a") == _tree_bytes(tmp_path / "b")
    assert {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in sources} == before
    assert _tree_bytes(NEW) == driver_before


def test_inline_takes_the_drafts(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    """Inline OUT: each spot using a drafted name under KB_HAVE_DRAFT_X (probed, macros too);
    pruned for 6.12 with those guards defined it is the driver byte for byte."""
    from kbridge.actions import prune as prune_mod
    rep, pred = _bridge(NEW, [tree61, tree612], tmp_path / "out", strategy="inline")
    assert {d.api for d in rep.drafts.drafts} == DRAFTED and pred.ok
    text = (tmp_path / "out/kbtest_draft_new.c").read_text()
    assert "#ifdef KB_HAVE_DRAFT_ABS_DIFF" in text and '#include "kb_inline.h"' in text
    defs = {draft._guard_macro(a): 1 for a in DRAFTED}
    pruned = prune_mod.prune_text((tmp_path / "out/kbtest_draft_new.c").read_text(),
                                  min_kernel="6.12", defines=defs)
    assert pruned == (NEW / "kbtest_draft_new.c").read_text()


_BUILT: dict[str, dict[str, Path]] = {}     # fixture -> {series: built .ko}, once per run


def _built_new(dest: Path) -> dict[str, Path]:
    """NEW bridged once for 6.1 and 6.12 and built clean on both: on 6.1 the drafts (6.12's
    text) are on, on 6.12 the probes turn them off (the kernel's own definitions)."""
    from kbridge.actions.kbuild import build

    if "new" not in _BUILT:
        tree61, tree612 = _resolve("6.1"), _resolve("6.12")
        out = dest / "out"
        _bridge(NEW, [tree61, tree612], out)
        kos = {}
        for tree in (tree61, tree612):
            keep = dest / f"built-{tree.version}"
            res = build(drv_mod.load(out), tree, keep=keep)
            assert res.ok and res.errors == 0 and res.warnings == 0, res.diagnostics
            kos[tree.series] = keep / "kbtest_draft_new.ko"
            config = (keep / "compat/kb_config.h").read_text()
            on = "#define KB_HAVE_DRAFT_SKB_POINTER_IF_LINEAR 1" in config
            assert on == (tree is tree612), config
        _BUILT["new"] = kos
    return _BUILT["new"]


def _entry(fixture: str, series: str) -> Entry:
    """The fixture's module built for *series* (one bridge, built on both kernels), for the
    kernel's shared boot (tests/sharedboot.py)."""
    builder = {"new": _built_new, "xen": _built_xen, "pcires": _built_pcires}[fixture]
    return Entry(f"draft:{fixture}:{series}", series, lambda dest: [builder(dest)[series]])


GUEST_TESTS = {"test_drafted_definitions_build_and_match_the_newer_kernel_in_guests": ("new", ("6.1", "6.12")),
               "test_drafted_ring_macros_and_inlines_on_5_10_match_7_3_in_guests": ("xen", ("5.10", "7.3")),
               "test_a_macro_dispatching_by_pasted_names_is_drafted_whole": ("pcires", ("5.10", "6.1"))}


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    if name not in GUEST_TESTS:
        return []
    fixture, kernels = GUEST_TESTS[name]
    return [_entry(fixture, s) for s in kernels]


@pytest.mark.slow
def test_drafted_definitions_build_and_match_the_newer_kernel_in_guests(tree61, tree612, tmp_path, shared_boot):  # type: ignore[no-untyped-def]
    """One OUT built on both kernels: on 6.1 the drafts (6.12's text) run, on 6.12 the
    kernel's own definitions (the probes turn the drafts off); the module's printed
    values must be the same on both guests. Without drafts OUT does not build on 6.1."""
    from kbridge.actions.kbuild import build

    lines = {}
    for tree in (tree61, tree612):
        g = shared_boot(_entry("new", tree.series))
        assert g.ok, (tree.release, g.reasons, g.problems)
        lines[tree.name] = [x[x.index("kbd "):] for x in g.modules[0].dmesg if "kbd " in x]
    assert len(lines[tree612.name]) == 5, lines
    assert lines[tree61.name] == lines[tree612.name]
    assert "kbd skb_pointer_if_linear=8,0,1,1" in lines[tree612.name]
    # before drafting existed: the same OUT without drafts fails on 6.1
    _bridge(NEW, [tree61, tree612], tmp_path / "nodraft", drafts=False)
    assert not build(drv_mod.load(tmp_path / "nodraft"), tree61).ok


def _resolve(series: str):  # type: ignore[no-untyped-def]
    from kbridge.facts import targets
    return targets.resolve(series)


@pytest.mark.slow
def test_corpus_xen_blkfront_7_3_on_6_1_and_5_10(roots_ready, tree61, tmp_path):  # type: ignore[no-untyped-def]
    """The 7.3 front-end on 6.1 and 5.10: 7.3's INVALID_GRANT_REF, XEN_FRONT_RING_INIT and
    kzalloc_obj/kvzalloc_objs (with their closure: __alloc_objs, default_gfp) drafted;
    fewer predicted errors remain, and the real build on 6.1 has fewer errors; OUT still
    builds clean on 7.3. The exported functions (xenbus_setup_ring ...) are not drafted."""
    from kbridge.actions.kbuild import build
    from kbridge.facts.driver import resolve

    t510, t73 = _resolve("5.10"), _resolve("7.3")
    rules = rules_mod.load()
    drv = resolve("xen-blkfront@7.3")
    trees = [t510, tree61]
    res = {}
    for drafts in (False, True):
        out = tmp_path / f"out-{drafts}"
        rep = bridge(drv, trees, "layer", out, rules=rules, drafts=drafts)
        res[drafts] = (rep, predict(drv, trees, rep, rules, home=home_tree(rep.home, trees)), out)
    rep, pred, out = res[True]
    _, pred0, out0 = res[False]
    by = {d.api: d for d in rep.drafts.drafts}
    assert {"INVALID_GRANT_REF", "XEN_FRONT_RING_INIT", "kzalloc_obj", "kvzalloc_objs",
            "__alloc_objs", "default_gfp"} <= set(by)
    assert t510.name in by["INVALID_GRANT_REF"].targets and tree61.name not in by["INVALID_GRANT_REF"].targets
    assert by["INVALID_GRANT_REF"].source.endswith("include/xen/grant_table.h:57") or \
        "include/xen/grant_table.h:" in by["INVALID_GRANT_REF"].source
    for t in trees:
        n0 = sum(1 for r in pred0.remaining if r.target == t.name)
        n1 = sum(1 for r in pred.remaining if r.target == t.name)
        assert n1 < n0, (t.name, n0, n1)
    assert {"INVALID_GRANT_REF", "kzalloc_obj"} & {r.api for r in pred.remaining} == set()
    left = {r.api: r for r in pred.remaining if r.target == t510.name}
    # the exported ring functions are no header draft: the compat object copies them
    # (tests/test_compatobj.py), so they are not left either
    assert "xenbus_setup_ring" not in by and "xenbus_setup_ring" not in left
    assert "xenbus_setup_ring" in {d.name for d in rep.compat.drafts}
    b0, b1 = build(drv_mod.load(out0), tree61), build(drv_mod.load(out), tree61)
    assert b1.errors < b0.errors, (b0.errors, b1.errors)
    assert build(drv_mod.load(out), t73).ok


def test_kbridge_draft_writes_drafts_and_skeleton_rules(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    """`kbridge draft`: the drafts with their provenance, and a skeleton rule per API that
    remains, with both declarations, for review."""
    import json
    import tomllib

    from conftest import run_cli
    out = tmp_path / "review"
    proc = run_cli("draft", str(SEMANTIC), "-t", "6.1", "-t", "6.12", "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert res["drafts"] == [] and sorted(res["files"]) == ["drafts.json", "rules/skeleton.toml"]
    text = (out / "rules/skeleton.toml").read_text()
    rules = tomllib.loads(text)["rule"]
    assert [r["api"] for r in rules] == [["skb_append_pagefrags"], ["skb_frag_fill_page_desc"]]
    assert rules[0]["kind"] == "changed" and rules[0]["commit"] == "unknown"
    # both declarations of the signature change, as comments
    assert "size_t size) (include/linux/skbuff.h" in text and "size_t max_frags) (include/linux/skbuff.h" in text
    proc = run_cli("draft", str(NEW), "-t", "6.1", "-t", "6.12", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    head = (out / "drafts/skb_pointer_if_linear.h").read_text()
    assert "guard: KB_HAVE_DRAFT_SKB_POINTER_IF_LINEAR" in head and "include/linux/skbuff.h:" in head
    assert "rules/skeleton.toml" in proc.stdout


XEN = FIXTURES / "draft" / "kbtest_draft_xen"


def _built_xen(dest: Path) -> dict[str, Path]:
    """XEN bridged once for 5.10 from 7.3 (the drafts and the rule named) and built clean on
    both."""
    from kbridge.actions.kbuild import build

    if "xen" not in _BUILT:
        t510, t73 = _resolve("5.10"), _resolve("7.3")
        out = dest / "out"
        rep, pred = _bridge(XEN, [t510, t73], out)
        assert {"XEN_FRONT_RING_INIT", "INVALID_GRANT_REF",
                "xdp_prepare_buff", "set_status_byte", "kzalloc_obj"} <= {d.api for d in rep.drafts.drafts}
        # XEN_RING_NR_UNCONSUMED_RESPONSES comes with a hand rule now (ring_has_unconsumed_is_bool:
        # RING_HAS_UNCONSUMED_* changed meaning, a count became 0/1), and a rule goes first
        assert "XEN_RING_NR_UNCONSUMED_RESPONSES" not in {d.api for d in rep.drafts.drafts}
        assert "ring_has_unconsumed_is_bool" in {s["rule"] for s in rep.shims}
        assert pred.ok, pred.remaining
        kos = {}
        for tree in (t510, t73):
            keep = dest / f"built-{tree.version}"
            res = build(drv_mod.load(out), tree, keep=keep)
            assert res.ok and res.errors == 0 and res.warnings == 0, res.diagnostics
            kos[tree.series] = keep / "kbtest_draft_xen.ko"
        _BUILT["xen"] = kos
    return _BUILT["xen"]


@pytest.mark.slow
def test_drafted_ring_macros_and_inlines_on_5_10_match_7_3_in_guests(roots_ready, shared_boot):  # type: ignore[no-untyped-def]
    """A 7.3 module using what the corpus' front-ends use and 5.10 lacks (XEN_FRONT_RING_INIT,
    XEN_RING_NR_UNCONSUMED_RESPONSES, INVALID_GRANT_REF, xdp_prepare_buff, set_status_byte,
    kzalloc_obj with its closure), bridged once: on 5.10 the drafts run, on 7.3 the kernel's
    own definitions; every printed value must be the same in both guests."""
    t510, t73 = _resolve("5.10"), _resolve("7.3")
    lines = {}
    for tree in (t510, t73):
        g = shared_boot(_entry("xen", tree.series))
        assert g.ok, (tree.release, g.reasons, g.problems)
        lines[tree.name] = [x[x.index("kbd "):] for x in g.modules[0].dmesg if "kbd " in x]
    assert len(lines[t73.name]) == 7, lines
    assert lines[t510.name] == lines[t73.name]
    assert "kbd ring_unconsumed=3" in lines[t73.name]


def test_a_macro_reading_a_member_the_target_lacks_is_refused(roots_ready, tree61):  # type: ignore[no-untyped-def]
    """5.10's for_each_pci_msi_entry -> for_each_msi_entry -> dev_to_msi_list reads
    struct device.msi_list, which 6.1 does not have: the closure is refused (it was
    drafted, and counted as bridged, before the macro's members were checked)."""
    from kbridge.actions.check import open_api
    d = draft.Drafter(_resolve("5.10"))
    why = d.name("for_each_pci_msi_entry", open_api(tree61))
    assert why is not None and "struct device has no member 'msi_list'" in why


def test_a_removed_alias_macro_is_drafted_a_removed_value_is_not(roots_ready):  # type: ignore[no-untyped-def]
    """5.10's PCI_DMA_TODEVICE (<linux/pci-dma-compat.h>, removed with it in 5.18 by
    7968778914e5) is `#define PCI_DMA_TODEVICE DMA_TO_DEVICE`, and 7.3 declares
    DMA_TO_DEVICE as 5.10 does (enum dma_data_direction, 1): a pure alias, drafted on 7.3
    (it was refused as a removed constant whose meaning the headers cannot tell). A removed
    constant whose body is a number (GENHD_FL_CD, a flag bit) stays refused."""
    from kbridge.actions.check import open_api
    t73 = open_api(_resolve("7.3"))
    d = draft.Drafter(_resolve("5.10"))
    for name, alias in (("PCI_DMA_TODEVICE", "DMA_TO_DEVICE"), ("PCI_DMA_FROMDEVICE", "DMA_FROM_DEVICE"),
                        ("PCI_DMA_BIDIRECTIONAL", "DMA_BIDIRECTIONAL"), ("PCI_DMA_NONE", "DMA_NONE")):
        assert d.name(name, t73) is None, name
        c = d.cands[name]
        assert c.kind == "macro" and c.source.endswith("include/linux/pci-dma-compat.h:" + c.source.split(":")[-1])
        assert alias in c.text
    why = d.name("GENHD_FL_CD", t73)
    assert why is not None and "cannot be told from the headers" in why


PCIRES = FIXTURES / "draft" / "kbtest_draft_pcires"


def _built_pcires(dest: Path) -> dict[str, Path]:
    """PCIRES bridged once for 5.10 from 6.1 (the whole closure drafted) and built clean on
    both."""
    from kbridge.actions.kbuild import build

    if "pcires" not in _BUILT:
        t510, tree61 = _resolve("5.10"), _resolve("6.1")
        out = dest / "out"
        rep, pred = _bridge(PCIRES, [t510, tree61], out, home=tree61.version)
        assert {"pci_dev_for_each_resource", "__pci_dev_for_each_res0", "__pci_dev_for_each_res1",
                "pci_resource_n"} <= {d.api for d in rep.drafts.drafts}, rep.drafts.refused
        assert pred.ok, pred.remaining
        kos = {}
        for tree in (t510, tree61):
            keep = dest / f"built-{tree.version}"
            res = build(drv_mod.load(out), tree, keep=keep)
            assert res.ok and res.errors == 0 and res.warnings == 0, res.diagnostics
            kos[tree.series] = keep / "kbtest_draft_pcires.ko"
        _BUILT["pcires"] = kos
    return _BUILT["pcires"]


@pytest.mark.slow
def test_a_macro_dispatching_by_pasted_names_is_drafted_whole(roots_ready, tree61, shared_boot):  # type: ignore[no-untyped-def]
    """6.1's pci_dev_for_each_resource() picks __pci_dev_for_each_res0 or ...res1 by
    CONCATENATE(__pci_dev_for_each_res, COUNT_ARGS(__VA_ARGS__)): names no token of the body
    spells, which the closure missed (the macro was drafted alone and xen-pcifront@6.1..7.2
    failed on 5.10 with "implicit declaration of function '__pci_dev_for_each_res1'"). Now
    both helpers come with it, and pci_resource_n(), whose (dev)->resource is struct
    pci_dev's (the macro's own header's struct), not ttm_buffer_object's, which 5.10 lacks.
    Bridged for 5.10 the module walks every PCI device's resources as natively on 6.1."""
    t510 = _resolve("5.10")
    lines = {}
    for tree in (t510, tree61):
        g = shared_boot(_entry("pcires", tree.series))
        assert g.ok, (tree.release, g.reasons, g.problems)
        lines[tree.name] = [x[x.index("kbd "):] for x in g.modules[0].dmesg if "kbd pcires" in x]
    assert "kbd pcires bad=0" in lines[tree61.name], lines
    assert len(lines[tree61.name]) > 2 and any(" used=0 " not in x for x in lines[tree61.name][:-1])
    assert lines[t510.name] == lines[tree61.name]


SECTORS = FIXTURES / "draft" / "kbtest_draft_sectors"


def test_a_dependency_only_an_unincluded_header_declares_is_drafted(roots_ready, tmp_path):  # type: ignore[no-untyped-def]
    """7.3's SECTOR_MASK is (PAGE_SECTORS - 1), PAGE_SECTORS being 7.3's <linux/blk_types.h>
    (1 << PAGE_SECTORS_SHIFT). 5.10 declares a PAGE_SECTORS of its own only in
    <linux/device-mapper.h>: a driver that does not include it has no PAGE_SECTORS there, so
    the dependency is drafted like any missing one (SECTOR_MASK was refused as "depends on
    'PAGE_SECTORS', declared differently"); a driver that includes device-mapper.h keeps
    the refusal. And kunmap_local() -> __kunmap_local(), whose x86 body names PAGE_SIZE:
    PAGE_SIZE's headers are not included where the draft's place already reaches one of
    them (asm-generic/page.h was included and #errors on x86, which refused the draft).
    The bridged module builds clean on 5.10 (static_asserts on the values) and on 7.3."""
    from kbridge.actions.check import open_api
    from kbridge.actions.kbuild import build

    t510, t73 = _resolve("5.10"), _resolve("7.3")
    d = draft.Drafter(t73)
    d.context = ["linux/module.h", "linux/blkdev.h"]
    assert d.name("SECTOR_MASK", open_api(t510)) is None
    assert d.cands["SECTOR_MASK"].needs == ["PAGE_SECTORS"]
    dm = draft.Drafter(t73)
    dm.context = ["linux/module.h", "linux/blkdev.h", "linux/device-mapper.h"]
    why = dm.name("SECTOR_MASK", open_api(t510))
    assert why is not None and "PAGE_SECTORS', declared differently" in why
    out = tmp_path / "out"
    rep, pred = _bridge(SECTORS, [t510, t73], out, home=t73.version)
    assert {"SECTOR_MASK", "PAGE_SECTORS", "PAGE_SECTORS_SHIFT", "kmap_local_page", "kunmap_local",
            "__kunmap_local"} <= {x.api for x in rep.drafts.drafts}, rep.drafts.refused
    assert pred.ok, pred.remaining
    for tree in (t510, t73):
        res = build(drv_mod.load(out), tree)
        assert res.ok and res.errors == 0 and res.warnings == 0, (tree.name, res.diagnostics)


# ------------------------------------------------------------------ other kernels: donors, aliases

DONOR = FIXTURES / "draft" / "donor"


def _donor_trees():  # type: ignore[no-untyped-def]
    """Three hand-written header trees (tests/fixtures/draft/donor): "old" (5.10) declares
    kbt_del, kbt_stop and kbt_drop as exported functions; "mid" (6.1) has the new names
    kbt_delete, kbt_halt, kbt_free, and the old ones as static inlines calling them;
    "new" (6.12) has only the new names, kbt_halt with another prototype."""
    from kbridge.actions.check import open_api
    from kbridge.facts.targets import inspect
    old, mid, new = (inspect(DONOR / n) for n in ("old", "mid", "new"))
    return old, mid, new, open_api(old), open_api(new)


def test_a_definition_home_lacks_is_drafted_from_a_donor_kernel():  # type: ignore[no-untyped-def]
    """Home ("old") has kbt_del only as an exported function; "mid" defines it as a static
    inline calling kbt_delete(), which the target ("new") declares as mid does, and mid
    declares kbt_del as home does: mid's definition is drafted, with mid's file:line."""
    old, mid, new, _a, t = _donor_trees()
    d = draft.Drafter(old)
    d.donors = [mid]
    assert d.name("kbt_del", t) is None
    c = d.cands["kbt_del"]
    assert c.kind == "function" and c.kernel == mid.name
    assert c.source == f"{DONOR / 'mid/include/linux/kbt_tm.h'}:11"
    assert "return kbt_delete(timer);" in c.text
    assert draft.draft_text(c, old.name).startswith(
        f"/* drafted by kbridge from {c.source} (Linux {mid.name}) */")
    # without a donor: home's answer (an exported function: the compat object's job)
    d0 = draft.Drafter(old)
    d0.donors = []
    d0.aliasing = False
    assert isinstance(d0.name("kbt_del", t), draft.NotDraftable)


def test_a_donor_whose_dependency_the_target_declares_otherwise_is_refused():  # type: ignore[no-untyped-def]
    """mid's kbt_stop() calls kbt_halt(timer, 0); "new" declares kbt_halt with another
    prototype: not drafted, and the reason names it (home's own answer stays the kind)."""
    old, mid, new, _a, t = _donor_trees()
    d = draft.Drafter(old)
    d.donors = [mid]
    why = d.name("kbt_stop", t)
    assert why is not None and isinstance(why, draft.NotDraftable)
    assert f"from {mid.name}: depends on 'kbt_halt', declared differently" in why
    assert "kbt_stop" not in d.cands


def test_a_compat_alias_is_inverted_on_the_kernel_with_the_old_name():  # type: ignore[no-untyped-def]
    """A driver of "new" calls kbt_delete(), which "old" lacks; old has kbt_del(), and mid
    defines kbt_del() as only `return kbt_delete(timer);` of the same signature: on old,
    kbt_delete is drafted as forwarding to kbt_del, its provenance saying so."""
    old, mid, new, _a, _t = _donor_trees()
    from kbridge.actions.check import open_api
    d = draft.Drafter(new)
    d.donors = [mid]
    assert d.name("kbt_delete", open_api(old)) is None
    c = d.cands["kbt_delete"]
    assert c.kind == "function" and c.kernel == mid.name
    assert " ".join(c.text.split()) == \
        "static inline int kbt_delete(struct kbt_timer *timer) { return kbt_del(timer); }"
    text = draft.draft_text(c, new.name)
    assert text.startswith(f"/* drafted by kbridge from {c.source} (Linux {mid.name}), inverted: there "
                           "kbt_del is a pure forwarding alias of kbt_delete of the same signature")
    assert c.inc_t[old.name] == [frozenset({"linux/kbt_tm.h"})]


def test_an_alias_of_another_signature_is_not_inverted():  # type: ignore[no-untyped-def]
    """mid's kbt_drop() returns kbt_free(timer) but as a long, kbt_free an int: no pure
    alias, so kbt_free is not drafted on old as forwarding to kbt_drop."""
    old, mid, new, _a, _t = _donor_trees()
    from kbridge.actions.check import open_api
    d = draft.Drafter(new)
    d.donors = [mid]
    why = d.name("kbt_free", open_api(old))
    assert why is not None and "kbt_free" not in d.cands
    assert "kbt_drop forwards to kbt_free, but not as a pure alias: the signatures differ" in why


def test_del_timer_and_timer_delete_across_the_installed_kernels(roots_ready):  # type: ignore[no-untyped-def]
    """The real case: 5.10's del_timer() is an exported function and 7.3 has none; 6.1's and
    6.12's <linux/timer.h> define it as `return timer_delete(timer);`, which 7.3 declares the
    same: drafted from 6.12 (the series nearest 7.3 that has it). The other way, 7.3's
    timer_delete() on 5.10 (which has del_timer, not timer_delete): 6.1's alias inverted."""
    from kbridge.actions.check import open_api
    t510, t73 = _resolve("5.10"), _resolve("7.3")
    d = draft.Drafter(t510)
    assert d.name("del_timer", open_api(t73)) is None
    c = d.cands["del_timer"]
    assert c.kernel == _resolve("6.12").name and c.source.endswith(tuple(f"include/linux/timer.h:{n}"
                                                                          for n in range(150, 260)))
    assert "return timer_delete(timer);" in c.text
    d = draft.Drafter(t73)
    assert d.name("timer_delete", open_api(t510)) is None
    c = d.cands["timer_delete"]
    assert c.kernel == _resolve("6.1").name and c.note and "return del_timer(timer);" in c.text


DELTIMER = FIXTURES / "draft" / "kbtest_draft_deltimer"
TIMERDELETE = FIXTURES / "draft" / "kbtest_draft_timerdelete"


@pytest.mark.slow
def test_donor_and_inverted_alias_build_and_run_as_the_kernels_own(roots_ready, tmp_path):  # type: ignore[no-untyped-def]
    """Both classes through the whole bridge, on 5.10 and 7.3. A 5.10 module calling
    del_timer() (the hand rule del_timer_removed left out, as for an API nobody wrote a rule
    for) bridged to 7.3 gets 6.12's static inline drafted; a 7.3 module calling
    timer_delete() bridged to 5.10 gets 6.1's alias inverted. Each OUT builds clean on both
    kernels (the probe turns the draft off where the kernel has the name), and in one guest
    of each kernel both modules print what they print on their own kernel (1,0: pending,
    then not)."""
    from kbridge.actions.guest.runner import run_guest
    from kbridge.actions.kbuild import build

    t510, t73 = _resolve("5.10"), _resolve("7.3")
    rules = [r for r in rules_mod.load() if r.id != "del_timer_removed"]
    kos: dict[str, list[Path]] = {t510.name: [], t73.name: []}
    for path, home, want in ((DELTIMER, t510, "del_timer"), (TIMERDELETE, t73, "timer_delete")):
        out = tmp_path / path.name
        drv = drv_mod.load(path)
        rep = bridge(drv, [t510, t73], "layer", out, rules=rules, home=home.version)
        pred = predict(drv, [t510, t73], rep, rules, home=home_tree(rep.home, [t510, t73]))
        by = {d.api: d for d in rep.drafts.drafts}
        other = t73 if home is t510 else t510
        assert set(by) == {want} and by[want].targets == (other.name,), (by, rep.drafts.refused)
        assert by[want].kernel == _resolve("6.12" if want == "del_timer" else "6.1").name
        assert pred.ok, pred.remaining
        assert not rep.compat.drafts            # never copied into the compat object as well
        for tree in (t510, t73):
            keep = tmp_path / f"built-{path.name}-{tree.version}"
            res = build(drv_mod.load(out), tree, keep=keep)
            assert res.ok and res.errors == 0 and res.warnings == 0, (tree.name, res.diagnostics)
            kos[tree.name].append(keep / f"{path.name}.ko")
    lines = {}
    for tree in (t510, t73):
        g = run_guest(kos[tree.name], tree.release, timeout=300)
        assert g.ok, (tree.release, g.reasons, g.problems)
        lines[tree.name] = sorted(x[x.index("kbd "):] for m in g.modules for x in m.dmesg if "kbd " in x)
    assert lines[t73.name] == ["kbd del_timer=1,0", "kbd timer_delete=1,0"], lines
    assert lines[t510.name] == lines[t73.name]


@pytest.mark.slow
def test_a_drafts_probe_reads_its_header_after_the_drivers_includes(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    """6.12's <linux/smscphy.h> does not compile alone (it names irqreturn_t and includes
    nothing); the driver reads it after <linux/phy.h>. The probe of a macro drafted from it
    included it alone: on 6.12 the probe failed with "unknown type name", the probe runner
    stopped the build, and the OUT bridged for 6.1 no longer built on its own kernel (smsc,
    wild seed 5). Failed before the fix (own build: 1 error)."""
    from kbridge.actions.kbuild import build
    src = tmp_path / "kbtest_smscphy"
    src.mkdir()
    (src / "Kbuild").write_text("obj-m += kbtest_smscphy.o\n")
    (src / "kbtest_smscphy.c").write_text(
        "// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n#include <linux/phy.h>\n"
        "#include <linux/smscphy.h>\n\nstatic int __init kb_init(void)\n{\n"
        "\treturn MII_LAN874X_PHY_MMD_WOL_WUCSR == 0x8010 ? 0 : -EINVAL;\n}\n"
        "module_init(kb_init);\nMODULE_LICENSE(\"GPL\");\n")
    rep, pred = _bridge(src, [tree612, tree61], tmp_path / "out")
    drafts = {d.api: d for d in rep.drafts.drafts}
    d = drafts["MII_LAN874X_PHY_MMD_WOL_WUCSR"]
    assert d.probe_includes == ("linux/module.h", "linux/phy.h", "linux/smscphy.h"), d.probe_includes
    assert pred.ok, pred.remaining
    out = drv_mod.load(tmp_path / "out")
    for tree in (tree612, tree61):
        res = build(out, tree)
        assert res.ok and not res.errors and not res.warnings, (tree.name, res.log[-2000:])
