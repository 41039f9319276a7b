"""Drafted bridges for a header that moved, split or was renamed (issue 17 item 1, class a;
kbridge.actions.bridge.hmove through draft.plan).

A move is decided by the declarations reachable through the header's include closure on
both kernels, not by the file's text. Two small hand-written header trees
(tests/fixtures/hmove/home, a "6.1", and target, a "6.12") and one module using four
headers of home:

* <asm/kbt_unal.h> is one line, ``#include <asm-generic/kbt_unal.h>`` (6.1's
  <asm/unaligned.h>), and the target has neither: its kbt_get_le32 is in
  <linux/kbt_unal.h> -> <linux/kbt_unal/le.h>; <linux/kbt_unal/packed.h> defines it too
  (another arch's variant: including both collides); its KBT_UNAL_MAX is home's 4
  spelled (KBT_UNAL_WORD). Drafted: a wrapper of <linux/kbt_unal.h> alone;
* <linux/kbt_split.h> (and the <linux/kbt_split_types.h> it includes) is split on the
  target over <linux/kbt_split_dev.h> (the struct) and <linux/kbt_split_ops.h> (the
  function, the flag): a wrapper of both;
* <linux/kbt_chg.h> -> <linux/kbt_chg_impl.h> moved to <linux/kbt_chg2.h>, but
  kbt_chg_submit took another prototype there: refused, naming it (drafted only when a
  rule of the bridge covers that change);
* <linux/kbt_both.h> is on both kernels: never drafted over the target's own.

Then the real case on the installed kernels: a module of 7.3 including
<linux/unaligned.h> built with the layer on 5.10 and 6.1, and one of 6.1 including
<asm/unaligned.h> on 6.12 and 7.3, where that header is gone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, assert_builds_clean
from kbridge.actions.bridge import bridge, draft, home_tree
from kbridge.actions.bridge.predict import predict
from kbridge.facts import driver as drv_mod
from kbridge.facts.targets import inspect
from kbridge.knowledge import rules as rules_mod

HMOVE = FIXTURES / "hmove"


@pytest.fixture(scope="module")
def fx(tmp_path_factory):  # type: ignore[no-untyped-def]
    from kbridge.actions.check import run_check
    cache = tmp_path_factory.mktemp("hmove-cache")
    home, target = inspect(HMOVE / "home"), inspect(HMOVE / "target")
    drv = drv_mod.load(HMOVE / "kbtest_hmove")
    findings = [{**f.to_json(), "rules": []} for f in run_check(drv, target, home, cache=cache).findings]
    return home, target, drv, findings, cache


def _plan(fx, findings=None, **kw):  # type: ignore[no-untyped-def]
    home, target, drv, fs, cache = fx
    dp = draft.plan(drv, home, [target], {target.name: fs if findings is None else findings},
                    cache=cache, compile_check=False, **kw)
    return dp, {d.api: d for d in dp.drafts}, target.name


def test_a_move_through_an_include_chain_is_drafted(fx):  # type: ignore[no-untyped-def]
    dp, drafts, t = _plan(fx)
    d = drafts["asm/kbt_unal.h"]
    assert d.kind == "header" and d.targets == (t,)
    # the target's header holding the moved declarations, not the two files that each
    # define kbt_get_le32 (le.h and packed.h collide when both are included)
    assert d.includes == ("linux/kbt_unal.h",)
    assert {"kbt_get_le32", "KBT_UNAL_MAX"} <= set(d.provides) and (t, "asm/kbt_unal.h") not in dp.refused
    text = draft.header_file(d)
    assert "#if __has_include_next(<asm/kbt_unal.h>)\n#include_next <asm/kbt_unal.h>\n#else\n" \
        "#include <linux/kbt_unal.h>\n#endif\n" in text
    # the name the driver's includes no longer reach is the wrapper's: no draft of its own
    assert "kbt_get_le32" not in drafts and dp.covers(t, "kbt_get_le32")


def test_a_split_over_two_headers_is_drafted(fx):  # type: ignore[no-untyped-def]
    dp, drafts, t = _plan(fx)
    d = drafts["linux/kbt_split.h"]
    # the header's own declarations and those of the header it included, which the
    # target lacks too (its struct), each found where the target has it
    assert set(d.includes) == {"linux/kbt_split_dev.h", "linux/kbt_split_ops.h"}
    assert {"kbt_split_open", "KBT_SPLIT_RO", "kbt_split_dev"} <= set(d.provides)
    body = draft.header_file(d)
    assert "#include <linux/kbt_split_dev.h>" in body and "#include <linux/kbt_split_ops.h>" in body
    assert (t, "linux/kbt_split.h") not in dp.refused


def test_a_move_whose_declaration_changed_is_refused(fx):  # type: ignore[no-untyped-def]
    dp, drafts, t = _plan(fx)
    assert "linux/kbt_chg.h" not in drafts
    why = dp.refused[(t, "linux/kbt_chg.h")]
    assert "kbt_chg_submit" in why and "another prototype" in why and "kbt_chg_impl.h" in why, why
    # a rule of the bridge covering that change makes it the rule's: the header is moved
    dp, drafts, t = _plan(fx, ruled={t: {"kbt_chg_submit"}})
    assert drafts["linux/kbt_chg.h"].includes == ("linux/kbt_chg2.h",)


def test_a_header_the_target_has_is_never_drafted(fx):  # type: ignore[no-untyped-def]
    home, target, drv, fs, cache = fx
    dp, drafts, t = _plan(fx)
    assert "linux/kbt_both.h" not in drafts
    # not even when asked: a stale finding naming it missing is refused with the reason
    fake = {**next(f for f in fs if f["kind"] == "missing-header"), "api": "linux/kbt_both.h"}
    dp, drafts, t = _plan(fx, findings=[*fs, fake])
    assert "linux/kbt_both.h" not in drafts
    assert "has its own <linux/kbt_both.h>" in dp.refused[(t, "linux/kbt_both.h")]
    assert set(drafts) >= {"asm/kbt_unal.h", "linux/kbt_split.h"}


def _resolve(series: str):  # type: ignore[no-untyped-def]
    from kbridge.facts import targets
    return targets.resolve(series)


# Real moves between the installed kernels, found with `kbridge diff A B --kind header`
# and the declarations of each removed header (a driver's names as *used*): home, the
# header, the targets lacking it, the names, the header(s) the wrapper must include.
MOVES = [
    # 6.12 moved <asm/unaligned.h> (6.1: one line, '#include <asm-generic/unaligned.h>')
    ("6.1", "asm/unaligned.h", ("6.12", "7.3"), {"get_unaligned_le32", "put_unaligned_be16"},
     ("linux/unaligned.h",)),
    # ... and back: one header holding 7.3's (5.10's <asm/unaligned.h>), not the two
    # files of 5.10 that each define get_unaligned_le32 (access_ok.h, le_struct.h)
    ("7.3", "linux/unaligned.h", ("5.10",), {"get_unaligned_le32", "get_unaligned"},
     ("linux/unaligned/packed_struct.h", "asm/unaligned.h")),
    # 6.6 split <net/page_pool.h> into <net/page_pool/types.h> and <.../helpers.h>
    ("6.1", "net/page_pool.h", ("6.12", "7.3"),
     {"page_pool_create", "page_pool_dev_alloc_pages", "page_pool_put_full_page", "page_pool_params"},
     ("net/page_pool/helpers.h",)),
    # 5.18 folded <linux/genhd.h> into <linux/blkdev.h> (what genhd.h included and
    # blkdev.h does not reach stays: <asm/local.h>, <linux/major.h>)
    ("5.10", "linux/genhd.h", ("7.3",), {"set_capacity", "get_capacity", "disk_to_dev", "gendisk"},
     ("asm/local.h", "linux/major.h", "linux/blkdev.h")),
    # <linux/kernel.h> split up (5.16 container_of.h, 6.8 sprintf.h): on 5.10 kernel.h
    ("7.3", "linux/container_of.h", ("5.10",), {"container_of"}, ("linux/kernel.h",)),
    ("7.3", "linux/sprintf.h", ("5.10", "6.1"), {"sprintf", "snprintf", "scnprintf"}, ("linux/kernel.h",)),
    # 5.14 moved the generated <asm-generic/atomic-long.h> to <linux/atomic/atomic-long.h>,
    # which only <linux/atomic.h> includes: the public header, not the internal one
    ("5.10", "asm-generic/atomic-long.h", ("7.3",), {"atomic_long_read", "atomic_long_t"},
     ("linux/atomic.h",)),
]


@pytest.mark.parametrize("home,path,targets,used,includes", MOVES, ids=[m[1] for m in MOVES])
def test_real_header_moves_between_the_installed_kernels(roots_ready, home, path, targets, used, includes):  # type: ignore[no-untyped-def]
    from kbridge.actions.bridge import hmove
    from kbridge.actions.check import open_api
    a = open_api(_resolve(home))
    ts = [open_api(_resolve(s)) for s in targets]
    move, why = hmove.header_move(a, ts, path, used)
    assert why == {} and move is not None, why
    assert tuple(move.includes) == includes and move.targets == [t.name for t in ts]
    assert move.names == used and move.guarded == set()


def test_a_real_move_with_a_changed_declaration_is_refused_unless_a_rule_covers_it(roots_ready):  # type: ignore[no-untyped-def]
    """5.10's add_disk (void) is 7.3's blkdev.h add_disk (int, __must_check): the move of
    <linux/genhd.h> is refused naming it; with a rule of the bridge covering add_disk it
    is that rule's, and the header moves."""
    from kbridge.actions.bridge import hmove
    from kbridge.actions.check import open_api
    a, t = open_api(_resolve("5.10")), open_api(_resolve("7.3"))
    move, why = hmove.header_move(a, [t], "linux/genhd.h", {"add_disk", "set_capacity"})
    assert move is None and "'add_disk' has another prototype" in why[t.name], why
    move, why = hmove.header_move(a, [t], "linux/genhd.h", {"add_disk", "set_capacity"},
                                  {t.name: {"add_disk"}})
    assert move is not None and "linux/blkdev.h" in move.includes and why == {}


def test_a_wrapper_never_defines_again_what_the_drivers_other_includes_define(roots_ready):  # type: ignore[no-untyped-def]
    """A 7.3 driver using get_unaligned_le16 from <linux/unaligned.h> on 5.10: five files of
    5.10 define it; <linux/etherdevice.h>, which the driver also includes, brings in
    <asm/unaligned.h> -> access_ok.h, so the wrapper must not include another of them
    (le_byteshift.h: 'redefinition of get_unaligned_le16', winbond-840's tulip.h)."""
    from kbridge.actions.bridge import hmove
    from kbridge.actions.check import open_api
    a, t = open_api(_resolve("7.3")), open_api(_resolve("5.10"))
    ctx = ["linux/netdevice.h", "linux/etherdevice.h", "linux/unaligned.h"]
    move, why = hmove.header_move(a, [t], "linux/unaligned.h", {"get_unaligned_le16"}, None, ctx)
    assert move is not None and why == {}
    assert "asm/unaligned.h" in move.includes, move.includes
    assert not {"linux/unaligned/le_byteshift.h", "linux/unaligned/le_struct.h",
                "linux/unaligned/le_memmove.h"} & set(move.includes), move.includes


def test_an_object_like_alias_of_a_callable_is_that_callable(roots_ready):  # type: ignore[no-untyped-def]
    """5.10's ``#define get_unaligned __get_unaligned_le`` (a macro of one argument) is
    called as 7.3's get_unaligned(ptr) is; a constant spelled otherwise is the same value."""
    from kbridge.actions.check import open_api
    a, t = open_api(_resolve("7.3")), open_api(_resolve("5.10"))
    assert draft._same(a, t, "get_unaligned") is None
    assert draft._same(t, a, "put_unaligned") is None
    # one value spelled two ways: 5.10's (GPIOF_DIR_IN), GPIOF_DIR_IN being (1 << 0), and
    # 7.3's ((1 << 0)); a constant of another value still differs
    assert draft._same(a, t, "GPIOF_IN") is None
    assert "has another value" in (draft._same(a, t, "MAX_SKB_FRAGS") or "")   # 16UL on 5.10


@pytest.mark.slow
def test_unaligned_moves_build_with_the_layer_on_the_installed_kernels(roots_ready, tmp_path):  # type: ignore[no-untyped-def]
    """6.12 moved <asm/unaligned.h> to <linux/unaligned.h>: each way, the layer's drafted
    wrapper builds the untouched module on the kernels without its header."""
    t510, t61, t612, t73 = (_resolve(s) for s in ("5.10", "6.1", "6.12", "7.3"))
    rules = rules_mod.load()
    # built on each kernel lacking the header, and the 6.1 one on 6.1 too: there the
    # wrapper defers to a generated header of the build tree (include_next)
    cases = [(HMOVE / "kbtest_unaligned_new", t73, [t510, t61, t73], "linux/unaligned.h", [t510, t61]),
             (HMOVE / "kbtest_unaligned_old", t61, [t61, t612, t73], "asm/unaligned.h", [t612, t73, t61])]
    for src, home, trees, header, builds in cases:
        drv = drv_mod.load(src)
        out = tmp_path / src.name
        rep = bridge(drv, trees, "layer", out, rules=rules, home=home.version)
        pred = predict(drv, trees, rep, rules, home=home_tree(rep.home, trees))
        by = {d.api: d for d in rep.drafts.drafts}
        lacking = tuple(sorted(t.name for t in trees if t is not home))
        assert by[header].kind == "header" and by[header].targets == lacking, rep.drafts.refused
        assert pred.remaining == [], pred.remaining
        assert (out / f"{src.name}.c").read_bytes() == (src / f"{src.name}.c").read_bytes()
        for t in builds:
            assert_builds_clean(out, t)
    # what each wrapper includes: on 5.10 and 6.1 a header holding every declaration of
    # 7.3's <linux/unaligned.h> the module uses (never 5.10's colliding access_ok.h and
    # le_struct.h together, nor 5.10's paths on 6.1); on 6.12 and 7.3 <linux/unaligned.h>
    new = (tmp_path / "kbtest_unaligned_new/compat/include/linux/unaligned.h").read_text()
    assert "access_ok.h" not in new and "le_struct.h" not in new, new
    old = (tmp_path / "kbtest_unaligned_old/compat/include/asm/unaligned.h").read_text()
    assert "#else\n#include <linux/unaligned.h>\n#endif" in old, old
