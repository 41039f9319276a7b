"""ethtool_ops.get_eee/set_eee: struct ethtool_eee (32-bit link-mode masks) -> struct ethtool_keee
(link-mode bitmaps), rule ethtool_keee (d80a52335374, 6.9), bridged both ways between 5.10 and
the newest series with trampolines in the driver's own ethtool_ops (ethtool_kernel_ts_info's
wrapper of <linux/ethtool.h> renames the kernel's slots and appends the driver's, as for
get/set_coalesce and get/set_ringparam: tests/test_shims_ethtool_ops.py).

tests/fixtures/layer/kbtest_eee_old (the older form, device kbeeeo0) and kbtest_eee_new (the
newer form, device kbeeen0) register the same device: EEE supported 100baseT/Full and
1000baseT/Full, advertised 1000baseT/Full, link partner both, enabled, tx LPI on with 10 us;
their set callbacks print what the core handed them. tests/fixtures/layer/kbtest_eee_new/eee.sh
runs Debian's ethtool (the tools disk; netlink) on each device: --show-eee, --set-eee (both
modes, tx-timer 20), --show-eee, a tx-timer the drivers refuse, and advertise
0x800000000028 (2500baseT/Full: beyond the legacy 32-bit masks).

* the probes answer old on 5.10 and 6.1, new on 6.12 and the newest;
* both fixtures bridge for 5.10 and the newest (layer, ABI-checked on both kernels by bridge);
* sweep (one boot each, with the tools disk, so not a shared boot):
  - test_newer_on_510_in_guest: on 5.10 the bridged kbtest_eee_new and the native
    kbtest_eee_old answer every request alike (the mode beyond bit 31 refused by 5.10's core
    for both), and the newer driver's set callback gets what the newer kernel's netlink set
    hands it: loaded with wide=1 (2500baseT/Full supported and advertised), a set of the
    timer alone keeps 2500baseT/Full advertised (review14: before, the set trampoline
    rebuilt the bitmaps from 5.10's 32-bit request and cleared it -- the mutation
    ethtool_keee_set_32bit), and `advertise 0x28` replaces the advertised modes whole;
  - test_older_on_newest_in_guest: on the newest kernel the bridged kbtest_eee_old and the
    native kbtest_eee_new answer alike, but for the mode beyond bit 31, which the bridged older
    driver refuses as 5.10's core refuses it and the newer driver takes.

Checked to fail first: without the rule the fixtures do not build on the other kernel
(incompatible pointer type in the ethtool_ops initializer: the bridge tests fail on main
c3b480a); with the old_on_new get trampoline stubbed to skip the link partner's modes (the
mutation ethtool_keee_get_no_lp) the newest-kernel run fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, bridge_newest_and_510, newest_series, probe_states, release
from kbridge.actions.guest import runner

OLD = FIXTURES / "layer" / "kbtest_eee_old"
NEW = FIXTURES / "layer" / "kbtest_eee_new"
SCRIPT = NEW / "eee.sh"
RULE = "ethtool_keee"
NEWEST = newest_series()


@pytest.mark.parametrize("series,state", [("5.10", "old"), ("6.1", "old"), ("6.12", "new"),
                                          (NEWEST, "new")])
def test_probe_states(series, state, roots_ready):  # type: ignore[no-untyped-def]
    assert probe_states(series, [RULE]) == {RULE: state}


def _bridge(fixture: Path, out: Path, direction: str) -> Path:
    return bridge_newest_and_510(fixture, out, direction, (RULE,))


@pytest.fixture(scope="module")
def new_out(tmp_path_factory, roots_ready):  # type: ignore[no-untyped-def]
    return _bridge(NEW, tmp_path_factory.mktemp("eeen") / "out", "new_on_old")


@pytest.fixture(scope="module")
def old_out(tmp_path_factory, roots_ready):  # type: ignore[no-untyped-def]
    return _bridge(OLD, tmp_path_factory.mktemp("eeeo") / "out", "old_on_new")


@pytest.mark.slow
def test_both_forms_bridge_and_keep_the_kernels_layout(new_out, old_out):  # type: ignore[no-untyped-def]
    # bridge built each OUT on both kernels for its ABI check ("ABI on ...: ok")
    for out in (new_out, old_out):
        assert f"## {RULE}" in (out / "compat" / "RULES.md").read_text()


def _answers(g) -> dict[str, dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    assert g.ok, (g.release, g.reasons, g.problems, g.test_output)
    out: dict[str, dict[str, list[str]]] = {}
    for line in g.test_output.splitlines():
        if line.startswith("kbe "):
            _, dev, rest = line.split(" ", 2)
            key, value = rest.split("=", 1)
            out.setdefault(dev, {}).setdefault(key, []).append(value.strip())
    return out


SHOW = ("EEE status: enabled - active Tx LPI: 10 (us) Supported EEE link modes: 100baseT/Full "
        "1000baseT/Full Advertised EEE link modes: 1000baseT/Full Link partner advertised EEE "
        "link modes: 100baseT/Full 1000baseT/Full")
AFTER = SHOW.replace("10 (us)", "20 (us)").replace(
    "Advertised EEE link modes: 1000baseT/Full", "Advertised EEE link modes: 100baseT/Full 1000baseT/Full")
SET = "adv=0x28 sup=0x28 en=1 lpi=1 timer=20"


WIDE_SUP = "sup=0x800000000028"
# 5.10, the bridged newer driver loaded with wide=1 (2500baseT/Full supported and advertised):
# a netlink set of the timer alone hands the driver its own bitmaps (5.10's ethnl_set_eee: the
# get answer, 32 bits, with the change; the newer kernel's: the full get answer with it), then
# `advertise 0x28` (a NOMASK bitset) replaces the advertised modes whole
KEEP = ["adv=0x800000000020 " + WIDE_SUP + " en=1 lpi=1 timer=15 wide=1",
        SET.replace("sup=0x28", WIDE_SUP) + " wide=0"]


def _check(ans: dict[str, dict[str, list[str]]], wide_taken: bool, keep: bool = False) -> None:
    old, new = ans.get("kbeeeo0", {}), ans.get("kbeeen0", {})
    for dev in (old, new):
        assert dev.get("show") == [SHOW] and dev.get("after") == [AFTER], ans
        assert dev.get("set_rc") == ["0"] and dev.get("refused_rc", ["0"]) != ["0"], ans
    assert old.get("set") == [SET], ans
    assert old.get("wide_rc", ["0"]) != ["0"] and old.get("final") == [AFTER], ans
    # the newer driver's set callback also says whether 2500baseT/Full reached it
    if wide_taken:
        # (bit 47 is in the bitmap's first word, which the callback prints)
        assert new.get("wide_rc") == ["0"] and new.get("set") == [
            SET + " wide=0", SET.replace("adv=0x28", "adv=0x800000000028") + " wide=1"], ans
    elif keep:
        assert new.get("keep_rc") == ["0"], ans
        assert new.get("wide_rc", ["0"]) != ["0"] and new.get("final") == [AFTER], ans
        assert new.get("set") == KEEP, ans
    else:
        assert new.get("wide_rc", ["0"]) != ["0"] and new.get("final") == [AFTER], ans
        assert new.get("set") == [SET + " wide=0"], ans


@pytest.mark.slow
@pytest.mark.sweep
def test_newer_on_510_in_guest(new_out, tmp_path):  # type: ignore[no-untyped-def]
    b, kos = runner.build_for(new_out, release("5.10"), tmp_path / "bridged")
    assert b.ok, b.log
    n, nkos = runner.build_for(OLD, release("5.10"), tmp_path / "native")
    assert n.ok, n.log
    # the bridged newer driver last, with wide=1 (params go to the last module)
    _check(_answers(runner.run_guest(nkos + kos, release("5.10"), params=["wide=1"], test_script=SCRIPT,
                                     tools=True, timeout=600)), wide_taken=False, keep=True)


@pytest.mark.slow
@pytest.mark.sweep
def test_older_on_newest_in_guest(old_out, tmp_path):  # type: ignore[no-untyped-def]
    b, kos = runner.build_for(old_out, release(NEWEST), tmp_path / "bridged")
    assert b.ok, b.log
    n, nkos = runner.build_for(NEW, release(NEWEST), tmp_path / "native")
    assert n.ok, n.log
    _check(_answers(runner.run_guest(nkos + kos, release(NEWEST), test_script=SCRIPT, tools=True,
                                     timeout=600)), wide_taken=True)
