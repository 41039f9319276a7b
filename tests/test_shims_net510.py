"""The net wrappers across the whole span of series, 5.10 to the newest (issues 16, 17).

The wrappers of <linux/netdevice.h> and <linux/ethtool.h> (netdev_hwtstamp_ndo,
netdev_lltx, netdev_change_proto_down, ethtool_kernel_ts_info,
netdev_xdp_features) hook members of the kernel's structs in its header text:
struct net_device's last member, struct ethtool_ops' last, the ioctl slot of
struct net_device_ops. Those differ by kernel, so each wrapper names the
members it hooks in its shim.toml (``anchors``), the layer probes them at
build time (``KB_ANCHOR_S_M``) to pick the variant the kernel's text fits
(5.10: xdp_state, set_phy_tunable, ndo_do_ioctl + ndo_get_peer_dev), and
bridge's self-check looks them up in each target's index: a shim whose
anchors a target lacks does not count as covering the API there.

* test_prediction_matches_the_build_*: the self-check and the real build agree
  (xen-netfront of the newest series bridged to 5.10 used to be predicted
  clean and failed with 32 errors);
* test_unknown_anchor_is_not_counted_as_covered: a shim whose anchors the
  target lacks is reported not bridged there, its API not covered;
* test_newest_api_on_510_in_guest: a driver written against the newer API
  (lltx, ndo_hwtstamp_get/set, kernel_ethtool_ts_info, xdp_features) bridged
  to 5.10 and loaded in a 5.10 guest: lockless transmit, the time-stamping
  ioctls through 5.10's ndo_do_ioctl slot, the newer core's answers for the
  ioctls 5.10 sends to that slot;
* test_61_api_on_newest_in_guest: 6.1's NETIF_F_LLTX / IFF_CHANGE_PROTO_DOWN
  driver on the newest series, whose compiler gives every priv flag the type
  unsigned int (a complement that would clear lltx and the driver's
  IFF_CHANGE_PROTO_DOWN bit): the contract module's lines equal 6.1's own.
"""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from conftest import FIXTURES, newest_series
from kbridge.actions.bridge import bridge, home_tree
from kbridge.actions.bridge.predict import predict
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets
from kbridge.knowledge import rules as rules_mod

OLDEST = "5.10"
NEWEST = newest_series()


def _build(out, tree):  # type: ignore[no-untyped-def]
    proc = run_kbuild(out, tree)
    diags, undefined = parse_log(proc.stdout, out)
    return proc.returncode == 0 and not [d for d in diags if d.severity != "warning"] and not undefined, \
        (diags, undefined, proc.stdout[-3000:])


@pytest.mark.slow
def test_prediction_matches_the_build_netfront_newest_on_510(trees, tmp_path):  # type: ignore[no-untyped-def]
    """xen-netfront of the newest series bridged to 5.10: bridge's self-check and the
    real build must agree (before the anchors: predicted clean, 32 errors on 5.10)."""
    old, new = targets.resolve(OLDEST, trees=trees), targets.resolve(NEWEST, trees=trees)
    drv = drv_mod.resolve(f"xen-netfront@{NEWEST}")
    out = tmp_path / "out"
    rep = bridge(drv, [old, new], "layer", out)
    pred = predict(drv, [old, new], rep, rules_mod.load(), home=home_tree(rep.home, [old, new]))
    ok, why = _build(out, old)
    assert ok == (pred.ok and rep.ok), (pred.to_json(), rep.unbridged, why)
    assert ok, why


def test_unknown_anchor_is_not_counted_as_covered(trees, tmp_path):  # type: ignore[no-untyped-def]
    """A wrapper whose anchors a target lacks cannot serve it: bridge reports the rule not
    bridged on that target (naming the anchor) and its self-check does not count the
    API's errors there as covered. ethtool_kernel_ts_info as it was before its 5.10
    variant (anchored on 6.1's last member only) is the case."""
    old, new = targets.resolve(OLDEST, trees=trees), targets.resolve(NEWEST, trees=trees)
    rules = rules_mod.load()
    r = next(x for x in rules if x.id == "ethtool_kernel_ts_info")
    d = r.manifest.direction("new_on_old")
    assert ("struct ethtool_ops.set_phy_tunable",) != d.anchors[0] and \
        "struct ethtool_ops.set_phy_tunable" in d.anchors[0]
    only61 = dataclasses.replace(d, anchors=(("struct ethtool_ops.set_module_power_mode",),))
    man = dataclasses.replace(r.manifest, directions=tuple(
        (k, only61 if k == "new_on_old" else v) for k, v in r.manifest.directions))
    rules = [dataclasses.replace(x, manifest=man) if x.id == r.id else x for x in rules]
    drv = drv_mod.resolve(f"xen-netfront@{NEWEST}")
    rep = bridge(drv, [old, new], "layer", tmp_path / "out", rules=rules)
    gaps = [u for u in rep.unbridged if u.rule == r.id]
    assert gaps and old.name in gaps[0].why and "set_module_power_mode" in gaps[0].why, rep.unbridged
    assert rep.gaps == {old.name: {r.id: rep.gaps[old.name][r.id]}}
    pred = predict(drv, [old, new], rep, rules, home=home_tree(rep.home, [old, new]))
    left = [x for x in pred.remaining if x.target == old.name]
    assert left and all(x.covered_by == "rule" and r.id in x.rules for x in left), pred.to_json()
    assert any("get_ts_info" in x.api for x in left), pred.to_json()
    assert not pred.ok and not [x for x in pred.remaining if x.target == new.name]


# --- a driver written for the newer API, on 5.10 ----------------------------------------

NET_NEW = FIXTURES / "layer" / "kbtest_net_new"


def test_change_proto_down_is_bridged_to_510_and_iff_is_reported(trees, tmp_path):  # type: ignore[no-untyped-def]
    """kbtest_net_new as it is, for 6.1 and 5.10: dev->change_proto_down is bridged on both --
    6.1 through IFF_CHANGE_PROTO_DOWN (netdev_change_proto_down), 5.10, which has neither
    side of that rule, through its ndo_change_proto_down slot (ndo_change_proto_down_removed,
    new_on_old: the earlier change of the same capability) -- and the self-check predicts a
    clean build. Until session 12 5.10 was reported not bridged (this failed: unbridged
    netdev_change_proto_down). 6.1's own form, IFF_CHANGE_PROTO_DOWN (kbtest_net_old), has no
    bridge to 5.10 (no free bit in its unsigned int priv_flags): still reported there."""
    old, home = targets.resolve(OLDEST, trees=trees), targets.resolve("6.12", trees=trees)
    t61 = targets.resolve("6.1", trees=trees)
    drv = drv_mod.load(NET_NEW)
    rep = bridge(drv, [home, t61, old], "layer", tmp_path / "out")
    assert rep.ok, rep.unbridged
    shims = {(str(s["rule"]), s["direction"]) for s in rep.shims}
    assert {("netdev_change_proto_down", "new_on_old"), ("ndo_change_proto_down_removed", "new_on_old")} <= shims
    pred = predict(drv, [home, t61, old], rep, rules_mod.load(), home=home_tree(rep.home, [home, t61, old]))
    assert pred.ok, pred.to_json()
    drv61 = drv_mod.load(FIXTURES / "layer" / "kbtest_net_old")
    rep61 = bridge(drv61, [t61, old], "layer", tmp_path / "out61")
    why = {u.rule: u.why for u in rep61.unbridged}
    assert "netdev_change_proto_down" in why and old.name in why["netdev_change_proto_down"], rep61.unbridged


def _net_new_for_510(dest):  # type: ignore[no-untyped-def]
    """kbtest_net_new without dev->change_proto_down (bridged on 5.10 since session 12:
    test_shims_macvlan.py's kbtest_pdown_new checks it in a guest) and without IFLA_MACVLAN_BC_CUTOFF (see below), with 5.10's ioctl slot read as
    the 5.10 core reads it, and two more checks: xdp_features written and read back,
    and what the slot answers for the ioctls 5.10's core sends there that the newer core
    sends elsewhere (a private one, an MII one without ndo_eth_ioctl, the bridge ones), the
    driver having its own ndo_do_ioctl."""
    shutil.copytree(NET_NEW, dest)
    c = dest / "kbtest_net.c"
    s = c.read_text()
    for old, new in (
            # IFLA_MACVLAN_BC_CUTOFF follows IFLA_MACVLAN_BC_QUEUE_LEN_USED (5.11), which 5.10 lacks
            # (bridged since session 10 through macvlan_bc_queue_len's shim; checked by
            # test_shims_macvlan.py::test_bc_cutoff_has_its_uapi_value_on_510, kept out of this boot)
            ("static_assert(IFLA_MACVLAN_BC_CUTOFF == 9);\n"
             "static_assert(IFLA_MACVLAN_BC_CUTOFF == IFLA_MACVLAN_BC_QUEUE_LEN_USED + 1);\n"
             "static_assert(IFLA_MACVLAN_MAX == IFLA_MACVLAN_BC_CUTOFF);\n", ""),
            ("\tdev->change_proto_down = true;\n", ""),
            ('pr_info("kbnet lltx=%d change_proto_down=%d\\n", kbtest_dev->lltx, kbtest_dev->change_proto_down);',
             'kbtest_dev->xdp_features = NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT;\n'
             '\tpr_info("kbnet lltx=%d xdp_features=%#x\\n", kbtest_dev->lltx, kbtest_dev->xdp_features);'),
            ('#pragma push_macro("ndo_eth_ioctl")\n#undef ndo_eth_ioctl\n'
             '\teth_ioctl = KBT_CORE_SLOT(dev->netdev_ops, ndo_eth_ioctl);\n#pragma pop_macro("ndo_eth_ioctl")',
             '#pragma push_macro("ndo_do_ioctl")\n#undef ndo_do_ioctl\n'
             '\teth_ioctl = KBT_CORE_SLOT(dev->netdev_ops, ndo_do_ioctl);\n#pragma pop_macro("ndo_do_ioctl")'),
            ('\tpr_info("kbnet hwtstamp_bad=%d\\n", bad);\n',
             '\tpr_info("kbnet hwtstamp_bad=%d\\n", bad);\n'
             '\tpr_info("kbnet hwtstamp_private=%d mii=%d\\n", eth_ioctl(dev, &ifr, SIOCDEVPRIVATE),\n'
             '\t\teth_ioctl(dev, &ifr, SIOCGMIIPHY));\n'
             '\tpr_info("kbnet hwtstamp_bridge=%d delif=%d other=%d\\n", eth_ioctl(dev, &ifr, SIOCBRADDIF),\n'
             '\t\teth_ioctl(dev, &ifr, SIOCBRDELIF), eth_ioctl(dev, &ifr, SIOCGIFADDR));\n'),
            # the driver's own ndo_do_ioctl (on the newer kernel only ieee802154's socket calls it)
            ("static const struct net_device_ops kbtest_netdev_ops = {\n",
             "static int kbtest_do_ioctl(struct net_device *dev, struct ifreq *ifr, int cmd)\n"
             "{\n\treturn -ENOTTY;\n}\n\n"
             "static const struct net_device_ops kbtest_netdev_ops = {\n"
             "\t.ndo_do_ioctl\t\t= kbtest_do_ioctl,\n")):
        assert old in s, old
        s = s.replace(old, new)
    assert "change_proto_down" not in s.split("*/", 1)[1]
    c.write_text(s)
    (dest / "check.sh").write_text((NET_NEW / "check.sh").read_text().replace(
        "dmesg | sed -n 's/.*kbnet \\(hwtstamp[^ ]*\\)/kbn \\1/p'",
        "dmesg | sed -n 's/.*kbnet \\(hwtstamp[^ ]*\\)/kbn \\1/p'\n"
        "dmesg | sed -n 's/.*kbnet lltx=[0-9]* \\(xdp_features=.*\\)/kbn \\1/p'"))
    (dest / "check.sh").chmod(0o755)
    return dest


@pytest.mark.slow
def test_newest_api_on_510_in_guest(trees, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.runner import run_guest

    old, home = targets.resolve(OLDEST, trees=trees), targets.resolve("6.12", trees=trees)
    src = _net_new_for_510(tmp_path / "kbtest_net_new")
    for strategy in ("inline", "layer"):       # inline: build only; layer: built and loaded
        out = tmp_path / strategy
        rep = bridge(drv_mod.load(src), [home, old], strategy, out)
        assert rep.ok, rep.unbridged
        assert {"netdev_lltx", "netdev_hwtstamp_ndo", "ethtool_kernel_ts_info",
                "netdev_xdp_features"} <= {str(s["rule"]) for s in rep.shims}
        ok, why = _build(out, old)
        assert ok, (strategy, why)
    g = run_guest([tmp_path / "layer" / "kbtest_net.ko"], old.release, test_script=src / "check.sh",
                  timeout=300)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    seen = dict(line.split(" ", 1)[1].replace(": ", "=", 1).split("=", 1)
                for line in g.test_output.splitlines() if line.startswith("kbn "))
    # dev->lltx became 5.10's NETIF_F_LLTX: the kernel reports the device tx-lockless
    assert seen.get("tx-lockless", "").startswith("on"), g.test_output
    # no change_proto_down (the fixture's 5.10 form drops it): refused, as 6.12 refuses it then
    assert seen.get("proto_down") == "refused", g.test_output
    # SIOCSHWTSTAMP/SIOCGHWTSTAMP through 5.10's ndo_do_ioctl slot reach ndo_hwtstamp_set/get
    # with the newer core's conversions (the widened rx filter copied back, GET reads it,
    # the driver's refusal is its own -ERANGE) -- the answers 6.1's test pins too
    assert seen.get("hwtstamp_set") == "0 tx=1 rx=9", g.test_output
    assert seen.get("hwtstamp_get") == "0 tx=1 rx=9", g.test_output
    assert seen.get("hwtstamp_bad") == "-34", g.test_output
    # a private ioctl (the newer core: ndo_siocdevprivate, which this driver cannot have on
    # 5.10) and an MII one without ndo_eth_ioctl: -EOPNOTSUPP, as the newer core answers
    assert seen.get("hwtstamp_private") == "-95 mii=-95", g.test_output
    # SIOCBRADDIF/SIOCBRDELIF, which 5.10's dev_ifsioc hands to this slot: the newer kernel's
    # sock_ioctl gives them to br_ioctl_call, whose br_ioctl_stub answers -EOPNOTSUPP for a device
    # that is not a bridge master (they never reach a driver's ndo_do_ioctl there); what else
    # reaches the slot (ieee802154's SIOCGIFADDR) is the driver's own ndo_do_ioctl's (-ENOTTY)
    assert seen.get("hwtstamp_bridge") == "-95 delif=-95 other=-25", g.test_output
    # the driver's xdp_features reads back what it wrote (5.10: the struct's tail padding)
    assert seen.get("xdp_features") == "0x3", g.test_output


@pytest.mark.slow
def test_61_api_on_newest_in_guest(trees, tmp_path):  # type: ignore[no-untyped-def]
    """kbtest_netc_old (6.1's API) bridged to the newest series, in its guest: the lines
    tests/test_shims_net_contracts.py pins for 6.1's own run (the module also clears a
    priv flag within int, whose complement 7.x's compiler makes unsigned int)."""
    from kbridge.actions.guest.runner import run_guest
    from test_shims_net_contracts import EXPECTED, OLD, _seen

    own, other = targets.resolve("6.1", trees=trees), targets.resolve(NEWEST, trees=trees)
    out = tmp_path / "layer"
    rep = bridge(drv_mod.load(OLD), [own, other], "layer", out)
    assert rep.ok, rep.unbridged
    ok, why = _build(out, other)
    assert ok, why
    script = tmp_path / "contracts.sh"
    script.write_text("#!/bin/sh\nset -- kbnco kbtest_netc_old\n" + (OLD / "contracts.sh").read_text())
    script.chmod(0o755)
    g = run_guest([out / "kbtest_netc_old.ko"], other.release, test_script=script, timeout=300)
    assert g.ok, (other.name, g.reasons, g.problems, g.test_output)
    seen = _seen(g.test_output)
    diff = {k: (EXPECTED["old"].get(k), seen.get(k)) for k in sorted(EXPECTED["old"].keys() | seen.keys())
            if EXPECTED["old"].get(k) != seen.get(k)}
    assert not diff, f"bridged on {other.name} (6.1's own, bridged): {diff}"
