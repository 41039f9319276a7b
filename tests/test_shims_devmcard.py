"""snd_devm_card_new_added and snd_card_free_on_error_added: a sound driver written for the
newest kernel -- its card made with snd_devm_card_new(), its probe ending in
snd_card_free_on_error() -- on 5.10, whose sound core has no device-managed card.

tests/fixtures/layer/kbtest_devmcard is such a driver. Its init registers its own platform
devices (as snd-dummy does); the device id picks the probe's path: a card registered, then the
device unbound and bound again; snd_card_register() failing; a failure before registering with
and without snd_card_free_on_error(); the driver freeing its registered card itself and failing.
Each probe adds a devres action after the card (as a devm irq would be). The checks (see the
fixture): the card is in the core's list with its /proc/asound/cardN and sysfs entries while
bound and gone after; its private data is zeroed, aligned and alive until the later resource
is released; it is freed exactly once and in the newer core's order (first of the device's
resources once registered or through snd_card_free_on_error(), devres order otherwise); the
core's card pointer is the driver's. The same checks pass natively on the newest kernel and
bridged (layer) on 5.10, where any BUG/WARNING (a refcount underflow of a twice-freed card)
also fails the boot.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, newest_series, probe_states
from sharedboot import Entry, assert_all_checks_ok, native_on_home

NEW = FIXTURES / "layer" / "kbtest_devmcard"
RULES = ["snd_devm_card_new_added", "snd_card_free_on_error_added"]
ROUNDS = {"first": ["bound", "listed", "proc_sys", "same_card", "private_data", "unbind_frees_once",
                    "unbind_card_first", "unbind_data_alive", "unlisted", "proc_sys_gone", "slot_free"],
          "fail": ["probe", "frees_once", "order", "unlisted", "proc_sys_gone", "still_once"]}
CHECKS = [f"{r}_{c}" for r in ("first", "again") for c in ROUNDS["first"]] + \
         [f"fail{m}_{c}" for m in range(1, 5) for c in ROUNDS["fail"]]


@pytest.mark.parametrize("series,state", [("5.10", "old"), ("6.1", "new"), ("7.3", "new")])
def test_probe_states(series, state, roots_ready):  # type: ignore[no-untyped-def]
    assert probe_states(series, RULES) == dict.fromkeys(RULES, state)


def _entry(series: str) -> Entry:
    home = newest_series()
    e = native_on_home("devmcard", series, NEW, home, RULES[0])
    return Entry(e.label, e.series, e.build, claims=("platform:kbtest_devmcard",))


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    return [_entry(params["series"])] if name == "test_managed_card_lives_and_dies_alike" else []


@pytest.mark.slow
@pytest.mark.parametrize("series", ["5.10", newest_series()])
def test_managed_card_lives_and_dies_alike(series, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry(series))
    assert_all_checks_ok(g, "kbdc", CHECKS, "kbtest_devmcard")
