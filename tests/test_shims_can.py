"""can_echo_skb_frame_len: a 5.10 CAN driver's echo-skb calls (can_put_echo_skb(skb, dev,
idx), can_get_echo_skb(dev, idx), can_free_echo_skb(dev, idx)) on the newest kernel, whose
calls carry the frame length.

tests/fixtures/layer/kbtest_can_old is such a driver; its init registers a CAN device and
works its echo slot as a driver's xmit and TX-done paths do (see the fixture's comment for the
checks). It runs natively in 5.10's shared boot and bridged (layer) in the newest kernel's:
the same checks pass on both. The newer driver on 5.10 is refused with the reason (its frame
lengths feed byte queue limits an older echo slot cannot carry).
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, newest_series, probe_states
from sharedboot import Entry, assert_all_checks_ok, native_on_home

OLD = FIXTURES / "layer" / "kbtest_can_old"
RULE = "can_echo_skb_frame_len"
CHECKS = ["put_stored", "put_busy", "get_len", "get_empty", "free", "not_looped"]


@pytest.mark.parametrize("series,state", [("5.10", "old"), ("6.1", "new"), ("7.3", "new")])
def test_probe_states(series, state, roots_ready):  # type: ignore[no-untyped-def]
    assert probe_states(series, [RULE]) == {RULE: state}


def _entry(series: str) -> Entry:
    return native_on_home("can", series, OLD, "5.10", RULE)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    return [_entry(params["series"])] if name == "test_old_can_driver_echo_slot_alike" else []


@pytest.mark.slow
@pytest.mark.parametrize("series", ["5.10", newest_series()])
def test_old_can_driver_echo_slot_alike(series, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry(series))
    assert_all_checks_ok(g, "kbcan", CHECKS, "kbtest_can_old")
