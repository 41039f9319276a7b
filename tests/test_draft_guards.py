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
