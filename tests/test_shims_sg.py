"""blk_rq_map_sg and BLK_MQ_F_SHOULD_MERGE across 6.12 and 7.2: real modules, real guests.

tests/fixtures/layer/kbtest_sg_old (6.12 API: BLK_MQ_F_SHOULD_MERGE, blk_rq_map_sg(q, rq, sg))
and kbtest_sg_new (7.2 API: no flag, blk_rq_map_sg(rq, sg)), each bridged for the other
kernel, built clean and booted on both: a 64 KiB O_DIRECT read is mapped through the
list and served as 0x5a bytes; every list must cover the request's bytes, the data must
arrive, and what the guest reads must be the same on both kernels. Without the rules
neither module builds on the other kernel.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

LAYER = FIXTURES / "layer"
SCRIPT = LAYER / "kbtest_sg_guest" / "sg.sh"


def _kbq(text: str) -> dict[str, str]:
    return dict(line[4:].split("=", 1) for line in text.splitlines()
                if line.startswith("kbq ") and "=" in line)


@pytest.mark.slow
@pytest.mark.parametrize("fixture,home", [("kbtest_sg_old", "6.12"), ("kbtest_sg_new", "7.2")])
def test_requests_map_alike_on_both_kernels(fixture, home, trees, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.image import guest_root
    from kbridge.actions.guest.runner import run_guest

    pair = [targets.resolve(s, trees=trees) for s in ((home, "7.2") if home == "6.12" else (home, "6.12"))]
    if not all((guest_root() / "images" / t.release).is_dir() for t in pair):
        pytest.skip("guest kernel images not in the cache (kbridge run fetches them)")
    out = tmp_path / fixture
    rep = bridge(drv_mod.load(LAYER / fixture), pair, "layer", out, home=pair[0].version)
    assert rep.ok, rep.unbridged
    seen = {}
    for tree in pair:
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (
            tree.name, diags, undefined, proc.stdout[-3000:])
        ko = tmp_path / f"{fixture}-{tree.release}.ko"
        ko.write_bytes((out / f"{fixture}.ko").read_bytes())
        g = run_guest([ko], tree.release, test_script=SCRIPT, timeout=240)
        assert [m.returncode for m in g.modules] == [0], (tree.release, g.reasons)
        assert g.test_returncode == 0, g.test_output
        assert g.ok, (tree.release, g.reasons, g.problems)
        seen[tree.release] = _kbq(g.test_output)
    for release, kbq in seen.items():
        assert kbq.get("dd_rc") == "0" and kbq.get("bytes") == "65536", (release, kbq)
        assert kbq.get("first") == kbq.get("last") == "5a5a5a5a", (release, kbq)
        assert int(kbq.get("rqs", "0")) >= 1 and kbq.get("sg_ok") == "1", (release, kbq)
        assert kbq.get("nomerges") == "0", (release, kbq)
    views = [{k: v for k, v in kbq.items() if k != "rqs"} for kbq in seen.values()]
    assert views[0] == views[1], seen


def _bridge_sg_new(trees, out, series):  # type: ignore[no-untyped-def]
    pair = [targets.resolve(s, trees=trees) for s in ("7.2", series)]
    rep = bridge(drv_mod.load(LAYER / "kbtest_sg_new"), pair, "layer", out, home=pair[0].version)
    assert rep.ok, rep.unbridged
    return pair, rep


def test_merge_rule_chosen_for_new_tag_sets(trees, tmp_path):  # type: ignore[no-untyped-def]
    """The 7.2 driver never names BLK_MQ_F_SHOULD_MERGE; its blk_mq_alloc_tag_set selects
    blk_mq_f_should_merge_removed in the new_on_old direction when 6.1 is a target, and
    nothing of the rule when only its own kernel is; the 6.12 driver (which sets the flag)
    keeps old_on_new for 7.2 and nothing on the old kernels. OUT builds clean on 6.1 and 7.2."""
    rule = "blk_mq_f_should_merge_removed"
    pair, rep = _bridge_sg_new(trees, tmp_path / "new", "6.1")
    assert [s["direction"] for s in rep.shims if s["rule"] == rule] == ["new_on_old"], rep.shims
    for tree in pair:
        proc = run_kbuild(tmp_path / "new", tree)
        diags, undefined = parse_log(proc.stdout, tmp_path / "new")
        assert proc.returncode == 0 and not diags and not undefined, (
            tree.name, diags, undefined, proc.stdout[-3000:])
    own = bridge(drv_mod.load(LAYER / "kbtest_sg_new"), [pair[0]], "layer", tmp_path / "own",
                 home=pair[0].version)
    assert own.ok and not [s for s in own.shims if s["rule"] == rule], own.shims
    t612, t61, t72 = (targets.resolve(s, trees=trees) for s in ("6.12", "6.1", "7.2"))
    old = drv_mod.load(LAYER / "kbtest_sg_old")
    r_old = bridge(old, [t612, t61], "layer", tmp_path / "old", home=t612.version)
    assert r_old.ok and not [s for s in r_old.shims if s["rule"] == rule], r_old.shims
    r_new = bridge(old, [t612, t72], "layer", tmp_path / "old72", home=t612.version)
    assert [s["direction"] for s in r_new.shims if s["rule"] == rule] == ["old_on_new"], r_new.shims


@pytest.mark.slow
def test_new_tag_set_merges_like_native_on_612(trees, tmp_path):  # type: ignore[no-untyped-def]
    """The 7.2 driver's tag set on 6.12 asks for the software-queue merge every tag set gets
    on 7.2: its hardware context's flags (debugfs) are those of the kernel's own null_blk,
    which sets BLK_MQ_F_SHOULD_MERGE; without the shim they lacked SHOULD_MERGE and 6.12
    never merged bios queued in the software queue for it."""
    from kbridge.actions.guest.image import guest_root
    from kbridge.actions.guest.runner import run_guest

    out = tmp_path / "kbtest_sg_new"
    pair, _rep = _bridge_sg_new(trees, out, "6.12")
    tree = pair[1]
    if not (guest_root() / "images" / tree.release).is_dir():
        pytest.skip("guest kernel images not in the cache (kbridge run fetches them)")
    proc = run_kbuild(out, tree)
    diags, undefined = parse_log(proc.stdout, out)
    assert proc.returncode == 0 and not diags and not undefined, (diags, undefined, proc.stdout[-3000:])
    g = run_guest([out / "kbtest_sg_new.ko"], tree.release, test_script=LAYER / "kbtest_sg_guest" / "merge.sh",
                  extra_modules=["null_blk"], timeout=240)
    assert [m.returncode for m in g.modules] == [0], g.reasons
    assert g.test_returncode == 0, g.test_output
    kbq = _kbq(g.test_output)
    assert "SHOULD_MERGE" in kbq.get("native", "").split(), kbq
    assert kbq.get("bridged") == kbq.get("native"), kbq
    assert kbq.get("nomerges") == "0", kbq
    assert g.ok, (g.reasons, g.problems)


def test_inline_alias_leaves_the_other_shims_kb_name() -> None:
    """On a kernel where both rq_list_type and blk_mq_f_should_merge_removed apply (6.1 for a
    7.x driver with .queue_rqs), the inline spot's kb_blk_mq_alloc_tag_set must stay
    rq_list_type's function (which calls the merge wrapper included before it), not the
    alias to blk_mq_alloc_tag_set -- which rq_list_type's tail #undefs to the kernel's bare
    function, dropping both shims. Where only the merge shim applies the alias is kept."""
    from kbridge.actions.bridge import inline, layer
    from kbridge.knowledge import rules as rules_mod

    by_id = rules_mod.by_id(rules_mod.load())
    ids = ["blk_mq_f_should_merge_removed", "rq_list_type"]
    drv = drv_mod.load(FIXTURES / "layer" / "kbtest_rq_list")
    p = layer.plan([by_id[i] for i in ids], drv, dict.fromkeys(ids, "new"), [dict.fromkeys(ids, "old")])
    assert sorted((s.rule.id, s.direction) for s in p.shims) == [(i, "new_on_old") for i in ids]
    names = {s.rule.id: inline.shim_names(s.text) for s in p.shims}
    text = inline.inline_header(p, names)
    alias = "#define kb_blk_mq_alloc_tag_set(...) blk_mq_alloc_tag_set(__VA_ARGS__)"
    lines = text.splitlines()
    i = lines.index(alias)
    assert lines[i - 1] == "#ifndef KB_INLINE_OWN_blk_mq_alloc_tag_set", text
    rq = text.index("#ifndef KB_HAVE_RQ_LIST_TYPE\n#undef")
    assert "#define KB_INLINE_OWN_blk_mq_alloc_tag_set" in text[rq:text.index("#endif", rq)], text
    assert text.index("#define KB_INLINE_OWN_blk_mq_alloc_tag_set") < text.index(alias), text
