"""kbridge bridge says what it did not bridge: kbridge check's prediction on every target,
less the shims in OUT, with file:line, the API and what covers it; exit 1 while any remain.

The driver kbridge was never tuned for: brd.c of 6.12 (a single-file block driver from
/usr/src/linux-source-6.12.tar.xz, extracted at test time, never committed) bridged to 6.1.
"""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import kernel_source_files, run_cli
from kbridge.actions.check import run_check
from kbridge.actions.kbuild import build
from kbridge.facts import driver as drv_mod


@pytest.fixture
def brd612(tmp_path):  # type: ignore[no-untyped-def]
    root = kernel_source_files("6.12", "drivers/block/brd.c")
    d = tmp_path / "brd"
    d.mkdir()
    shutil.copy(root / "drivers/block/brd.c", d / "brd.c")
    (d / "Kbuild").write_text("obj-m += brd.o\n")
    return d


@pytest.mark.parametrize("abi", [False, True], ids=["no-abi-check", "abi-check"])
def test_untuned_block_driver_names_what_is_not_bridged(brd612, tmp_path, tree61, tree612, abi):  # type: ignore[no-untyped-def]
    """Before: one shim line, "build it with", exit 0, and OUT failed on 6.1. Now exit 1 and
    the remaining predicted errors are exactly the lines gcc fails OUT on."""
    out = tmp_path / "out"
    proc = run_cli("bridge", str(brd612), "-t", "6.1", "-t", "6.12", "-o", str(out), "--json",
                   *([] if abi else ["--no-abi-check"]))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rep = json.loads(proc.stdout)
    pred = rep["prediction"]
    assert not rep["ok"] and not pred["ok"]
    left = pred["remaining"]
    assert left and {r["target"] for r in left} == {tree61.name}
    assert all(r["covered_by"] in ("rule", "draft", "nothing") and r["file"] == "brd.c" and r["line"] > 0
               for r in left)
    # exactly check's predictions (against the driver's own kernel) that no shim in OUT covers
    chk = run_check(drv_mod.load(brd612), tree61, tree612)
    predicted = {(f.file, f.line, f.api) for f in chk.findings if f.severity != "warning"}
    assert {(r["file"], r["line"], r["api"]) for r in left} <= predicted
    assert pred["predicted"][tree61.name] == len(predicted)
    assert pred["bridged"][tree61.name] + len(left) == len(predicted)
    assert pred["bridged"][tree61.name] > 0 and rep["shims"]
    # ... and they are what the real build of OUT on 6.1 fails on: no more, no fewer
    res = build(drv_mod.load(out), tree61)
    assert not res.ok
    failed = {(d.file.rsplit("/", 1)[-1], d.line) for d in res.diagnostics if d.severity == "error"}
    assert failed == {(r["file"], r["line"]) for r in left}
    assert build(drv_mod.load(out), tree612).ok
    # the text report names each with file:line, the API and what covers it
    text = run_cli("bridge", str(brd612), "-t", "6.1", "-t", "6.12", "-o", str(tmp_path / "o2"),
                   "--no-abi-check")
    assert text.returncode == 1
    for r in left:
        assert f"NOT BRIDGED {r['file']}:{r['line']}:{r['col']}: {r['api']} ({r['kind']}): " in text.stdout
    assert "build it with" not in text.stdout
    assert "predicts it will not build on " + tree61.name in text.stdout


@pytest.mark.parametrize("label,strategy", [
    ("xen-netfront@6.12", "layer"),     # NETDEV_XDP_ACT_* defined by a shim's wrapper header
    ("xen-netfront@6.1", "inline"),     # page_pool_*: reached again through the moved header's wrapper
    ("drm_xen_front@6.1", "layer"),     # VM_MAP: the shim includes <linux/vmalloc.h> again
    ("xen-blkfront@6.12", "layer"),
    # a tracepoint header: 6.12's <trace/trace_events.h> defines __entry in a header it
    # reaches by a quoted include ("stages/..."), which check's include graph once ignored
    ("null_blk@6.1", "inline"),
    # SOF_TIMESTAMPING_*: 6.12's <linux/ethtool.h> reaches <uapi/linux/net_tstamp.h>, a file
    # the index lists only as include/uapi's linux/net_tstamp.h
    ("macvlan@6.1", "layer"),
    # struct queue_limits.max_open_zones: a member of the shim's renamed kb_queue_limits;
    # blk_mq_ops.queue_rqs: retyped by rq_list_type's wrapper of <linux/blk-mq.h>
    ("null_blk@6.12", "layer"),
    ("null_blk@6.12", "inline"),
])
def test_corpus_driver_that_bridges_clean_exits_0(label, strategy, tmp_path, tree61, tree612):  # type: ignore[no-untyped-def]
    proc = run_cli("bridge", label, "-t", "6.1", "-t", "6.12", "--strategy", strategy,
                   "-o", str(tmp_path / "o"), "--no-abi-check", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pred = json.loads(proc.stdout)["prediction"]
    assert pred["ok"] and pred["remaining"] == [] and pred["failed"] == {}
    assert sum(pred["predicted"].values()) > 0          # check predicted breaks, all bridged
    assert pred["bridged"] == pred["predicted"]


def test_classify_rule_draft_nothing():  # type: ignore[no-untyped-def]
    from kbridge.actions.bridge.predict import classify
    f = {"file": "a.c", "line": 3, "col": 1, "kind": "missing-macro", "message": "m", "severity": "error"}
    findings = [{**f, "api": "A", "rules": ["ra"]}, {**f, "api": "B", "rules": ["rb"]},
                {**f, "api": "C", "rules": []}, {**f, "api": "D", "rules": []},
                {**f, "api": "E", "rules": [], "severity": "warning"}]
    done, left = classify("t", findings, {"ra"}, {"rb": "no shim"}, {"C": "refused: a dependency differs"})
    assert done == 1
    assert [(r.api, r.covered_by, r.why) for r in left] == [
        ("B", "rule", "no shim"), ("C", "draft", "refused: a dependency differs"),
        ("D", "nothing", "no rule covers this API")]


def test_include_graph_follows_quoted_includes_beside_the_header():  # type: ignore[no-untyped-def]
    from kbridge.actions.check.adapter import _include_lines
    text = b'#include <linux/trace_events.h>\n# include "stages/init.h"\n#include "../x.h"\n'
    assert _include_lines(text, "trace/trace_events.h") == [
        "linux/trace_events.h", "trace/stages/init.h", "stages/init.h", "x.h", "../x.h"]


def test_classify_draft_covers_a_name_mapped_to_a_rule_the_bridge_did_not_take_up():  # type: ignore[no-untyped-def]
    """xen-hcd@6.1 on 5.10: RING_FINAL_CHECK_FOR_RESPONSES is not reachable there (the driver
    reaches ring.h through <xen/interface/io/usbif.h>, which 5.10 lacks) and maps to rule
    ring_has_unconsumed_is_bool (its shim includes ring.h and defines the name), whose API the
    driver does not use; the header draft of usbif.h reaches it again. Before: left as
    covered_by "rule", "no shim ... applies". A rule the bridge took up (refused, impossible)
    still goes before a draft."""
    from kbridge.actions.bridge.predict import classify

    class Drafted:
        def covers(self, target, api):  # type: ignore[no-untyped-def]
            return api in ("RING_FINAL_CHECK_FOR_RESPONSES", "P")

        def why_not(self, target, api):  # type: ignore[no-untyped-def]
            return None

        def note(self, target, api):  # type: ignore[no-untyped-def]
            return None

    f = {"file": "a.c", "line": 3, "col": 1, "kind": "not-reachable", "message": "m", "severity": "error"}
    findings = [{**f, "api": "RING_FINAL_CHECK_FOR_RESPONSES", "rules": ["ring"]},
                {**f, "api": "P", "rules": ["p"]}]
    done, left = classify("t", findings, set(), {"p": "impossible: why"}, drafted=Drafted())
    assert done == 1
    assert [(r.api, r.covered_by, r.why) for r in left] == [("P", "rule", "impossible: why")]


def test_ops_changed_member_maps_only_to_a_wrapper_that_names_it(tmp_path):  # type: ignore[no-untyped-def]
    """9pnet_xen@7.3 on 6.1: struct p9_trans_module.create changed type; the wrapper of
    <net/9p/transport.h> that rule p9_trans_pooled_rbuffers ships (a bool appended after
    show_options) was taken as bridging it, because it wraps the struct's header, and the
    bridge predicted clean while gcc failed on .create. Before: both rules mapped."""
    from types import SimpleNamespace

    from kbridge.actions.matrix import _rules_wrapping

    def rule(rid, text):  # type: ignore[no-untyped-def]
        d = tmp_path / rid
        h = d / "include" / "net" / "9p" / "transport.h"
        h.parent.mkdir(parents=True)
        h.write_text(text)
        return SimpleNamespace(id=rid, shim_dir=d, wrapped_headers=[h])

    rules = [rule("appends", "#define show_options show_options); bool pooled_rbuffers; int (*pad\n"),
             rule("retypes", "#define create kb_kernel_create\n"),
             rule("recreate", "#define create_foo x\n")]
    api = SimpleNamespace(index=SimpleNamespace(
        structs=lambda name: [SimpleNamespace(file="include/net/9p/transport.h")]))
    assert _rules_wrapping(rules, api, "struct p9_trans_module.create") == ["retypes"]
    assert _rules_wrapping(rules, api, "struct p9_trans_module.show_options") == ["appends"]


def test_a_finding_of_a_rule_that_cannot_be_bridged_that_way_says_why():  # type: ignore[no-untyped-def]
    """7.3's null_blk reads q->disk in a TRACE_EVENT argument of its trace.h (built on Debian's
    5.10: CONFIG_BLK_DEV_ZONED and CONFIG_TRACING), which check predicts and the bridge's scan
    does not see, so the plan never took rule request_queue_disk up and the remaining error
    said only "no shim of request_queue_disk applies to this driver in this direction".
    5.10's request_queue has no pointer to its disk: the rule's manifest says new_on_old is
    impossible, and the finding carries that reason; the other direction has none."""
    from types import SimpleNamespace

    from kbridge.actions.bridge.predict import _impossible, classify
    from kbridge.knowledge import rules as rules_mod

    by_id = {r.id: r for r in rules_mod.load()}
    assert "no pointer to its gendisk" in (by_id["request_queue_disk"].manifest.direction("new_on_old")
                                            .impossible or "")
    f = {"file": "trace.h", "line": 53, "col": 53, "kind": "missing-member", "message": "m",
         "api": "struct request_queue.disk", "rules": ["request_queue_disk"], "severity": "error"}
    home, t510 = SimpleNamespace(version="7.3.0"), SimpleNamespace(version="5.10.0")
    why = _impossible([f], by_id, home, t510)["request_queue_disk"]
    assert why.startswith("cannot be bridged (new_on_old): ") and "rq->rq_disk" in why
    assert _impossible([f], by_id, t510, home) == {}
    _, left = classify("5.10", [f], set(), _impossible([f], by_id, home, t510))
    assert left[0].covered_by == "rule" and "no pointer to its gendisk" in left[0].why


def test_the_old_disk_allocation_says_why_it_cannot_be_bridged():  # type: ignore[no-untyped-def]
    """5.10's xen-blkfront on 6.1..7.3: alloc_disk() (a disk without a queue, paired with the
    driver's queue by a plain store to disk->queue) is gone from 5.15 on. Before, no rule named
    it: the finding at alloc_disk said nothing of why (the cell was refused only through
    bd_mutex_to_open_mutex). Rule alloc_disk_removed's manifest says old_on_new is impossible
    -- blk_mq_init_queue() does not name the disk, so pairing it with one is a guess that 5.10's
    own drivers break (nvme makes the queue first) -- and the finding carries that reason; the
    other direction (a 6.1 driver on 5.10 never calls alloc_disk) has none."""
    from types import SimpleNamespace

    from kbridge.actions.bridge.predict import _impossible, classify
    from kbridge.knowledge import rules as rules_mod

    by_id = {r.id: r for r in rules_mod.load()}
    r = by_id["alloc_disk_removed"]
    assert r.since == "5.15" and set(r.api) >= {"alloc_disk", "alloc_disk_node"}
    why_rule = r.manifest.direction("old_on_new").impossible or ""
    assert "does not name the disk" in why_rule and "blk_mq_init_allocated_queue" in why_rule
    assert r.manifest.direction("new_on_old").impossible is None
    f = {"file": "xen-blkfront.c", "line": 1173, "col": 14, "kind": "missing", "message": "m",
         "api": "alloc_disk", "rules": ["alloc_disk_removed"], "severity": "error"}
    t510, t61 = SimpleNamespace(version="5.10.0"), SimpleNamespace(version="6.1.0")
    why = _impossible([f], by_id, t510, t61)["alloc_disk_removed"]
    assert why.startswith("cannot be bridged (old_on_new): ") and "nvme" in why
    assert _impossible([f], by_id, t61, t510) == {}
    _, left = classify("6.1", [f], set(), _impossible([f], by_id, t510, t61))
    assert left[0].covered_by == "rule" and "does not name the disk" in left[0].why


def test_an_argument_a_shims_macro_discards_is_not_compiled(tmp_path):  # type: ignore[no-untyped-def]
    """kfree_skb_reason's new_on_old is kfree_skb(skb): the reason is never compiled, so a
    subsystem's SKB_DROP_REASON_* the older kernel lacks inside it is no predicted error
    (macvlan@7.3 on 5.10 was predicted one not bridged, and bridge exited 1, while OUT built
    clean). Columns are gcc's (tabs every 8). Failed before discarded.py (no such module)."""
    from kbridge.actions.bridge import discarded
    from kbridge.knowledge.rules import SHIMS_DIR

    text = (SHIMS_DIR / "kfree_skb_reason" / "new_on_old.h").read_text()
    assert discarded.discarded_params(text) == {"kfree_skb_reason": (2, frozenset({1}))}
    assert discarded.discarded_params("#define f(a, b) g(a, /* b */ 0)\n#define h(...) x\n") == \
        {"f": (2, frozenset({1}))}
    d = tmp_path / "drv"
    d.mkdir()
    src = ("void x(struct sk_buff *skb)\n{\n"
           "\tkfree_skb_reason(skb, SKB_DROP_REASON_X);\n"
           "\tkfree_skb_reason(f(skb, \",\"), g(SKB_DROP_REASON_Y, 1)); foo(SKB_DROP_REASON_Z);\n}\n")
    (d / "a.c").write_text(src)

    class Drv:
        path = d

    kept = discarded.not_compiled(Drv(), [text])
    line3, line4 = src.split("\n")[2], src.split("\n")[3]
    col = lambda line, name: 8 + line.index(name)   # noqa: E731  (one leading tab)
    assert not kept({"file": "a.c", "line": 3, "col": col(line3, "SKB_DROP_REASON_X")})
    assert not kept({"file": "a.c", "line": 4, "col": col(line4, "SKB_DROP_REASON_Y")})
    assert kept({"file": "a.c", "line": 4, "col": col(line4, "SKB_DROP_REASON_Z")})
    assert kept({"file": "a.c", "line": 3, "col": col(line3, "skb,")})     # the skb is compiled
    assert discarded.not_compiled(Drv(), [])({"file": "a.c", "line": 3, "col": 1})
