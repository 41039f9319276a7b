"""class_create_owner_removed (6.4, 1aaba11da9aa): class_create(owner, name) -> class_create(name).

Two fixtures, tests/fixtures/layer/kbtest_class_old (class_create(THIS_MODULE, name), the
API of 5.10 and 6.1) and kbtest_class_new (class_create(name), 6.12 and later); each init
creates its class, creates a device in it, checks name and class, and destroys both. Here:
each plain build on the other kernel fails on the call; bridged (layer and inline) each
builds clean on the other kernel and on its own, the rule applied in its direction only;
and the same between 5.10 and 7.3 (slow: the roots). In the guests (slow, shared boots): on
5.10 the 7.3-API module bridged beside the native 5.10-API one, on 7.3 the reverse; each
prints "kbtest_class_<side>: ok" (class created with its name, a device created in it).
"""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import build, parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets
from sharedboot import Entry, native_and_bridged

OLD = FIXTURES / "layer" / "kbtest_class_old"
NEW = FIXTURES / "layer" / "kbtest_class_new"
RULE = "class_create_owner_removed"


def _clean_build(src, tree, dest):  # type: ignore[no-untyped-def]
    shutil.copytree(src, dest)
    proc = run_kbuild(dest, tree)
    diags, undefined = parse_log(proc.stdout, dest)
    assert proc.returncode == 0 and not diags and not undefined, proc.stdout[-3000:]


def test_plain_builds_fail_on_the_call(tree61, tree612):  # type: ignore[no-untyped-def]
    for src, tree, msg in ((OLD, tree612, "too many arguments to function 'class_create'"),
                           (NEW, tree61, 'macro "class_create" requires 2 arguments')):
        res = build(drv_mod.load(src), tree)
        assert not res.ok and any(msg in d.message for d in res.diagnostics), res.diagnostics


@pytest.mark.parametrize("strategy", ["layer", "inline"])
@pytest.mark.parametrize("side", ["old", "new"])
def test_bridged_builds_on_the_other_kernel_and_its_own(tree61, tree612, tmp_path, side, strategy):  # type: ignore[no-untyped-def]
    src, direction = (OLD, "old_on_new") if side == "old" else (NEW, "new_on_old")
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(src), [tree61, tree612], strategy, out)
    assert not rep.unbridged, rep.unbridged
    md = (out / "compat" / ("RULES.md" if strategy == "layer" else "INLINE.md")).read_text()
    assert re.findall(rf"^## ({RULE}) \((\w+)\)", md, re.M) == [(RULE, direction)], md
    _clean_build(out, tree612, tmp_path / "on612")
    _clean_build(out, tree61, tmp_path / "on61")


@pytest.mark.slow
@pytest.mark.parametrize("side", ["old", "new"])
def test_bridged_between_5_10_and_7_3(roots_ready, trees, tmp_path, side):  # type: ignore[no-untyped-def]
    t510, t73 = (targets.resolve(s, trees=trees) for s in ("5.10", "7.3"))
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(OLD if side == "old" else NEW), [t510, t73], "layer", out,
                 home="5.10" if side == "old" else "7.3")
    assert not rep.unbridged, rep.unbridged
    _clean_build(out, t73, tmp_path / "on73")
    _clean_build(out, t510, tmp_path / "on510")



def _entry(series: str) -> Entry:
    """On each end of the range: the other end's module bridged (layer) and this kernel's own
    module natively, loaded together in the kernel's shared boot (tests/sharedboot.py)."""
    return native_and_bridged("class", series, OLD, NEW)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    return [_entry(params["series"])] if name == "test_native_and_bridged_create_classes_alike_in_one_guest" else []


@pytest.mark.slow
@pytest.mark.parametrize("series", ["5.10", "7.3"])
def test_native_and_bridged_create_classes_alike_in_one_guest(series, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry(series))
    assert g.ok, (g.reasons, g.problems)
    for side in ("old", "new"):
        assert any(f"kbtest_class_{side}: ok" in x for x in g.dmesg), [x for x in g.dmesg if "kbtest" in x]
