"""macvlan between the oldest and the newest series (issue 16): the rules it needs, tested
with small fixtures in one guest boot per kernel (the bridged macvlan itself does not build
across 5.10 <-> 7.3 yet: bench/README.md, "macvlan 5.10 <-> 7.3, session 8").

* test_newest_on_510_in_guest (one 5.10 boot, Debian's ip):
  - kbtest_rtnl_new, a link type written for 6.15+'s rtnl_link_ops.newlink(dev, struct
    rtnl_newlink_params *, extack): created through the trampoline with the attributes the
    core parsed (name, MTU), rtnl_newlink_link_net() the namespace the core means, the
    driver's refusal and its extack message reach user space and leave no device, deleted;
  - kbtest_macvlan_prov (module macvlan, kind macvlan): a provider of <linux/if_macvlan.h>
    written for 6.15+ -- it defines and exports macvlan_common_newlink(dev, params, extack)
    and the other functions the kernel's header declares, and holds its lower device with
    netdev_hold(&vlan->dev_tracker): a device over a dummy with `bcqueuelen 321` (the
    attribute at its uapi number, read back by `ip -d link show`), a refusal without a lower
    device, deletion, and the lower device deleted without waiting for a leaked reference;
    its layer OUT ABI-checked against 5.10's BTF (struct macvlan_dev keeps the kernel's
    layout with 7.3's members);
  - kbtest_rx_new: __netif_rx() under local_bh_disable(), 5 frames accepted and processed;
  - kbtest_macaddr_new: dev_set_mac_address() with a struct sockaddr_storage (6.16+) on a
    dummy device: accepted, a wrong family refused (-EINVAL), a multicast address refused by
    the device (-EADDRNOTAVAIL), one NETDEV_CHANGEADDR, the address user space sees;
  - kbtest_netmisc_new: dev_core_stats_*_inc() read back from sysfs (dev_core_stats_inc),
    netif_inherit_tso_max() after netif_set_tso_max_size(), kfree_skb_reason() running the
    skb's destructor (kfree_skb_reason), work on system_dfl_wq /
    system_percpu_wq run by an unbound / a per-CPU kworker (system_dfl_percpu_wq).
  - kbtest_pdown_new: two devices of one ops table, one setting dev->change_proto_down:
    proto_down (sysfs, rtnetlink) accepted and carried out for it, refused for the other
    (ndo_change_proto_down_removed, new_on_old: the trampoline in 5.10's slot reads the bit);
  - kbtest_vlanstats_new: struct vlan_pcpu_stats' counters through u64_stats_inc/add/read and
    the kernel's macvlan_count_rx (vlan_pcpu_stats_u64_stats_t); kbtest_rxdrop_old built for
    5.10 itself: the pre-5.18 drop counters, the lines its bridged build must print on 7.3.
  Every line is the one the same module prints on 7.3 (measured: EXPECTED, EXPECTED_PROV).
* test_older_on_newest_in_guest (one boot of the newest series): the same link type with the
  five-argument newlink, the receive fixture with netif_rx_ni() and the address fixture with
  a struct sockaddr (before 6.16), bridged to it; and kbtest_netmisc_new built for that
  kernel itself (its lines there are EXPECTED_MISC, which the 5.10 boot must print).
  Also kbtest_vlanstats_new natively and in its 5.10 form bridged (++, +=, plain reads on
  u64_stats_t members), and kbtest_rxdrop_old bridged (dev_core_stats_inc old_on_new);
  kbtest_pdown_new built for that kernel itself (its lines are EXPECTED_PDOWN).

Each check failed with its shim stubbed before it passed (the commit messages say how).
Not covered: the kernel's own macvtap.ko binding to a bridged macvlan's exports -- their
modversions CRCs differ from the kernel's macvlan's (genksyms hashes the full text of the
structs the types reach, and the layer's wrappers append kb_ members to struct
rtnl_link_ops / net_device), so 5.10 refuses to load its macvtap on a bridged macvlan
("disagrees about version of symbol").
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


RX_NEW = FIXTURES / "layer" / "kbtest_rx_new"


def _rx_old(dest):  # type: ignore[no-untyped-def]
    """kbtest_rx_new written for kernels before 5.18: netif_rx_ni() from process context
    (the older macvlan's broadcast work does that) instead of __netif_rx() under
    local_bh_disable(), and the older any-context entry netif_rx_any_context() instead of
    plain netif_rx() (5.10 has both; 2655926aea9b removed both in 5.18)."""
    shutil.copytree(RX_NEW, dest)
    c = dest / "kbtest_rx.c"
    s = c.read_text()
    old = "\tlocal_bh_disable();\n\tret = __netif_rx(skb);\n\tlocal_bh_enable();\n"
    any_old = "\treturn netif_rx(skb);\n"
    assert old in s and s.count(any_old) == 1
    c.write_text(s.replace(old, "\tret = netif_rx_ni(skb);\n")
                 .replace(any_old, "\treturn netif_rx_any_context(skb);\n"))
    return dest


MACADDR_NEW = FIXTURES / "layer" / "kbtest_macaddr_new"

# what kbtest_macaddr_new's check.sh prints on 7.3 (from 7.3's netif_set_mac_address():
# family checked before the device's ndo, eth_mac_addr refusing a multicast address; the
# same lines the bridged older fixture prints there)
EXPECTED_MAC = {
    "ok": "0 addr=02:11:22:33:44:55",
    "fam": "-22 addr=02:11:22:33:44:55",
    "mcast": "-99 addr=02:11:22:33:44:55",
    "events": "1",
    "link": "02:11:22:33:44:55",
}


MISC_NEW = FIXTURES / "layer" / "kbtest_netmisc_new"

# what kbtest_netmisc_new's check.sh prints on its own kernel (the newest; test_older_on_newest
# checks it there)
EXPECTED_MISC = {
    "rx_dropped": "3",
    "tx_dropped": "2",
    "rx_nohandler": "1",
    "tso size": "30000 segs=65535",
    "skb freed": "1",
    "dfl worker": "1 unbound=1",
    "percpu worker": "1 unbound=0",
}


FDB_NEW = FIXTURES / "layer" / "kbtest_fdb_new"

# what kbtest_fdb_new's check.sh prints for its device on its own kernel (the newest;
# test_older_on_newest checks it there): `bridge fdb add/del ... self` reach the driver's
# ndo_fdb_add/del with notified false, the core sends one RTM_NEWNEIGH and one RTM_DELNEIGH,
# the entry is listed while it exists; a netconsole target reaches ndo_netpoll_setup before
# dev->npinfo is linked
EXPECTED_FDB = {
    "add_rc": "0",
    "shown": "1",
    "del_rc": "0",
    "shown_after": "0",
    "mon_add": "1",
    "mon_del": "1",
    "netconsole": "1",
    "add addr": "02:aa:bb:cc:dd:01 vid=0 flags=0x605 notified=0",
    "del addr": "02:aa:bb:cc:dd:01 vid=0 notified=0",
    "netpoll linked": "0",
}


def _seen_fdb(output: str, dev: str) -> dict[str, str]:
    return _seen_prefix(output, f"kbf {dev} ")


PDOWN_NEW = FIXTURES / "layer" / "kbtest_pdown_new"

# what kbtest_pdown_new's check.sh prints on its own kernel (the newest; test_older_on_newest
# checks it there): proto_down through sysfs and rtnetlink is accepted for kbpd0, which sets
# dev->change_proto_down (the carrier off while it is set, on again after), and refused for
# kbpd1 of the same ops table, which does not (ip exits 2); 5.10 asks the table's
# ndo_change_proto_down slot instead (ndo_change_proto_down_removed, new_on_old)
_PD_ON = {"carrier0": "1", "sysfs_on": "set", "sysfs_on_value": "1", "sysfs_on_carrier": "0",
          "sysfs_off": "set", "sysfs_off_value": "0", "sysfs_off_carrier": "1",
          "nl_on_rc": "0", "nl_on_value": "1", "nl_on_carrier": "0",
          "nl_off_rc": "0", "nl_off_value": "0", "nl_off_carrier": "1"}
_PD_OFF = {"carrier0": "1", "sysfs_on": "refused", "sysfs_on_value": "0", "sysfs_on_carrier": "1",
           "sysfs_off": "refused", "sysfs_off_value": "0", "sysfs_off_carrier": "1",
           "nl_on_rc": "2", "nl_on_value": "0", "nl_on_carrier": "1",
           "nl_off_rc": "2", "nl_off_value": "0", "nl_off_carrier": "1"}
EXPECTED_PDOWN = {"kbpd0": _PD_ON, "kbpd1": _PD_OFF}


def _seen_pdown(output: str) -> dict[str, dict[str, str]]:
    return {d: _seen_prefix(output, f"kbp {d} ") for d in ("kbpd0", "kbpd1")}


def _fdb_old(dest):  # type: ignore[no-untyped-def]
    """kbtest_fdb_new written for 5.10: ndo_fdb_add without notified, ndo_fdb_del(ndm, tb, dev,
    addr, vid), ndo_netpoll_setup(dev, npinfo); its device kbfdb1 (the newest kernel's own
    build of the newer module makes kbfdb0 in the same boot), printing the same lines."""
    shutil.copytree(FDB_NEW, dest)
    c = dest / "kbtest_fdb.c"
    s = c.read_text()
    subs = [("u16 vid, u16 flags, bool *notified,", "u16 vid, u16 flags,"),
            ("flags,\n\t\t*notified);", "flags, 0);"),
            ("u16 vid, bool *notified,\n\t\t\t struct netlink_ext_ack *extack)", "u16 vid)"),
            ("vid, *notified);", "vid, 0);"),
            ("kbfdb_netpoll_setup(struct net_device *dev)",
             "kbfdb_netpoll_setup(struct net_device *dev, struct netpoll_info *npinfo)"),
            ('"kbfdb0"', '"kbfdb1"')]
    for old, new in subs:
        assert s.count(old) == 1, old
        s = s.replace(old, new)
    c.unlink()
    (dest / "kbtest_fdb_old.c").write_text(s)
    (dest / "Kbuild").write_text("obj-m += kbtest_fdb_old.o\n")
    return dest


def _seen_prefix(output: str, prefix: str) -> dict[str, str]:
    return {k: v for k, _, v in (line[len(prefix):].partition("=") for line in output.splitlines()
                                 if line.startswith(prefix))}


def _seen_mac(output: str) -> dict[str, str]:
    return {k: v for k, _, v in (line[4:].partition("=") for line in output.splitlines()
                                 if line.startswith("kba "))}


def _macaddr_old(dest):  # type: ignore[no-untyped-def]
    """kbtest_macaddr_new written for kernels before 6.16: the address in a struct sockaddr
    (sa_family, sa_data), as 5.10's macvlan sets its lower device's address."""
    shutil.copytree(MACADDR_NEW, dest)
    c = dest / "kbtest_macaddr.c"
    s = c.read_text()
    old = ("\tstruct sockaddr_storage ss = {};\n\n\tss.ss_family = family;\n"
           "\tmemcpy(ss.__data, mac, dev->addr_len);\n\treturn dev_set_mac_address(dev, &ss, NULL);\n")
    assert old in s
    c.write_text(s.replace(old, "\tstruct sockaddr sa = {};\n\n\tsa.sa_family = family;\n"
                                "\tmemcpy(sa.sa_data, mac, ETH_ALEN);\n"
                                "\treturn dev_set_mac_address(dev, &sa, NULL);\n"))
    return dest


VLANSTATS_NEW = FIXTURES / "layer" / "kbtest_vlanstats_new"

# what kbtest_vlanstats_new prints on its own kernel (7.3), and what its 5.10-form copy
# must print on 7.3 and the newest-form build on 5.10 (rule vlan_pcpu_stats_u64_stats_t):
# two frames counted by the kernel's macvlan_count_rx (100 + 60 bytes, one multicast, one
# error), three sent by the module (1500 + 42 + 5000000000 bytes)
EXPECTED_VLANSTATS = ("rx_packets=2 rx_bytes=160 rx_multicast=1 tx_packets=3 "
                      "tx_bytes=5000001542 rx_errors=1")


def _vlanstats_old(dest):  # type: ignore[no-untyped-def]
    """kbtest_vlanstats_new written for kernels before struct vlan_pcpu_stats' counters became
    u64_stats_t (5.10): ++, += and plain reads on u64 members, as 5.10's macvlan does."""
    shutil.copytree(VLANSTATS_NEW, dest)
    (dest / "kbtest_vlanstats.c").rename(dest / "kbtest_vlanstats_old.c")
    (dest / "Kbuild").write_text("obj-m += kbtest_vlanstats_old.o\n")
    c = dest / "kbtest_vlanstats_old.c"
    s = c.read_text()
    for old, new in (("u64_stats_inc(&p->tx_packets);", "p->tx_packets++;"),
                     ("u64_stats_add(&p->tx_bytes, len);", "p->tx_bytes += len;")):
        assert s.count(old) == 1
        s = s.replace(old, new)
    for m in ("rx_packets", "rx_bytes", "rx_multicast", "tx_packets", "tx_bytes"):
        assert s.count(f"u64_stats_read(&p->{m})") == 1
        s = s.replace(f"u64_stats_read(&p->{m})", f"p->{m}")
    c.write_text(s)
    return dest


def _seen_vlanstats(output: str) -> dict[str, str]:
    return {m: v for m, _, v in (line[4:].partition(" ") for line in output.splitlines()
                                 if line.startswith("kbv "))}


RXDROP_OLD = FIXTURES / "layer" / "kbtest_rxdrop_old"

# what kbtest_rxdrop_old (dev->rx_dropped etc., atomic_long_t before 5.18) prints on its own
# kernel (5.10: built and loaded in the 5.10 boot) and, bridged, on the newest (rule
# dev_core_stats_inc, old_on_new: the members' address -> dev->core_stats)
EXPECTED_RXDROP = {"read": "rx_dropped=3 tx_dropped=2 rx_nohandler=1", "rx_dropped": "3",
                   "tx_dropped": "2", "rx_nohandler": "1"}


def _seen_rxdrop(output: str) -> dict[str, str]:
    seen = {}
    for line in output.splitlines():
        if line.startswith("kbd read "):
            seen["read"] = line[len("kbd read "):]
        elif line.startswith("kbd "):
            k, _, v = line[4:].partition("=")
            seen[k] = v
    return seen


def _bridged(fixtures, target, tmp_path):  # type: ignore[no-untyped-def]
    """Each (name, source dir, home series, module) bridged from its home to *target* with
    both strategies and built there; the reports and OUTs by (name, strategy)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(name, src, home, strategy):  # type: ignore[no-untyped-def]
        out = tmp_path / f"{name}-{strategy}"
        rep = bridge(drv_mod.load(src), [home, target], strategy, out)
        assert rep.ok, (name, strategy, rep.unbridged)
        ok, why = _build(out, target)
        assert ok, (name, strategy, why)
        return out, rep

    with ThreadPoolExecutor(max_workers=1) as pool:   # bridge() in-process: one at a time
        jobs = {(n, st): pool.submit(one, n, src, home, st)
                for n, src, home in fixtures for st in ("inline", "layer")}
        done = {k: f.result() for k, f in jobs.items()}
    return done


def _script(tmp_path, *parts):  # type: ignore[no-untyped-def]
    script = tmp_path / "check.sh"
    script.write_text("#!/bin/sh\n" + "\n".join(p.read_text().replace("#!/bin/sh\n", "")
                                                 for p in parts))
    script.chmod(0o755)
    return script


def _diff(expected, seen):  # type: ignore[no-untyped-def]
    return {k: (expected.get(k), seen.get(k)) for k in sorted(expected.keys() | seen.keys())
            if expected.get(k) != seen.get(k)}


@pytest.mark.slow
def test_newest_on_510_in_guest(trees, tmp_path):  # type: ignore[no-untyped-def]
    """The three 6.15+-style fixtures bridged to 5.10 (both strategies built; the layer's
    loaded), one 5.10 boot with Debian's ip: kbtest_rtnl_new (rtnl_newlink_params),
    kbtest_macvlan_prov (module macvlan: macvlan_common_newlink_params,
    macvlan_dev_dev_tracker, netdev_hold_tracker, macvlan_bc_queue_len; its layer OUT
    ABI-checked against 5.10's BTF with the rules' declarations) and kbtest_rx_new
    (netif_rx_any_context). Every line is what the same module prints on 7.3."""
    from kbridge.actions.guest.runner import run_guest

    old, home = targets.resolve(OLDEST, trees=trees), targets.resolve(NEWEST, trees=trees)
    done = _bridged([("rtnl", RTNL_NEW, home), ("prov", MACVLAN_PROV, home), ("rx", RX_NEW, home),
                     ("mac", MACADDR_NEW, home), ("misc", MISC_NEW, home), ("fdb", FDB_NEW, home),
                     ("vlanstats", VLANSTATS_NEW, home), ("pdown", PDOWN_NEW, home)],
                    old, tmp_path)
    rules = {n: {str(x["rule"]) for x in done[(n, "layer")][1].shims}
             for n in ("rtnl", "prov", "rx", "mac", "misc", "fdb")}
    assert {"ndo_fdb_add_notified", "ndo_fdb_del_notified", "ndo_netpoll_setup_no_info"} <= rules["fdb"]
    assert {"dev_core_stats_inc", "netif_inherit_tso_max", "system_dfl_percpu_wq",
            "kfree_skb_reason"} <= rules["misc"]
    assert "rtnl_newlink_params" in rules["rtnl"] and "netif_rx_any_context" in rules["rx"]
    assert "dev_set_mac_address_sockaddr_storage" in rules["mac"]
    assert ("vlan_pcpu_stats_u64_stats_t", "new_on_old") in \
        {(str(x["rule"]), x["direction"]) for x in done[("vlanstats", "layer")][1].shims}
    assert ("ndo_change_proto_down_removed", "new_on_old") in \
        {(str(x["rule"]), x["direction"]) for x in done[("pdown", "layer")][1].shims}
    assert {"macvlan_common_newlink_params", "macvlan_dev_dev_tracker", "netdev_hold_tracker",
            "rtnl_newlink_params", "macvlan_bc_queue_len"} <= rules["prov"]
    # struct macvlan_dev (dev_tracker, bc_queue_len_req added) and struct rtnl_link_ops
    # (newlink renamed, kb_drv_newlink appended) against 5.10's BTF (the kernel's own
    # macvlan.ko's split BTF: the module's name), with the rules' [abi] declarations
    (res,) = abi.check_out(done[("prov", "layer")][0], [old], drv_mod.load(MACVLAN_PROV),
                           rules=sorted(rules["prov"]))
    assert res.ok and res.abi["ok"], ([d.message for d in res.diagnostics], res.abi)
    rxdrop = tmp_path / "kbtest_rxdrop_native"
    shutil.copytree(RXDROP_OLD, rxdrop)
    ok, why = _build(rxdrop, old)
    assert ok, why
    kos = [done[("rtnl", "layer")][0] / "kbtest_rtnl.ko", done[("prov", "layer")][0] / "macvlan.ko",
           done[("rx", "layer")][0] / "kbtest_rx.ko", done[("mac", "layer")][0] / "kbtest_macaddr.ko",
           done[("misc", "layer")][0] / "kbtest_netmisc.ko", done[("fdb", "layer")][0] / "kbtest_fdb.ko",
           done[("vlanstats", "layer")][0] / "kbtest_vlanstats.ko", rxdrop / "kbtest_rxdrop.ko",
           done[("pdown", "layer")][0] / "kbtest_pdown.ko"]
    script = _script(tmp_path, RTNL_NEW / "check.sh", MACVLAN_PROV / "check.sh", RX_NEW / "check.sh",
                     MACADDR_NEW / "check.sh", MISC_NEW / "check.sh", FDB_NEW / "check.sh",
                     VLANSTATS_NEW / "check.sh", RXDROP_OLD / "check.sh", PDOWN_NEW / "check.sh")
    g = run_guest(kos, old.release, test_script=script, extra_modules=["dummy", "netconsole"], timeout=300,
                  tools=True)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    assert not _diff(EXPECTED, _seen(g.test_output)), _diff(EXPECTED, _seen(g.test_output))
    prov = _seen(g.test_output.replace("kbr ", "kb- ").replace("kbm ", "kbr "))
    assert not _diff(EXPECTED_PROV, prov), _diff(EXPECTED_PROV, prov)
    assert "kbx processed=5 success=5" in g.test_output.splitlines(), g.test_output
    # plain netif_rx() from process context: 5.18+ processes the frames before it returns
    assert "kbx any processed=5 success=5" in g.test_output.splitlines(), g.test_output
    # dev_set_mac_address(dev, &sockaddr_storage, extack) on 5.10's struct sockaddr * API
    assert not _diff(EXPECTED_MAC, _seen_mac(g.test_output)), _diff(EXPECTED_MAC, _seen_mac(g.test_output))
    misc = _seen_prefix(g.test_output, "kbn ")
    assert not _diff(EXPECTED_MISC, misc), _diff(EXPECTED_MISC, misc)
    # ndo_fdb_add/del with notified and ndo_netpoll_setup(dev) through 5.10's slots (the
    # rules' trampolines): what the module prints on the newest kernel
    fdb = _seen_fdb(g.test_output, "kbfdb0")
    assert not _diff(EXPECTED_FDB, fdb), _diff(EXPECTED_FDB, fdb)
    # u64_stats_inc/add/read on 5.10's u64 counters, and 5.10's own macvlan_count_rx (++ on
    # them) into the same struct: the newest kernel's sums
    assert _seen_vlanstats(g.test_output) == {"kbtest_vlanstats": EXPECTED_VLANSTATS}, g.test_output
    # the pre-5.18 drop counters on their own kernel: what the bridged module must print on
    # the newest
    assert _seen_rxdrop(g.test_output) == EXPECTED_RXDROP, g.test_output
    # dev->change_proto_down per device through 5.10's ndo_change_proto_down slot: the device
    # that sets the bit accepted and carried out, its sibling of the same table refused
    assert _seen_pdown(g.test_output) == EXPECTED_PDOWN, g.test_output


@pytest.mark.slow
def test_older_on_newest_in_guest(trees, tmp_path):  # type: ignore[no-untyped-def]
    """The other direction, one boot of the newest series: kbtest_rtnl_new rewritten with the
    five-argument newlink (home 6.12; rtnl_newlink_params old_on_new) and kbtest_rx_new
    rewritten with netif_rx_ni() (home 5.10; netif_rx_any_context old_on_new): the lines
    the newer modules print on their own kernel."""
    from kbridge.actions.guest.runner import run_guest

    new = targets.resolve(NEWEST, trees=trees)
    done = _bridged([("rtnl", _rtnl_old(tmp_path / "kbtest_rtnl_old"), targets.resolve("6.12", trees=trees)),
                     ("rx", _rx_old(tmp_path / "kbtest_rx_old"), targets.resolve(OLDEST, trees=trees)),
                     ("mac", _macaddr_old(tmp_path / "kbtest_macaddr_old"), targets.resolve(OLDEST, trees=trees)),
                     ("fdb", _fdb_old(tmp_path / "kbtest_fdb_old"), targets.resolve(OLDEST, trees=trees)),
                     ("vlanstats", _vlanstats_old(tmp_path / "kbtest_vlanstats_old"),
                      targets.resolve(OLDEST, trees=trees)),
                     ("rxdrop", RXDROP_OLD, targets.resolve(OLDEST, trees=trees))],
                    new, tmp_path)
    assert {("ndo_fdb_add_notified", "old_on_new"), ("ndo_fdb_del_notified", "old_on_new"),
            ("ndo_netpoll_setup_no_info", "old_on_new")} <= \
        {(str(x["rule"]), x["direction"]) for x in done[("fdb", "layer")][1].shims}
    assert ("rtnl_newlink_params", "old_on_new") in \
        {(str(x["rule"]), x["direction"]) for x in done[("rtnl", "layer")][1].shims}
    assert ("netif_rx_any_context", "old_on_new") in \
        {(str(x["rule"]), x["direction"]) for x in done[("rx", "layer")][1].shims}
    assert ("dev_set_mac_address_sockaddr_storage", "old_on_new") in \
        {(str(x["rule"]), x["direction"]) for x in done[("mac", "layer")][1].shims}
    assert ("dev_core_stats_inc", "old_on_new") in \
        {(str(x["rule"]), x["direction"]) for x in done[("rxdrop", "layer")][1].shims}
    assert ("vlan_pcpu_stats_u64_stats_t", "old_on_new") in \
        {(str(x["rule"]), x["direction"]) for x in done[("vlanstats", "layer")][1].shims}
    vlanstats = tmp_path / "kbtest_vlanstats_native"
    shutil.copytree(VLANSTATS_NEW, vlanstats)
    ok, why = _build(vlanstats, new)
    assert ok, why
    misc = tmp_path / "kbtest_netmisc_native"
    shutil.copytree(MISC_NEW, misc)
    ok, why = _build(misc, new)
    assert ok, why
    fdb = tmp_path / "kbtest_fdb_native"
    shutil.copytree(FDB_NEW, fdb)
    ok, why = _build(fdb, new)
    assert ok, why
    pdown = tmp_path / "kbtest_pdown_native"
    shutil.copytree(PDOWN_NEW, pdown)
    ok, why = _build(pdown, new)
    assert ok, why
    kos = [done[("rtnl", "layer")][0] / "kbtest_rtnl.ko", done[("rx", "layer")][0] / "kbtest_rx.ko",
           done[("mac", "layer")][0] / "kbtest_macaddr.ko", misc / "kbtest_netmisc.ko",
           fdb / "kbtest_fdb.ko", done[("fdb", "layer")][0] / "kbtest_fdb_old.ko",
           vlanstats / "kbtest_vlanstats.ko", done[("vlanstats", "layer")][0] / "kbtest_vlanstats_old.ko",
           done[("rxdrop", "layer")][0] / "kbtest_rxdrop.ko", pdown / "kbtest_pdown.ko"]
    script = _script(tmp_path, RTNL_NEW / "check.sh", RX_NEW / "check.sh", MACADDR_NEW / "check.sh",
                     MISC_NEW / "check.sh", FDB_NEW / "check.sh", VLANSTATS_NEW / "check.sh",
                     RXDROP_OLD / "check.sh", PDOWN_NEW / "check.sh")
    g = run_guest(kos, new.release, test_script=script, extra_modules=["dummy", "netconsole"], timeout=300,
                  tools=True)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    assert not _diff(EXPECTED, _seen(g.test_output)), _diff(EXPECTED, _seen(g.test_output))
    assert "kbx processed=5 success=5" in g.test_output.splitlines(), g.test_output
    # netif_rx_any_context() from process context: 7.3's netif_rx(), its replacement
    assert "kbx any processed=5 success=5" in g.test_output.splitlines(), g.test_output
    assert not _diff(EXPECTED_MAC, _seen_mac(g.test_output)), _diff(EXPECTED_MAC, _seen_mac(g.test_output))
    # the newest kernel's own answers for kbtest_netmisc_new (EXPECTED_MISC, which 5.10 must match)
    assert not _diff(EXPECTED_MISC, _seen_prefix(g.test_output, "kbn ")), \
        _diff(EXPECTED_MISC, _seen_prefix(g.test_output, "kbn "))
    # the newest kernel's own kbtest_fdb_new (EXPECTED_FDB, which 5.10 must match), and the
    # 5.10-form module through the rules' old_on_new trampolines printing the same
    assert not _diff(EXPECTED_FDB, _seen_fdb(g.test_output, "kbfdb0")), _diff(EXPECTED_FDB, _seen_fdb(g.test_output, "kbfdb0"))
    assert not _diff(EXPECTED_FDB, _seen_fdb(g.test_output, "kbfdb1")), _diff(EXPECTED_FDB, _seen_fdb(g.test_output, "kbfdb1"))
    # struct vlan_pcpu_stats: the newest kernel's own build, and the 5.10-form module (++, +=,
    # plain reads) with the kernel's macvlan_count_rx (u64_stats_inc/add) on the same struct
    assert _seen_vlanstats(g.test_output) == {"kbtest_vlanstats": EXPECTED_VLANSTATS,
                                              "kbtest_vlanstats_old": EXPECTED_VLANSTATS}, g.test_output
    # atomic_long_inc/add/read on dev->rx_dropped, tx_dropped, rx_nohandler (gone in 5.18)
    # through dev->core_stats: what the module prints, and user space reads, on 5.10
    assert _seen_rxdrop(g.test_output) == EXPECTED_RXDROP, g.test_output
    # the newest kernel's own kbtest_pdown_new (EXPECTED_PDOWN, which 5.10 must match)
    assert _seen_pdown(g.test_output) == EXPECTED_PDOWN, g.test_output


@pytest.mark.parametrize("direction,body,refused", [
    # macvlan itself (7.3's form on 5.10): it defines the function the shim exports in the kernel's form
    ("new_on_old", "int macvlan_common_newlink(struct net_device *dev, struct rtnl_newlink_params *p,\n"
                   "\t\t\t   struct netlink_ext_ack *e) { return 0; }\n"
                   "EXPORT_SYMBOL_GPL(macvlan_common_newlink);\n", False),
    # a consumer (7.3's macvtap shape): calls the kernel's export, defines nothing
    ("new_on_old", "int kbt_newlink(struct net_device *dev, struct rtnl_newlink_params *p,\n"
                   "\t\t struct netlink_ext_ack *e) { return macvlan_common_newlink(dev, p, e); }\n", True),
    # the same for a 5.10 consumer on 7.3
    ("old_on_new", "int kbt_newlink(struct net *n, struct net_device *dev, struct nlattr *tb[],\n"
                   "\t\t struct nlattr *data[], struct netlink_ext_ack *e)\n"
                   "{ return macvlan_common_newlink(n, dev, tb, data, e); }\n", True),
])
def test_macvlan_common_newlink_shim_serves_only_its_provider(tmp_path, direction, body, refused):  # type: ignore[no-untyped-def]
    """macvlan_common_newlink_params defines and exports macvlan_common_newlink in the kernel's
    form and renames the driver's own definition to kb_drv_macvlan_common_newlink: right for
    macvlan, the module that defines it. A module that only calls it (a macvtap of the other
    kernel) got the same shim -- bridge exited 0 ('2 bridged, 0 not bridged' for a 7.3-style
    consumer on 5.10) and the build stopped at modpost: 'kb_drv_macvlan_common_newlink
    undefined!' (and the module would have exported a second macvlan_common_newlink). It is
    now refused with the reason (refused_unless_defined). The two refusal cases failed before
    (no manifest key: nothing refused); no build."""
    from kbridge.actions.bridge import layer
    from kbridge.knowledge import rules

    (tmp_path / "kbt.c").write_text("#include <linux/module.h>\n#include <linux/if_macvlan.h>\n"
                                    "#include <net/rtnetlink.h>\n" + body)
    (tmp_path / "Kbuild").write_text("obj-m := kbt.o\n")
    rule = rules.by_id(rules.load())["macvlan_common_newlink_params"]
    drv = drv_mod.load(tmp_path)
    assert rule in layer.used_rules([rule], drv)
    why = layer._refused_uses(rule.manifest.direction(direction), drv, rule)
    assert bool(why) is refused, why
    if refused:
        assert "uses macvlan_common_newlink() without defining it" in why, why


@pytest.mark.slow
def test_bc_cutoff_has_its_uapi_value_on_510(trees, tmp_path):  # type: ignore[no-untyped-def]
    """IFLA_MACVLAN_BC_CUTOFF on 5.10 (whose uapi stops at IFLA_MACVLAN_MACADDR_COUNT = 6):
    ifla_macvlan_bc_cutoff needs macvlan_bc_queue_len, whose shim gives BC_QUEUE_LEN 7 and
    BC_QUEUE_LEN_USED 8, so BC_CUTOFF is 9 -- the number iproute2 sends -- and
    IFLA_MACVLAN_MAX 9 (a driver's policy array reaches it; the 5.10 core parses a link
    type's IFLA_INFO_DATA with the driver's maxtype and policy). A 7.3-style module with
    static_asserts on the uapi numbers, bridged (layer) and built for 5.10. Before: bridge
    reported the rule not bridged on 5.10 (the anchor IFLA_MACVLAN_BC_QUEUE_LEN_USED);
    with the shim's value stubbed (+2) the build fails."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "kbt_bc.c").write_text(
        "#include <linux/module.h>\n#include <linux/if_link.h>\n#include <net/netlink.h>\n"
        "static const struct nla_policy kbt_policy[IFLA_MACVLAN_MAX + 1] = {\n"
        "\t[IFLA_MACVLAN_BC_QUEUE_LEN] = { .type = NLA_U32 },\n"
        "\t[IFLA_MACVLAN_BC_CUTOFF] = { .type = NLA_S32 },\n};\n"
        "static_assert(IFLA_MACVLAN_BC_QUEUE_LEN == 7 && IFLA_MACVLAN_BC_QUEUE_LEN_USED == 8);\n"
        "static_assert(IFLA_MACVLAN_BC_CUTOFF == 9 && IFLA_MACVLAN_MAX == 9);\n"
        "static int __init kbt_init(void) { return kbt_policy[IFLA_MACVLAN_BC_CUTOFF].type == NLA_S32 ? 0 : -EINVAL; }\n"
        "module_init(kbt_init);\nMODULE_LICENSE(\"GPL\");\n")
    (tmp_path / "src" / "Kbuild").write_text("obj-m := kbt_bc.o\n")
    old, home = targets.resolve(OLDEST, trees=trees), targets.resolve(NEWEST, trees=trees)
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(tmp_path / "src"), [home, old], "layer", out)
    assert rep.ok, rep.unbridged
    assert {"ifla_macvlan_bc_cutoff", "macvlan_bc_queue_len"} <= {str(x["rule"]) for x in rep.shims}
    ok, why = _build(out, old)
    assert ok, why


@pytest.mark.slow
def test_fdb_notified_slots_are_reported_not_bridged_on_612(trees, tmp_path):  # type: ignore[no-untyped-def]
    """kbtest_fdb_new (the newest kernel's ndo_fdb_add/del with notified, ndo_netpoll_setup(dev))
    for 6.12: the new_on_old shims of ndo_fdb_add_notified and ndo_netpoll_setup_no_info rename
    the kernel's slot in netdev_hwtstamp_ndo's wrapper of <linux/netdevice.h>, which exists only
    on a kernel without ndo_hwtstamp_get/set (before 6.6: that rule answers "old"); 6.12 has them,
    so OUT stopped there on the shims' own #error. Before (session 11 review): bridge shipped both
    shims for 6.12, reported only ndo_fdb_del_notified (6.12 has neither side) and its self-check
    counted the two slots as bridged there. Now both are reported not bridged on 6.12, and 6.1
    (which has the wrapper) keeps them."""
    home = targets.resolve(NEWEST, trees=trees)
    t612, t61 = targets.resolve("6.12", trees=trees), targets.resolve("6.1", trees=trees)
    rep = bridge(drv_mod.load(FDB_NEW), [home, t612, t61], "layer", tmp_path / "out")
    on = {}
    for u in rep.unbridged:
        on.setdefault(u.rule, set()).add(u.target)
    assert on.get("ndo_fdb_add_notified") == {t612.name}, rep.unbridged
    assert on.get("ndo_netpoll_setup_no_info") == {t612.name}, rep.unbridged
    assert {"ndo_fdb_add_notified", "ndo_netpoll_setup_no_info"} <= {str(x["rule"]) for x in rep.shims}
    from kbridge.actions.bridge import home_tree
    from kbridge.actions.bridge.predict import predict
    from kbridge.knowledge import rules as rules_mod
    pred = predict(drv_mod.load(FDB_NEW), [home, t612, t61], rep, rules_mod.load(),
                   home=home_tree(rep.home, [home, t612, t61]))
    left = {}
    for x in pred.remaining:
        left.setdefault(x.target, set()).update(x.rules)
    # ndo_fdb_del_notified: 6.1 and 6.12 have neither side (its extack came in 5.19), both report it
    assert {"ndo_fdb_add_notified", "ndo_netpoll_setup_no_info"} <= left.get(t612.name, set()), pred.to_json()
    assert not {"ndo_fdb_add_notified", "ndo_netpoll_setup_no_info"} & left.get(t61.name, set()), pred.to_json()


FDB_NULL = FIXTURES / "layer" / "kbtest_fdb_null"

# what kbtest_fdb_null's check.sh prints on a kernel whose core sees its slots NULL (the
# defaults: ndo_dflt_fdb_add/del, no netpoll callback)
EXPECTED_FDB_NULL = {"add_rc": "0", "shown": "1", "del_rc": "0", "shown_after": "0", "netconsole": "1"}


@pytest.mark.slow
@pytest.mark.sweep
def test_slots_named_null_take_the_cores_default_on_510(trees, tmp_path):  # type: ignore[no-untyped-def]
    """Session 11 review: a newer driver's table that names .ndo_fdb_add/.ndo_fdb_del/
    .ndo_netpoll_setup with an explicit NULL (its other table has the functions, so the slot
    rules are the driver's) bridged for 5.10: the designator macro puts the trampoline in the
    kernel's slot whatever the driver's value, so the core no longer sees NULL. Before: the
    trampoline called the NULL pointer on `bridge fdb add ... self` (an oops) where 5.10's
    core takes ndo_dflt_fdb_add. Now each trampoline does what the core does with an empty
    slot. Its own small boot (marked sweep: kept out of the default run)."""
    _fdb_null_in_guest(FDB_NULL, NEWEST, targets.resolve(OLDEST, trees=trees), trees, tmp_path)


def _fdb_null_in_guest(src, home: str, target, trees, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """kbtest_fdb_null (*src*, written for *home*) bridged with the layer for the oldest and
    the newest kernel, built for *target* and run there: every slot trampoline chosen, and the
    check script prints what the core does with the NULL slots (EXPECTED_FDB_NULL)."""
    from kbridge.actions.guest.runner import run_guest

    kernels = [targets.resolve(s, trees=trees) for s in (OLDEST, NEWEST)]
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(src), kernels, "layer", out, home=home)
    assert rep.ok, rep.unbridged
    assert {"ndo_fdb_add_notified", "ndo_fdb_del_notified", "ndo_netpoll_setup_no_info"} <= \
        {str(x["rule"]) for x in rep.shims}
    ok, why = _build(out, target)
    assert ok, why
    g = run_guest([out / "kbtest_fdbnull.ko"], target.release, test_script=_script(tmp_path, FDB_NULL / "check.sh"),
                  extra_modules=["netconsole"], timeout=300, tools=True)
    seen = _seen_prefix(g.test_output, "kbn ")
    assert g.ok and not _diff(EXPECTED_FDB_NULL, seen), (_diff(EXPECTED_FDB_NULL, seen), g.reasons, g.problems)


def _fdb_null_old(dest):  # type: ignore[no-untyped-def]
    """kbtest_fdb_null written for 5.10: ndo_fdb_add without notified, ndo_fdb_del(ndm, tb,
    dev, addr, vid), ndo_netpoll_setup(dev, npinfo); the same device and NULL table."""
    shutil.copytree(FDB_NULL, dest)
    c = dest / "kbtest_fdbnull.c"
    s = c.read_text()
    for old, new in (("u16 vid, u16 flags, bool *notified,", "u16 vid, u16 flags,"),
                     ("u16 vid, bool *notified,\n\t\t       struct netlink_ext_ack *extack)", "u16 vid)"),
                     ("kbt_netpoll_setup(struct net_device *dev)",
                      "kbt_netpoll_setup(struct net_device *dev, struct netpoll_info *npinfo)")):
        assert s.count(old) == 1, old
        s = s.replace(old, new)
    c.write_text(s)
    return dest


@pytest.mark.slow
@pytest.mark.sweep
def test_slots_named_null_take_the_cores_default_on_newest(trees, tmp_path):  # type: ignore[no-untyped-def]
    """The same for a 5.10-style table bridged to the newest kernel (old_on_new trampolines):
    the newest core with a NULL slot takes ndo_dflt_fdb_add/del (and notifies) and calls no
    netpoll callback; with the trampoline in the slot the NULL was called."""
    _fdb_null_in_guest(_fdb_null_old(tmp_path / "src"), OLDEST, targets.resolve(NEWEST, trees=trees),
                       trees, tmp_path)
