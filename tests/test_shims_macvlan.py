"""macvlan between the oldest and the newest series (issue 16): the rules it needs.

* test_rtnl_newlink_params_newest_on_510_in_guest: a link type written for 6.15+'s
  rtnl_link_ops.newlink(dev, struct rtnl_newlink_params *, extack)
  (tests/fixtures/layer/kbtest_rtnl_new) bridged to 5.10 and driven by Debian's
  `ip link` in a 5.10 guest: the device is created through the trampoline with the
  attributes the core parsed (tb: name, MTU), rtnl_newlink_link_net() is the
  namespace the core means, the driver's refusal and its extack message reach user
  space and leave no device behind, and the device is deleted. The lines are those
  the same module prints on its own kernel (7.3, measured: EXPECTED).
* test_rtnl_newlink_params_older_on_newest_in_guest: the other direction, the same link
  type with the five-argument newlink (home 6.12) bridged to the newest series: the same
  lines in its guest (old_on_new trampoline).
* test_macvlan_provider_newest_on_510_with_kernels_macvtap: a provider of
  <linux/if_macvlan.h> written for 6.15+ (tests/fixtures/layer/kbtest_macvlan_prov,
  module name macvlan: it defines and exports macvlan_common_newlink(dev, params,
  extack) and the other functions the kernel's header declares, and holds its lower
  device with netdev_hold(&vlan->dev_tracker)) bridged to 5.10 and loaded in a 5.10
  guest: its link type (kind macvlan) creates a device over a dummy through the renamed
  macvlan_common_newlink with Debian's `ip ... type macvlan bcqueuelen 321` (the
  attribute arrives with 5.10's core parsing it by the driver's policy, and `ip -d link
  show` reads it back: IFLA_MACVLAN_BC_QUEUE_LEN(_USED) have their uapi numbers),
  refuses one without a lower device, and its deletion drops the lower device's
  reference (the lower device then goes without waiting); rules
  macvlan_common_newlink_params, macvlan_dev_dev_tracker, netdev_hold_tracker,
  macvlan_bc_queue_len, rtnl_newlink_params. The lines are the module's own on 7.3. Not covered: the kernel's own macvtap.ko binding to the
  bridged exports -- their modversions CRCs differ from the kernel's macvlan's (the
  CRC hashes the full text of the structs the types reach, and the layer's wrappers
  append kb_ members to struct rtnl_link_ops / net_device), so 5.10 refuses to load
  its macvtap on a bridged macvlan ("disagrees about version of symbol").
* test_netif_rx_any_context_in_guest: __netif_rx() (7.x's macvlan) on 5.10 and
  netif_rx_ni() (5.10's) on the newest series, 5 frames through the loopback device's
  receive path (tests/fixtures/layer/kbtest_rx_new), all accepted and processed.
"""

from __future__ import annotations

import shutil

import pytest

from conftest import FIXTURES, newest_series
from kbridge.actions.bridge import abi, bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

OLDEST = "5.10"
NEWEST = newest_series()
RTNL_NEW = FIXTURES / "layer" / "kbtest_rtnl_new"

# what kbtest_rtnl_new's check.sh prints on its own kernel (7.3), line for line
EXPECTED = {
    "add": "ok",
    "mtu": "1400",
    "fail": "Error: kbrtnl refuses this name.",
    "fail_dev": "absent",
    "del": "ok",
    "after_del": "absent",
    "newlink_kbr0": "src_init=1 link_init=1 peer_init=1 link_net_set=0 tb_ifname=kbr0 tb_mtu=1400 data=0",
    "newlink_kbfail0": "src_init=1 link_init=1 peer_init=1 link_net_set=0 tb_ifname=kbfail0 tb_mtu=0 data=0",
}


def _build(out, tree):  # type: ignore[no-untyped-def]
    proc = run_kbuild(out, tree)
    diags, undefined = parse_log(proc.stdout, out)
    return proc.returncode == 0 and not [d for d in diags if d.severity != "warning"] and not undefined, \
        (diags, undefined, proc.stdout[-3000:])


def _seen(output: str) -> dict[str, str]:
    seen: dict[str, str] = {}
    for line in output.splitlines():
        if line.startswith("kbr "):
            body = line[4:]
            cut = min(i for i in (body.find("="), body.find(" "), len(body)) if i >= 0)
            seen[body[:cut]] = body[cut + 1:]
    return seen


@pytest.mark.slow
def test_rtnl_newlink_params_newest_on_510_in_guest(trees, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.runner import run_guest

    old, home = targets.resolve(OLDEST, trees=trees), targets.resolve(NEWEST, trees=trees)
    for strategy in ("inline", "layer"):       # inline: build only; layer: built and loaded
        out = tmp_path / strategy
        rep = bridge(drv_mod.load(RTNL_NEW), [home, old], strategy, out)
        assert rep.ok, rep.unbridged
        assert "rtnl_newlink_params" in {str(s["rule"]) for s in rep.shims}
        ok, why = _build(out, old)
        assert ok, (strategy, why)
    g = run_guest([tmp_path / "layer" / "kbtest_rtnl.ko"], old.release, test_script=RTNL_NEW / "check.sh",
                  timeout=300, tools=True)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    seen = _seen(g.test_output)
    diff = {k: (EXPECTED.get(k), seen.get(k)) for k in sorted(EXPECTED.keys() | seen.keys())
            if EXPECTED.get(k) != seen.get(k)}
    assert not diff, f"bridged on {old.name} (expected = the module on {NEWEST}): {diff}"



def _rtnl_old(dest):  # type: ignore[no-untyped-def]
    """kbtest_rtnl_new with the newlink callback written for kernels before 6.15 -- (src_net,
    dev, tb, data, extack) -- printing the same line (the older core passes one net:
    link_net ?: the socket's)."""
    shutil.copytree(RTNL_NEW, dest)
    c = dest / "kbtest_rtnl.c"
    s = c.read_text()
    old = s[s.index("static int kbrtnl_newlink("):s.index("\tif (!strncmp(dev->name")]
    new = ("static int kbrtnl_newlink(struct net *src_net, struct net_device *dev, struct nlattr *tb[],\n"
           "\t\t\t  struct nlattr *data[], struct netlink_ext_ack *extack)\n{\n"
           "\tpr_info(\"kbrtnl newlink %s src_init=%d link_init=%d peer_init=%d link_net_set=%d \"\n"
           "\t\t\"tb_ifname=%s tb_mtu=%u data=%d\\n\", dev->name,\n"
           "\t\tnet_eq(src_net, &init_net), net_eq(src_net, &init_net), net_eq(src_net, &init_net),\n"
           "\t\ttb[IFLA_LINK_NETNSID] != NULL,\n"
           "\t\ttb[IFLA_IFNAME] ? (char *)nla_data(tb[IFLA_IFNAME]) : \"-\",\n"
           "\t\ttb[IFLA_MTU] ? nla_get_u32(tb[IFLA_MTU]) : 0, data != NULL);\n")
    c.write_text(s.replace(old, new))
    return dest


@pytest.mark.slow
def test_rtnl_newlink_params_older_on_newest_in_guest(trees, tmp_path):  # type: ignore[no-untyped-def]
    """The other direction: the same link type written for the five-argument newlink (home
    6.12) bridged to the newest series (old_on_new trampoline) prints, in its guest, the
    lines the newer module prints on its own kernel."""
    from kbridge.actions.guest.runner import run_guest

    own, new = targets.resolve("6.12", trees=trees), targets.resolve(NEWEST, trees=trees)
    src = _rtnl_old(tmp_path / "kbtest_rtnl_old")
    for strategy in ("inline", "layer"):       # inline: build only; layer: built and loaded
        out = tmp_path / strategy
        rep = bridge(drv_mod.load(src), [own, new], strategy, out)
        assert rep.ok, rep.unbridged
        assert ("rtnl_newlink_params", "old_on_new") in {(str(s["rule"]), s["direction"]) for s in rep.shims}
        ok, why = _build(out, new)
        assert ok, (strategy, why)
    g = run_guest([tmp_path / "layer" / "kbtest_rtnl.ko"], new.release, test_script=RTNL_NEW / "check.sh",
                  timeout=300, tools=True)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    seen = _seen(g.test_output)
    diff = {k: (EXPECTED.get(k), seen.get(k)) for k in sorted(EXPECTED.keys() | seen.keys())
            if EXPECTED.get(k) != seen.get(k)}
    assert not diff, f"bridged on {new.name}: {diff}"

MACVLAN_PROV = FIXTURES / "layer" / "kbtest_macvlan_prov"

# what the provider's check.sh prints on its own kernel (7.3, measured)
EXPECTED_PROV = {
    "add": "ok",
    "nolink": "RTNETLINK answers: Invalid argument",
    "nolink_dev": "absent",
    "del": "ok",
    "after_del": "absent",
    "del_lower": "ok",
    "lower_refs": "ok",
    "show": "macvlan mode vepa bcqueuelen 321 usedbcqueuelen 321",
    "newlink_kbmv0": "lower=kbd0 data=1 bc_queue_len_req=321",
}


@pytest.mark.slow
def test_macvlan_provider_newest_on_510_in_guest(trees, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.runner import run_guest

    old, home = targets.resolve(OLDEST, trees=trees), targets.resolve(NEWEST, trees=trees)
    for strategy in ("inline", "layer"):       # inline: build only; layer: built and loaded
        out = tmp_path / strategy
        rep = bridge(drv_mod.load(MACVLAN_PROV), [home, old], strategy, out)
        assert rep.ok, rep.unbridged
        assert {"macvlan_common_newlink_params", "macvlan_dev_dev_tracker", "netdev_hold_tracker",
                "rtnl_newlink_params", "macvlan_bc_queue_len"} <= {str(s["rule"]) for s in rep.shims}
        ok, why = _build(out, old)
        assert ok, (strategy, why)
        if strategy == "layer":
            # struct macvlan_dev (dev_tracker, bc_queue_len_req added) and struct rtnl_link_ops
            # (newlink renamed, kb_drv_newlink appended) against 5.10's BTF (the kernel's own
            # macvlan.ko's split BTF: the module's name), with the rules' [abi] declarations
            (res,) = abi.check_out(out, [old], drv_mod.load(MACVLAN_PROV),
                                   rules=[s["rule"] for s in rep.shims])
            assert res.ok and res.abi["ok"], ([d.message for d in res.diagnostics], res.abi)
    g = run_guest([tmp_path / "layer" / "macvlan.ko"], old.release, test_script=MACVLAN_PROV / "check.sh",
                  extra_modules=["dummy"], timeout=300, tools=True)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    seen = _seen(g.test_output.replace("kbm ", "kbr "))
    diff = {k: (EXPECTED_PROV.get(k), seen.get(k)) for k in sorted(EXPECTED_PROV.keys() | seen.keys())
            if EXPECTED_PROV.get(k) != seen.get(k)}
    assert not diff, f"bridged provider on {old.name}: {diff}"


RX_NEW = FIXTURES / "layer" / "kbtest_rx_new"


def _rx_old(dest):  # type: ignore[no-untyped-def]
    """kbtest_rx_new written for kernels before 5.18: netif_rx_ni() from process context
    (the older macvlan's broadcast work does that) instead of __netif_rx() under
    local_bh_disable()."""
    shutil.copytree(RX_NEW, dest)
    c = dest / "kbtest_rx.c"
    s = c.read_text()
    old = "\tlocal_bh_disable();\n\tret = __netif_rx(skb);\n\tlocal_bh_enable();\n"
    assert old in s
    c.write_text(s.replace(old, "\tret = netif_rx_ni(skb);\n"))
    return dest


@pytest.mark.slow
@pytest.mark.parametrize("driver_series,target_series", [(NEWEST, OLDEST), ("5.10", NEWEST)])
def test_netif_rx_any_context_in_guest(trees, tmp_path, driver_series, target_series):  # type: ignore[no-untyped-def]
    """rule netif_rx_any_context, both ways: __netif_rx() (the newest series' driver) on 5.10
    and netif_rx_ni() (5.10's) on the newest series: 5 frames handed to the loopback
    device's receive path are all accepted and processed by the stack before the call
    returns to process context, as the module measures on its own kernel (7.3: processed=5
    success=5)."""
    from kbridge.actions.guest.runner import run_guest

    own, other = targets.resolve(driver_series, trees=trees), targets.resolve(target_series, trees=trees)
    src = RX_NEW if driver_series == NEWEST else _rx_old(tmp_path / "kbtest_rx_old")
    for strategy in ("inline", "layer"):       # inline: build only; layer: built and loaded
        out = tmp_path / strategy
        rep = bridge(drv_mod.load(src), [own, other], strategy, out)
        assert rep.ok, rep.unbridged
        assert "netif_rx_any_context" in {str(s["rule"]) for s in rep.shims}
        ok, why = _build(out, other)
        assert ok, (strategy, why)
    g = run_guest([tmp_path / "layer" / "kbtest_rx.ko"], other.release, test_script=RX_NEW / "check.sh",
                  timeout=300)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    assert "kbx processed=5 success=5" in g.test_output.splitlines(), g.test_output
