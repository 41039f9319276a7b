"""usbnet minidrivers across 5.10 and the newest kernel: usbnet_get_stats64_removed (5.10's
drivers: the counters moved to net->tstats in 5.11; the minidrivers' ndo_get_stats64 is
dev_get_tstats64 there), usb_maxpacket_is_out_removed (the third argument, ignored since the
5.19 deprecation that Debian's 5.10 carries, is gone by 6.1: dropped for 5.10's drivers, the
pipe's own direction passed for the newest kernel's) and dev_get_tstats64_core_stats's
new_on_old (the newest kernel's minidrivers on 5.10, whose usbnet counts into its own
struct usbnet.stats64: usbnet_get_stats64 there; any driver without <linux/usb/usbnet.h> is
refused).

The driver is a real one, extracted from each kernel's source package at run time:
rndis_host, which drives QEMU's usb-net (its RNDIS configuration: the test script selects it
when the USB core picked the CDC Ethernet one). Bridged for the other end of the range, it must
bind (usbnet's probe fails a device whose max packet size reads 0), carry traffic (three pings
of the user-mode network's gateway) and report it: rx/tx packet and byte counters that count
those pings, read through sysfs, i.e. the driver's ndo_get_stats64. A shim that reads only
net->stats, or the wrong counters, reports zeros.
"""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES, newest_series, probe_states, release
from kbridge.actions.bridge import bridge
from kbridge.actions.guest import runner
from kbridge.facts import driver as drv_mod
from kbridge.facts import intree, targets

RULES = ("usbnet_get_stats64_removed", "usb_maxpacket_is_out_removed")
APPLIED = {"5.10": set(RULES), "newest": {"dev_get_tstats64_core_stats", "usb_maxpacket_is_out_removed"}}
SCRIPT = FIXTURES / "layer" / "usbnet_stats.sh"
NEWEST = newest_series()
RNDIS = intree.IntreeModule("rndis_host", "drivers/net/usb", ("rndis_host.c",))
QEMU_USB_NET = ["-device", "qemu-xhci,id=kbxhci", "-device", "usb-net,netdev=kbnet0,bus=kbxhci.0",
                "-netdev", "user,id=kbnet0"]


@pytest.mark.parametrize("series,state", [("5.10", "old"), ("6.1", "new"), ("6.12", "new"),
                                          ("7.2", "new"), ("7.3", "new")])
def test_probe_states(series, state, roots_ready):  # type: ignore[no-untyped-def]
    assert probe_states(series, RULES) == dict.fromkeys(RULES, state)


@pytest.mark.slow
@pytest.mark.parametrize("home", ["5.10", "newest"])
def test_rndis_host_bridged_binds_and_counts_its_traffic(home, tmp_path, roots_ready):  # type: ignore[no-untyped-def]
    src, dst = ("5.10", NEWEST) if home == "5.10" else (NEWEST, "5.10")
    e = intree.extract(src, (RNDIS,))["rndis_host"]
    drv = drv_mod.load(e.path, label=e.label, origin_version=e.version)
    out = tmp_path / "out"
    rep = bridge(drv, [targets.resolve(s) for s in (src, dst)], "layer", out)
    assert not rep.unbridged, rep.unbridged
    assert APPLIED[home] <= {str(s["rule"]) for s in rep.shims}, rep.shims
    b, kos = runner.build_for(out, release(dst), tmp_path / "build")
    assert b.ok, b.log
    g = runner.run_guest(kos, release(dst), test_script=SCRIPT, extra_modules=["xhci_pci"],
                         qemu_args=QEMU_USB_NET, timeout=300)
    ans = dict(re.findall(r"kbu (\w+)=(\S*)", g.test_output))
    assert g.ok, (g.reasons, g.problems, ans)
    assert ans.get("interface", "none") != "none" and ans.get("ping") == "0", ans
    # three echo requests and replies (84 bytes of IP each; usbnet counts a received frame
    # after eth_type_trans() took its 14-byte header, a sent one whole with the RNDIS
    # header), plus the ARP exchange before them
    counts = {k: int(ans.get(k, "0")) for k in ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes")}
    assert counts["rx_packets"] >= 4 and counts["tx_packets"] >= 4, counts
    assert counts["rx_bytes"] >= 3 * 84 and counts["tx_bytes"] >= 3 * 98, counts


NET_OPS_DRIVER = """// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/netdevice.h>
%s
static const struct net_device_ops kb_ops = {
	.ndo_get_stats64 = dev_get_tstats64,
};
const void *kb_ops_ptr = &kb_ops;
MODULE_LICENSE("GPL");
"""


@pytest.mark.parametrize("usbnet", [False, True])
def test_newer_dev_get_tstats64_bridged_to_510_only_in_a_usbnet_driver(usbnet, tmp_path, roots_ready):  # type: ignore[no-untyped-def]
    """A driver outside usbnet (tun, a pcpu_stat_type driver) has counters nobody allocates on
    5.10: refused, with the reason; a usbnet minidriver gets usbnet's own counters."""
    d = tmp_path / "kbtest_tstats"
    d.mkdir()
    inc = "#include <linux/usb.h>\n#include <linux/mii.h>\n#include <linux/usb/usbnet.h>" if usbnet else ""
    (d / "kbtest_tstats.c").write_text(NET_OPS_DRIVER % inc)
    (d / "Kbuild").write_text("obj-m := kbtest_tstats.o\n")
    rep = bridge(drv_mod.load(d), [targets.resolve(s) for s in ("5.10", NEWEST)], "layer",
                 tmp_path / "out", home=NEWEST)
    refused = {u.rule: u.why for u in rep.unbridged} if rep.unbridged else {}
    if usbnet:
        assert not refused and "dev_get_tstats64_core_stats" in {str(s["rule"]) for s in rep.shims}
    else:
        assert "includes none of <linux/usb/usbnet.h>" in refused.get("dev_get_tstats64_core_stats", ""), refused
