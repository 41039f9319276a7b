"""phylib's interrupt callbacks (issue 17, bench/README "Far-pair classes, session 11": phylib):
rule phy_driver_ack_interrupt_removed -- a 5.10 PHY driver's .ack_interrupt / .did_interrupt on
6.1..7.3, whose core calls .handle_interrupt and .config_intr only (6527b938426f, 5.11).

The fixture tests/fixtures/layer/kbtest_phyirq_old is a 5.10 PHY driver module with three
drivers in one array (ack only; ack and did; config_intr without ack) on a software MII bus
whose registers it emulates, each PHY with an interrupt of its own (a dummy irq chip). Its
init checks what 5.10's core does with the callbacks -- the ack before enabling, once per
interrupt without did_interrupt, never with it, after disabling; each PHY bound to its own
element of the array; a driver without ack_interrupt polled -- natively in 5.10's shared boot
and bridged in 7.3's (tests/sharedboot.py).
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, bridge_newest_and_510, probe_states
from sharedboot import Entry, module_checks, native_on_home

OLD = FIXTURES / "layer" / "kbtest_phyirq_old"
RULE = "phy_driver_ack_interrupt_removed"
CHECKS = ["bound", "irq_kept", "no_ack_polled", "ack_enable", "ack_enable_imr", "ack_irq",
          "ack_irq_cleared", "ack_disable", "ack_disable_imr", "did_enable", "did_irq",
          "did_irq_none", "did_disable"]


@pytest.mark.parametrize("series", ["5.10", "6.1", "6.12", "7.2", "7.3"])
def test_probe_states(series, roots_ready):  # type: ignore[no-untyped-def]
    want = "old" if series == "5.10" else "new"
    assert probe_states(series, [RULE]) == {RULE: want}


@pytest.mark.slow
def test_bridged_with_the_abi_check_ok(tmp_path):  # type: ignore[no-untyped-def]
    """struct phy_driver grows in the driver's view only: every kernel member keeps its offset."""
    out = bridge_newest_and_510(OLD, tmp_path / "out", "old_on_new", [RULE])
    assert (out / "compat" / "include" / "linux" / "phy.h").is_file()
    assert (out / "kbtest_phyirq_old.c").read_bytes() == (OLD / "kbtest_phyirq_old.c").read_bytes()


def _entry(series: str) -> Entry:
    """5.10: the fixture natively; 7.3: bridged with the layer (home 5.10)."""
    return native_on_home("phyirq", series, OLD, "5.10", RULE)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    return [_entry(params["series"])] if name == "test_ack_and_did_called_as_on_510" else []


def _checks(dmesg: list[str]) -> dict[str, str]:
    return module_checks(dmesg, "kbphyirq")


@pytest.mark.slow
@pytest.mark.parametrize("series", ["5.10", "6.1", "7.3"])     # [6.1]: a sweep cell (conftest)
def test_ack_and_did_called_as_on_510(series, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry(series))
    seen = _checks(g.dmesg)
    assert g.ok, (g.reasons, g.problems, seen)
    assert seen == dict.fromkeys(CHECKS, "ok"), \
        "; ".join(f"{k}: {seen.get(k, 'missing')}" for k in CHECKS if seen.get(k) != "ok")
    assert any("kbtest_phyirq_old: ok" in x for x in g.dmesg)
