"""Synchronous SCSI commands and command time-outs across 5.10..7.3 (rules scsi_execute_cmd,
blk_opf_t_added, scsi_eh_timed_out_action).

5.10 and 6.1 have __scsi_execute() with the macro scsi_execute() and scsi_execute_req(); 6.12
and later only scsi_execute_cmd(sdev, cmd, opf, buf, len, timeout, retries, args), whose args
may carry failures the function retries itself. tests/fixtures/layer/kbtest_scsiexec_new
(6.12's API: args with sense, sshdr, resid, BLK_MQ_REQ_PM, failures; a blk_opf_t operation)
and kbtest_scsiexec_old (6.1's: scsi_execute() and scsi_execute_req(), REQ_FAILFAST_DEV and
RQF_PM) each host a device of their own (LUN 0: TEST UNIT READY answering UNIT ATTENTION a
set number of times, a short read, a failing command with sense, a write) and at load print
what every command returned: result, sense bytes, decoded sense, residue, the tail of the
short read, how often the device saw the command, the direction and request flags it saw;
then a command the device never completes, twice: its ->eh_timed_out (6.12: enum
scsi_timeout_action; 6.1: enum blk_eh_timer_return) first resets the timer and then
completes the command itself, then leaves it to the core, which aborts it (->eh_abort_handler)
and finishes it with DID_TIME_OUT.
The new one is loaded natively on 6.12 and bridged on 5.10 and 6.1, the old one natively on
6.1 and bridged on 6.12 and the newest kernel: the bridged answers must equal the native
ones. One boot per kernel, shared with other files' init-time modules (tests/sharedboot.py).

Checked to fail with the shims stubbed (tests/mutations.toml): new_on_old's failures loop
dropped (the bridged 5.10/6.1 answers retry_result=2 retry_calls=1 against 6.12's 0 and 3),
old_on_new's sense kept as the newer function writes it (good_sense_kept 0 against 6.1's 96),
scsi_eh_timed_out_action's old_on_new BLK_EH_DONE read as SCSI_EH_DONE (the second time-out is
never aborted: 6.12's boot times out), its new_on_old SCSI_EH_NOT_HANDLED as a timer reset.

review15: a buffer no request can map (64 MiB, over the queue's max_hw_sectors; a length
without a buffer) is blk_rq_map_kern()'s -EINVAL on 6.12 (and 6.1); 5.10's __scsi_execute()
says DRIVER_ERROR << 24 for it, which the shim answered -EIO: map_big_result/map_null_result
were -5 on the bridged 5.10 against 6.12's -22 (mutation scsiexec_unmapped_eio).
"""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES, newest_series, probe_states, release
from kbridge.actions.bridge import bridge
from kbridge.actions.guest import runner
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets
from sharedboot import Entry

NEW = FIXTURES / "layer" / "kbtest_scsiexec_new"
OLD = FIXTURES / "layer" / "kbtest_scsiexec_old"
RULE = "scsi_execute_cmd"


@pytest.mark.parametrize("series,state", [("5.10", "old"), ("6.1", "old"), ("6.12", "new"),
                                          ("7.3", "new")])
def test_probe_states(series, state, roots_ready):  # type: ignore[no-untyped-def]
    """scsi_execute_cmd and scsi_eh_timed_out_action change between 6.1 and 6.12 (the
    failures after 6.3, the time-out action in 6.2); blk_opf_t is there from 6.0."""
    got = probe_states(series, [RULE, "scsi_eh_timed_out_action", "blk_opf_t_added"])
    assert got == {RULE: state, "scsi_eh_timed_out_action": state,
                   "blk_opf_t_added": "old" if series == "5.10" else "new"}, got


def _answers(dmesg: list[str]) -> dict[str, str]:
    out = {}
    for line in dmesg:
        m = re.search(r"kbx (\w+)=(-?\d+)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def _cells() -> dict[str, list[tuple[object, str, str]]]:
    """series -> [(fixture, its home, label)] loaded in that kernel's boot."""
    newest = newest_series()
    return {"5.10": [(NEW, "6.12", "new")], "6.1": [(OLD, "6.1", "old"), (NEW, "6.12", "new")],
            "6.12": [(NEW, "6.12", "new"), (OLD, "6.1", "old")], newest: [(OLD, "6.1", "old")]}


def _entry(series: str, side: str) -> Entry:
    src, home, _ = next(c for c in _cells()[series] if c[2] == side)

    def build(dest):  # type: ignore[no-untyped-def]
        path = src
        if series != home:
            path = dest / "bridged"
            rep = bridge(drv_mod.load(src), [targets.resolve(home), targets.resolve(series)],
                         "layer", path, home=home)
            assert not rep.unbridged, rep.unbridged
            direction = "new_on_old" if src is NEW else "old_on_new"
            assert f"## {RULE} ({direction})" in (path / "compat" / "RULES.md").read_text()
        b, kos = runner.build_for(path, release(series), dest / "build")
        assert b.ok, b.log
        return kos

    return Entry(f"scsiexec:{side}:{series}", series, build)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    if name == "test_native_and_bridged_commands_answer_alike":
        return [_entry(s, side) for s, cells in _cells().items() for _, _, side in cells]
    return []


@pytest.mark.slow
def test_native_and_bridged_commands_answer_alike(shared_boot):  # type: ignore[no-untyped-def]
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for s, cells in _cells().items():
        for _, _, side in cells:
            g = shared_boot(_entry(s, side))
            assert g.ok, (s, side, g.reasons, g.problems)
            seen[(side, s)] = _answers(g.dmesg)
            assert seen[(side, s)].get("done") == "1", (s, side, g.dmesg[-20:])
    new, old = seen[("new", "6.12")], seen[("old", "6.1")]
    # what the native runs say (the device's script): the failures retried twice, the
    # allowance and the total each stop at their count, a short read of 40 of 64 bytes
    assert (new["retry_result"], new["retry_calls"], new["limit_calls"], new["total_calls"],
            new["nomatch_calls"], new["read_resid"], new["read_tail_zero"]) == \
        ("0", "3", "2", "3", "1", "24", "24"), new
    assert (old["req_result"], old["req_calls"], old["good_sense_kept"], old["write_pm"],
            old["write_failfast"]) == ("2", "1", "96", "1", "1"), old
    # the time-out callbacks: once more then completed by the driver (SCSI_EH_DONE /
    # BLK_EH_DONE on a completed command), and left to the core (SCSI_EH_NOT_HANDLED / the
    # older BLK_EH_DONE): aborted, finished by error handling with DID_TIME_OUT
    for native in (new, old):
        assert (native["to1_result"], native["to1_calls"], native["to1_aborts"],
                native["to2_calls"], native["to2_aborts"]) == ("0", "2", "0", "1", "1"), native
        assert (int(native["to2_result"]) >> 16) & 0xff == 3, native
    for (side, s), got in seen.items():
        native = new if side == "new" else old
        assert got == native, (side, s, {k: (v, native.get(k)) for k, v in got.items()
                                         if native.get(k) != v})
