"""null_blk (in-tree test driver) and the layer: what the block shims promise for it.

The runtime oracle is tests/test_guest_runtime.py::test_differential_bridged
(null_blk@6.1 bridged, in 6.12's guest, against 6.12's own null_blk). These
checks are the cheap part: which rules the bridge picks, and that the
bridged 6.1 and 6.12 drivers build warning-free on both kernels (main.c and
the zoned code; 6.12's with struct rq_list and its .queue_rqs on 6.1).
"""

from __future__ import annotations

import pytest

from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import intree


def test_null_blk_61_layer_builds_clean_on_both(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    drv = drv_mod.load(intree.find("null_blk@6.1").path, label="null_blk@6.1")
    out = tmp_path / "out"
    rep = bridge(drv, [tree61, tree612], "layer", out)
    shims = {s["rule"] for s in rep.shims}
    assert {"blk_alloc_disk_takes_limits", "queue_flag_add_random_removed",
            "queue_flag_virt_removed", "zoned_settings_in_queue_limits"} <= shims
    for tree in (tree612, tree61):
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (tree.name, diags, undefined)


def test_null_blk_612_layer_builds_clean_on_both(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    drv = drv_mod.load(intree.find("null_blk@6.12").path, label="null_blk@6.12")
    out = tmp_path / "out"
    rep = bridge(drv, [tree61, tree612], "layer", out)
    assert rep.ok and not rep.unbridged, rep.unbridged
    assert {"rq_list_type", "zoned_settings_in_queue_limits", "queue_limits_features",
            "blk_mq_alloc_disk_takes_limits"} <= {s["rule"] for s in rep.shims}
    for tree in (tree61, tree612):
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (tree.name, diags, undefined)


def test_member_api_counts_only_its_own_struct():  # type: ignore[no-untyped-def]
    # null_blk's only .release is configfs_item_operations', not block_device_operations':
    # no shim (and no "not bridged") for block_device_operations_release_no_mode
    from kbridge.actions.bridge import layer
    from kbridge.knowledge import rules as rules_mod

    for label in ("null_blk@6.1", "null_blk@6.12"):
        drv = drv_mod.load(intree.find(label).path, label=label)
        fields, designated = layer.member_uses(drv)
        assert ("configfs_item_operations", "release") in designated
        used = {r.id for r in layer.used_rules(rules_mod.load(), drv)}
        assert "block_device_operations_release_no_mode" not in used
        assert "queue_limits_features" in used or label == "null_blk@6.1"


@pytest.mark.parametrize("series,state", [("5.10", "neither"), ("6.1", "old"), ("6.12", "new"),
                                          ("7.3", "new")])
def test_zoned_settings_probe_answers_neither_on_510(series, state, roots_ready):  # type: ignore[no-untyped-def]
    """zoned_settings_in_queue_limits states both sides (the gendisk setters; BLK_FEAT_ZONED in
    the queue limits): 5.10 has neither (its zoned model is blk_queue_set_zoned() and the
    queue's own max_open_zones), so a newer driver's zoned calls there are reported as such
    -- before, the one-sided probe took 5.10 for a newer kernel ("new")."""
    from conftest import probe_states
    rule = "zoned_settings_in_queue_limits"
    assert probe_states(series, [rule])[rule] == state
