"""mac80211's ieee80211_ops across 6.1 and 6.12 (rules ieee80211_ops_stop_suspend,
ieee80211_wake_tx_queue_mandatory, ieee80211_chanctx_emulated; the table copy of
knowledge/fragments/mac80211_ops_box.h).

tests/fixtures/layer/kbtest_m80211_old is a driver as 6.1 writes one (stop(hw), no
.wake_tx_queue, no chanctx ops), kbtest_m80211_new one as 6.12 writes it (stop(hw, suspend),
ieee80211_handle_wake_tx_queue, the ieee80211_emulate_* helpers). Each registers an hw with
no hardware, brings mac80211's station interface up and down from its init and counts the
calls into its table (see the fixtures' comments for the checks). Each runs natively in its
own kernel's shared boot and bridged (layer) in the other's: the same checks pass on both.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, probe_states
from sharedboot import Entry, assert_all_checks_ok, native_on_home

OLD = FIXTURES / "layer" / "kbtest_m80211_old"
NEW = FIXTURES / "layer" / "kbtest_m80211_new"
RULES = ["ieee80211_ops_stop_suspend", "ieee80211_wake_tx_queue_mandatory",
         "ieee80211_chanctx_emulated"]
CHECKS = ["alloc", "register", "open", "close"]


@pytest.mark.parametrize("series,state", [("5.10", "old"), ("6.1", "old"), ("6.12", "new"),
                                          ("7.3", "new")])
def test_probe_states(series, state, roots_ready):  # type: ignore[no-untyped-def]
    assert probe_states(series, RULES) == dict.fromkeys(RULES, state)


def _entry(fixture: str, series: str) -> Entry:
    src, home = (OLD, "6.1") if fixture == "old" else (NEW, "6.12")
    return native_on_home(f"m80211-{fixture}", series, src, home, RULES[0])


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    if name != "test_mac80211_driver_alike":
        return []
    return [_entry(params["fixture"], params["series"])]


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["old", "new"])
@pytest.mark.parametrize("series", ["6.1", "6.12"])
def test_mac80211_driver_alike(fixture, series, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry(fixture, series))
    assert_all_checks_ok(g, "kbm80211", CHECKS, f"kbtest_m80211_{fixture}")
