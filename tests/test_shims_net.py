"""Networking shims: each promise checked on the real kernels.

new_on_old (6.12's API on 6.1), tests/fixtures/layer/kbtest_net_new: a small
module written against 6.12 (dev->lltx, dev->change_proto_down,
ndo_hwtstamp_get/set with generic_hwtstamp_*_lower(), get_ts_info with
struct kernel_ethtool_ts_info, ethtool_get_ts_info_by_layer(),
IFLA_MACVLAN_BC_CUTOFF), bridged with the layer and with inline: it builds
clean on both kernels (its static_asserts pin the types, layouts and uapi
values), and in a booted 6.1 the kernel sees what 6.12 would do with the
bits (NETIF_F_LLTX on, proto_down accepted) and hardware time-stamping ioctls
reach the driver's ndo_hwtstamp_set/get with the newer core's conversions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod

NET_NEW = FIXTURES / "layer" / "kbtest_net_new"
NEW_RULES = {"netdev_lltx", "netdev_change_proto_down", "ethtool_kernel_ts_info",
             "ethtool_get_ts_info_by_layer", "netdev_hwtstamp_ndo", "ifla_macvlan_bc_cutoff"}


def _bridge_net_new(tree61, tree612, out: Path, strategy: str):  # type: ignore[no-untyped-def]
    rep = bridge(drv_mod.load(NET_NEW), [tree612, tree61], strategy, out)
    assert rep.ok, rep.unbridged
    for tree in (tree612, tree61):
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (strategy, tree.name, diags,
                                                                       undefined, proc.stdout[-2000:])
    return rep


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["layer", "inline"])
def test_net_new_api_static_promises_on_61(tree61, tree612, tmp_path, strategy):  # type: ignore[no-untyped-def]
    rep = _bridge_net_new(tree61, tree612, tmp_path / strategy, strategy)
    if strategy == "layer":
        assert NEW_RULES <= {s["rule"] for s in rep.shims}
        # the driver's file is untouched
        assert (tmp_path / "layer" / "kbtest_net.c").read_bytes() == (NET_NEW / "kbtest_net.c").read_bytes()


@pytest.mark.slow
def test_net_new_api_bits_reach_the_61_kernel(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    """dev->lltx / dev->change_proto_down set by a 6.12-style driver: 6.1 itself must act on them."""
    from kbridge.actions.guest.runner import run_guest

    out = tmp_path / "layer"
    _bridge_net_new(tree61, tree612, out, "layer")
    run_kbuild(out, tree61)
    ko = tmp_path / "kbtest_net-61.ko"
    ko.write_bytes((out / "kbtest_net.ko").read_bytes())
    g = run_guest([ko], tree61.release, test_script=NET_NEW / "check.sh", timeout=240)
    assert g.ok, (g.reasons, g.problems)
    seen = dict(line.split(" ", 1)[1].replace(": ", "=", 1).split("=", 1)
                for line in g.test_output.splitlines() if line.startswith("kbn "))
    assert seen.get("proto_down") == "1", g.test_output
    assert seen.get("tx-lockless", "").startswith("on"), g.test_output
    # SIOCSHWTSTAMP/SIOCGHWTSTAMP through ndo_eth_ioctl reach the driver's ndo_hwtstamp_set/get:
    # the driver's widened rx filter (PTP_V2_L2_SYNC 10 -> PTP_V2_L2_EVENT 9) is copied back,
    # read back by GET, and its refusal comes back as its own error (-ERANGE)
    assert seen.get("hwtstamp_set") == "0 tx=1 rx=9", g.test_output
    assert seen.get("hwtstamp_get") == "0 tx=1 rx=9", g.test_output
    assert seen.get("hwtstamp_bad") == "-34", g.test_output
