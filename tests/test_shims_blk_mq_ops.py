"""The newer blk-mq callbacks on 5.10 (rule blk_mq_ops_newer_signatures, new_on_old), and the
newer name of the request operation type (rule enum_req_op: enum req_op, 5.10's enum req_opf).

tests/fixtures/layer/kbtest_bmo_new is written for the newest kernels' blk_mq_ops: .timeout(rq)
without the reserved flag, .poll(hctx, iob) completing through blk_mq_add_to_batch() /
blk_mq_end_request_batch(), .map_queues returning void (a default and a poll queue), .queue_rqs
(struct rq_list *) and .complete, on a 1 MiB RAM disk from the three-argument
blk_mq_alloc_disk(). The layer stores each callback in the kernel's own slot (a union of both
types while <linux/blk-mq.h> is read; queue_rqs in 5.10's initialize_rq_fn slot) and gives the
tag set a copy of its ops whose slots are trampolines of 5.10's types.

* the probe answers old on 5.10 only (6.1, 6.12 and the newest have the newer forms);
* OUT (layer, with the ABI check: struct blk_mq_ops must keep 5.10's layout in the module's
  DWARF) and the inline strategy's OUT build clean on 5.10 and the newest kernel;
* one guest boot of 5.10 (the bridged module) and one of the newest kernel (the module
  natively) run tests/fixtures/layer/kbtest_bmo_new/bmo_io.sh: a 512 KiB O_DIRECT round trip;
  a polled write + verify with fio's io_uring engine (--hipri), which makes the kernel call
  .poll through the poll queue .map_queues set up (io_poll 1, two hardware queues); a read of
  the sector the driver never completes, which only .timeout completes (it fails with EIO and
  the device works after it); then rmmod. Both kernels give the same answers and the same
  counts of .timeout, .complete, .map_queues and polled requests; on 5.10 .queue_rqs is never
  called (every request goes through .queue_rq, as the newer kernel does without it) and no
  completion is batched (5.10 polls without a batch, the newest batches every polled one).

The fixture's kb_moves_data(enum req_op op) decides which requests carry data, so the round
trips also check that req_op(rq) still gives 5.10's operation through the renamed tag.

Checked to fail first: with enum_req_op's shim emptied the 5.10 build failed (parameter 1
('op') has incomplete type); with the map_queues trampoline stubbed to return 0 without calling the
driver's, the 5.10 run fails (one hardware queue instead of two, map_calls 0).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, newest_series, probe_states, release
from kbridge.actions.bridge import bridge
from kbridge.actions.guest import runner
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

FIXTURE = FIXTURES / "layer" / "kbtest_bmo_new"
SCRIPT = FIXTURE / "bmo_io.sh"
RULE = "blk_mq_ops_newer_signatures"
# answers both kernels must give alike
SAME = ["roundtrip", "fio_poll", "timeout_read", "after_timeout", "io_poll", "hw_queues",
        "timeout_calls", "complete_calls", "map_calls", "poll_done", "unloaded"]


@pytest.mark.parametrize("series,state", [("5.10", "old"), ("6.1", "new"), ("6.12", "new"),
                                          ("7.3", "new")])
def test_probe_states(series, state, roots_ready):  # type: ignore[no-untyped-def]
    assert probe_states(series, [RULE])[RULE] == state


@pytest.fixture(scope="module")
def kernels(trees):  # type: ignore[no-untyped-def]
    return {s: targets.resolve(s, trees=trees) for s in (newest_series(), "5.10")}


@pytest.fixture(scope="module")
def layer_out(tmp_path_factory, kernels):  # type: ignore[no-untyped-def]
    """`kbridge bridge` (layer, ABI-checked on both kernels) of the fixture for the newest and 5.10."""
    out = tmp_path_factory.mktemp("bmo") / "out"
    exe = Path(sys.executable).parent / "kbridge"
    proc = subprocess.run([str(exe), "bridge", str(FIXTURE), "--target", newest_series(),
                           "--target", "5.10", "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert f"shim {RULE} (new_on_old" in proc.stdout, proc.stdout
    assert "shim rq_list_type (new_on_old" in proc.stdout, proc.stdout
    assert "shim enum_req_op (new_on_old" in proc.stdout, proc.stdout
    return out


def test_driver_files_untouched(layer_out):  # type: ignore[no-untyped-def]
    name = "kbtest_bmo_new.c"
    assert (layer_out / name).read_bytes() == (FIXTURE / name).read_bytes()


@pytest.mark.slow
def test_inline_builds_clean_on_both_kernels(kernels, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "inline"
    rep = bridge(drv_mod.load(FIXTURE), list(kernels.values()), "inline", out)
    assert not rep.unbridged, rep.unbridged
    for series, tree in kernels.items():
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (series, proc.stdout[-3000:])


def _answers(g) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert g.ok, (g.release, g.reasons, g.problems, g.test_output)
    return dict(line.split(" ", 1)[1].split("=", 1)
                for line in g.test_output.splitlines() if line.startswith("kbbmo "))


@pytest.mark.slow
def test_bridged_on_510_behaves_as_native_on_the_newest(layer_out, tmp_path):  # type: ignore[no-untyped-def]
    b, kos = runner.build_for(layer_out, release("5.10"), tmp_path / "b510")
    assert b.ok, b.log
    n, nkos = runner.build_for(FIXTURE, release(newest_series()), tmp_path / "native")
    assert n.ok, n.log
    old = _answers(runner.run_guest(kos, release("5.10"), test_script=SCRIPT, tools=True,
                                    timeout=300))
    new = _answers(runner.run_guest(nkos, release(newest_series()), test_script=SCRIPT,
                                    tools=True, timeout=300))
    expected = {"roundtrip": "ok", "fio_poll": "ok", "timeout_read": "failed",
                "after_timeout": "ok", "io_poll": "1", "hw_queues": "2", "map_calls": "1",
                "unloaded": "yes"}
    assert {k: new[k] for k in expected} == expected, new
    assert {k: old[k] for k in SAME} == {k: new[k] for k in SAME}, (old, new)
    assert int(new["timeout_calls"]) >= 1 and int(new["poll_done"]) >= 64, new
    # 5.10 never calls queue_rqs and never hands poll a batch
    assert old["queue_rqs_calls"] == "0" and old["batched"] == "0", old
    assert int(old["poll_calls"]) >= 1, old




def test_timeout_alone_builds_on_510(kernels, tmp_path):  # type: ignore[no-untyped-def]
    """Review (session 8): a driver whose only newer blk_mq_ops callback is .timeout(rq)
    (kbtest_bmo_timeout: no .queue_rqs, so rule rq_list_type is not chosen) bridged onto
    5.10 failed to build -- the rule's struct io_comp_batch holds a struct rq_list, which
    only rq_list_type's wrapper defined ('field req_list has incomplete type') -- while
    bridge reported every API bridged. Build-only: bridged for the newest and 5.10, it
    builds clean on both."""
    out = tmp_path / "layer"
    rep = bridge(drv_mod.load(FIXTURES / "layer" / "kbtest_bmo_timeout"), list(kernels.values()),
                 "layer", out)
    assert not rep.unbridged, rep.unbridged
    notes = (out / "compat" / "RULES.md").read_text()
    assert f"## {RULE} (new_on_old)" in notes and "## rq_list_type" not in notes, notes
    for series, tree in kernels.items():
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (series, proc.stdout[-3000:])
