"""blk_alloc_disk(lim, node) on 6.1: the bio-based allocator with limits, in booted guests.

The fixture kbtest_bio_new is written for the >= 6.9 API. Built natively on
6.12 and bridged by the layer on 6.1, each is loaded in its kernel's guest:
the queue attributes user space sees must be the same, and an allocation
with invalid limits must give ERR_PTR(-EINVAL) on both (6.1's own allocator
returns NULL on failure and knows no limits).
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod

LAYER = FIXTURES / "layer"


@pytest.mark.slow
def test_bio_disk_with_limits_same_queue_on_both_kernels(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.image import ensure_image
    from kbridge.actions.guest.runner import run_guest

    for t in (tree61, tree612):     # fetched into the cache when missing; unobtainable = failure
        ensure_image(t.release)
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(LAYER / "kbtest_bio_new"), [tree612, tree61], "layer", out)
    assert rep.ok and {"blk_alloc_disk_takes_limits", "queue_limits_features"} <= \
        {s["rule"] for s in rep.shims}, rep.unbridged
    seen = {}
    for tree in (tree61, tree612):
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, proc.stdout[-2000:]
        ko = tmp_path / f"kbtest_bio-{tree.release}.ko"
        ko.write_bytes((out / "kbtest_bio.ko").read_bytes())
        g = run_guest([ko], tree.release, test_script=LAYER / "bio_attrs.sh", timeout=240)
        assert g.ok, (tree.release, g.reasons, g.problems)
        seen[tree.release] = dict(line.split(" ", 1)[1].split("=", 1)
                                  for line in g.test_output.splitlines() if line.startswith("kbq "))
    new, old = seen[tree612.release], seen[tree61.release]
    assert new["logical_block_size"] == "4096" and new["max_hw_sectors_kb"] == "64"
    assert new["optimal_io_size"] == "65536" and new["rotational"] == "0"
    assert new["write_cache"] == "write back" and new["iostats"] == "0"
    assert new["invalid_result"] == "-22" and old["invalid_result"] == "-22"
    common = set(new) & set(old)
    assert len(common) >= 16
    assert {a: old[a] for a in common} == {a: new[a] for a in common}
