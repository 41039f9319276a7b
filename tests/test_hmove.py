"""Drafted bridges for a header that moved, split or was renamed (issue 17 item 1, class a;
kbridge.actions.bridge.hmove through draft.plan).

A move is decided by the declarations reachable through the header's include closure on
both kernels, not by the file's text. Two small hand-written header trees
(tests/fixtures/hmove/home, a "6.1", and target, a "6.12") and one module using four
headers of home:

* <asm/kbt_unal.h> is one line, ``#include <asm-generic/kbt_unal.h>`` (6.1's
  <asm/unaligned.h>), and the target has neither: its kbt_get_le32 is in
  <linux/kbt_unal.h> -> <linux/kbt_unal/le.h>; <linux/kbt_unal/packed.h> defines it too
  (another arch's variant: including both collides). Drafted: a wrapper of
  <linux/kbt_unal.h> alone;
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
    assert "kbt_get_le32" in d.provides and (t, "asm/kbt_unal.h") not in dp.refused
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
