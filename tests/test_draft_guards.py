"""Scope-based cleanup classes drafted (issue 17, kbridge.actions.bridge.draft).

A class -- ``guard(X)``, ``scoped_guard(X, ..)``, ``scoped_cond_guard(X, ..)``,
``CLASS(X, v)`` -- or a free function -- ``__free(X)`` -- is defined by a top-level
DEFINE_* invocation in a kernel header; a kernel lacking it fails the driver with
"unknown type name 'class_X_t'" or "cleanup argument not a function". The scan reports
the classes a driver names, the index which classes each kernel's headers define, and
the drafter copies home's invocation when every dependency resolves on the target with
the same declaration. Two hand-written header trees (tests/fixtures/draft/guards):
"old" (5.10) has class kbt as a plain DEFINE_GUARD and no *_COND; "new" (7.3) has kbt as
a DEFINE_LOCK_GUARD_1, kbt_intr extending it, kbt_pause, kbt_flush (whose kbt_flush()
old declares otherwise), the free function kbt_put and a scoped iterator using it.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import draft

GUARDS = FIXTURES / "draft" / "guards"


def _trees():  # type: ignore[no-untyped-def]
    from kbridge.actions.check import open_api
    from kbridge.facts.targets import inspect
    old, new = (inspect(GUARDS / n) for n in ("old", "new"))
    return old, new, open_api(old), open_api(new)


def test_the_index_knows_each_kernels_cleanup_classes():  # type: ignore[no-untyped-def]
    old, new, o, n = _trees()
    got = n.index.cleanup_classes()
    assert set(got) == {"class_kbt_t", "class_kbt_intr_t", "class_kbt_pause_t", "class_kbt_flush_t",
                        "__free_kbt_put"}      # not KBT_DEFINE_MORE's body, not the comments
    intr = n.index.cleanup_class("class_kbt_intr_t")
    assert (intr.macro, intr.name, intr.base, intr.file) == \
        ("DEFINE_LOCK_GUARD_1_COND", "kbt_intr", "kbt", "include/linux/kbt_lock.h")
    pause = n.index.cleanup_class("class_kbt_pause_t")
    assert pause.line == 16 and pause.args == ("kbt_pause", "struct kbt_lock *", "kbt_pause(_T)",
                                              "kbt_resume(_T)")
    assert pause.text == "DEFINE_GUARD(kbt_pause, struct kbt_lock *,\n\t     kbt_pause(_T), kbt_resume(_T))"
    assert set(o.index.cleanup_classes()) == {"class_kbt_t"}
    assert o.declared_in("class_kbt_t") == {"include/linux/kbt_lock.h"}


def test_the_scan_reports_the_classes_a_driver_names():  # type: ignore[no-untyped-def]
    from kbridge.facts.scan import scan_sources
    src = b"""#include <linux/kbt_lock.h>
/* guard(comment) */
static int f(struct kbt_lock *l)
{
	void *p __free(kbt_put) = 0;
	guard(kbt)(l);
	scoped_guard(kbt_pause, l) { p = "guard(string)"; }
	scoped_cond_guard(kbt_intr, return -4, l) { }
	CLASS(kbt_flush, x)(l);
	return 0;
}
"""
    got = [(u.line, u.kind, u.name) for u in scan_sources([("a.c", src)]).uses if u.kind in ("class", "free")]
    assert got == [(5, "free", "kbt_put"), (6, "class", "kbt"), (7, "class", "kbt_pause"),
                   (8, "class", "kbt_intr"), (9, "class", "kbt_flush")]


def test_a_missing_class_is_drafted_from_home_with_its_provenance():  # type: ignore[no-untyped-def]
    old, new, o, _n = _trees()
    d = draft.Drafter(new)
    d.donors, d.aliasing = [], False
    for name in ("__free_kbt_put", "class_kbt_pause_t"):
        assert d.name(name, o) is None, name
    c = d.cands["class_kbt_pause_t"]
    assert c.kind == "class" and c.needs == []          # DEFINE_GUARD is the same on old
    assert c.source == f"{GUARDS / 'new/include/linux/kbt_lock.h'}:16"
    text = draft.draft_text(c, new.name)
    assert text.startswith(f"/* drafted by kbridge from {c.source} (Linux {new.name}) */")
    assert "DEFINE_GUARD(kbt_pause, struct kbt_lock *,\n\t     kbt_pause(_T), kbt_resume(_T))" in text
    assert d.cands["__free_kbt_put"].text == "DEFINE_FREE(kbt_put, void *, if (_T) kbt_put(_T))"
    # guarded by a build-time probe: the kernel's own class wins where it has one
    d.cands["__free_kbt_put"].after.add("linux/kbt_lock.h")
    c.after.add("linux/kbt_lock.h")
    drafts = draft._to_drafts(d, new)
    assert {x.api: x.guard for x in drafts} == {"__free_kbt_put": "KB_HAVE_DRAFT___FREE_KBT_PUT",
                                                "class_kbt_pause_t": "KB_HAVE_DRAFT_CLASS_KBT_PAUSE_T"}


def test_a_class_extending_a_class_defined_otherwise_is_refused():  # type: ignore[no-untyped-def]
    """new's kbt_intr extends class kbt, a lock guard (a struct) there and a plain guard
    (a pointer) on old: the copy would extend another type -- refused, and why."""
    old, new, o, _n = _trees()
    d = draft.Drafter(new)
    d.donors, d.aliasing = [], False
    why = d.name("class_kbt_intr_t", o)
    assert why is not None and "class_kbt_intr_t" not in d.cands
    assert why.startswith("depends on 'class_kbt_t', declared differently: cleanup class 'class_kbt_t' "
                          "is defined otherwise on ")
    assert "DEFINE_GUARD(kbt, struct kbt_lock *, kbt_lock(_T), kbt_unlock(_T))" in why


def test_a_class_whose_lock_function_differs_is_refused():  # type: ignore[no-untyped-def]
    old, new, o, _n = _trees()
    d = draft.Drafter(new)
    d.donors, d.aliasing = [], False
    why = d.name("class_kbt_flush_t", o)
    assert why is not None and "class_kbt_flush_t" not in d.cands
    assert why.startswith("depends on 'kbt_flush', declared differently: 'kbt_flush' has another prototype")


def test_a_scoped_iterator_drafts_the_free_class_it_expands_to():  # type: ignore[no-untyped-def]
    """kbt_for_each_scoped() declares its variable __free(kbt_put): the macro needs
    __free_kbt_put, which old lacks -- drafted with it (the closure)."""
    old, new, o, _n = _trees()
    d = draft.Drafter(new)
    d.donors, d.aliasing = [], False
    assert d.name("kbt_for_each_scoped", o) is None
    assert d.cands["kbt_for_each_scoped"].needs == ["__free_kbt_put"]
    assert d.cands["__free_kbt_put"].kind == "class"


# ------------------------------------------------------------------ a bridge, built

@pytest.mark.slow
def test_a_7_3_module_using_cleanup_classes_builds_on_5_10(roots_ready, tmp_path):  # type: ignore[no-untyped-def]
    """kbtest_draft_guards (7.3 API) bridged for 5.10: __free(kvfree) and __free(firmware),
    which 5.10 lacks, are drafted from 7.3's DEFINE_FREE lines (file:line provenance) and
    OUT builds clean on 5.10 and on 7.3; without drafts it fails on 5.10 ("cleanup argument
    not a function"). guard(mutex)/scoped_guard/__free(kfree) are 5.10's own."""
    from kbridge.actions.bridge import bridge
    from kbridge.actions.kbuild import build
    from kbridge.facts import driver as drv_mod
    from kbridge.facts import targets
    from kbridge.knowledge import rules as rules_mod

    t510, t73 = targets.resolve("5.10"), targets.resolve("7.3")
    rules = rules_mod.load()
    drv = drv_mod.load(FIXTURES / "draft" / "kbtest_draft_guards")
    rep = bridge(drv, [t510, t73], "layer", tmp_path / "out", rules=rules)
    by = {d.api: d for d in rep.drafts.drafts}
    assert {"__free_kvfree", "__free_firmware"} <= set(by)
    assert "class_mutex_t" not in by and "__free_kfree" not in by
    assert by["__free_firmware"].source.endswith("include/linux/firmware.h:" + by["__free_firmware"]
                                                 .source.rsplit(":", 1)[1])
    assert by["__free_kvfree"].targets == (t510.name,)
    for t in (t510, t73):
        res = build(drv_mod.load(tmp_path / "out"), t)
        assert res.ok and not res.warnings, (t.name, [d.message for d in res.diagnostics][:5])
    bridge(drv, [t510, t73], "layer", tmp_path / "nodraft", rules=rules, drafts=False)
    res0 = build(drv_mod.load(tmp_path / "nodraft"), t510)
    assert not res0.ok and any("cleanup argument not a function" in d.message for d in res0.diagnostics)
