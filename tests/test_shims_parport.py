"""parport_driver_devmodel_removed (6.11, dfd19866d1a3): a parport client written for a kernel
whose struct parport_driver had devmodel (5.10, 6.1: every in-tree client set
`.devmodel = true`, which no core read) builds on a kernel without the member.

The fixture tests/fixtures/layer/kbtest_parport_old sets .devmodel = true and checks, at init,
what registration did (the driver on the parport bus under its name, its table unchanged).
Here: its plain build on 6.12 fails on the member; bridged for 6.1 and 6.12 (layer and
inline) it builds clean on 6.12 and on its own 6.1, the rule applied old_on_new only; and on
7.3 (the newest root) from 5.10. The ABI check of the appended member (shim.toml `grows`) runs
in the matrix; no guest boot here (no default cell loads a parport client yet).
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

OLD = FIXTURES / "layer" / "kbtest_parport_old"
RULE = "parport_driver_devmodel_removed"


def _clean_build(src, tree, dest):  # type: ignore[no-untyped-def]
    shutil.copytree(src, dest)
    proc = run_kbuild(dest, tree)
    diags, undefined = parse_log(proc.stdout, dest)
    assert proc.returncode == 0 and not diags and not undefined, proc.stdout[-3000:]


def test_plain_build_on_6_12_fails_on_the_member(tree612):  # type: ignore[no-untyped-def]
    res = build(drv_mod.load(OLD), tree612)
    assert not res.ok
    assert any("has no member named 'devmodel'" in d.message for d in res.diagnostics)


@pytest.mark.parametrize("strategy", ["layer", "inline"])
def test_bridged_from_6_1_builds_on_6_12_and_its_own(tree61, tree612, tmp_path, strategy):  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(OLD), [tree61, tree612], strategy, out)
    assert not rep.unbridged, rep.unbridged
    rules_md = (out / "compat" / ("RULES.md" if strategy == "layer" else "INLINE.md")).read_text()
    assert re.findall(rf"^## ({RULE}) \((\w+)\)", rules_md, re.M) == [(RULE, "old_on_new")], rules_md
    _clean_build(out, tree612, tmp_path / "on612")
    _clean_build(out, tree61, tmp_path / "on61")


@pytest.mark.slow
def test_bridged_from_5_10_builds_on_7_3(roots_ready, trees, tmp_path):  # type: ignore[no-untyped-def]
    t510, t73 = (targets.resolve(s, trees=trees) for s in ("5.10", "7.3"))
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(OLD), [t510, t73], "layer", out, home="5.10")
    assert not rep.unbridged, rep.unbridged
    _clean_build(out, t73, tmp_path / "on73")
    _clean_build(out, t510, tmp_path / "on510")
