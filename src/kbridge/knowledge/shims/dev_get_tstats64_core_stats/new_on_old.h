/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dev_get_tstats64() for a newer usbnet minidriver on 5.10: the newer kernel
 * reports net->stats plus the per-CPU counters in net->tstats, which there
 * usbnet's core allocates and counts into (af0c351cc348). 5.10's usbnet counts
 * the same packets and bytes into its own struct usbnet.stats64 and leaves
 * net->tstats NULL, and its usbnet_get_stats64() reports net->stats plus those:
 * so a device with no tstats of its own is given usbnet_get_stats64(), and one
 * whose tstats the driver allocated itself (a non-usbnet netdev of the same
 * driver) gets the newer function's sum over them. The newer kernel's
 * dev_get_tstats64() dereferences tstats unconditionally, so a newer driver
 * never passes it a device whose counters nobody allocates: NULL here means
 * usbnet's core owns them (the manifest refuses a driver without usbnet.h).
 */
#include <linux/usb/usbnet.h>
#include <linux/netdevice.h>

static inline void kb_dev_get_tstats64(struct net_device *net, struct rtnl_link_stats64 *s)
{
	if (net->tstats) {
		netdev_stats_to_stats64(s, &net->stats);
		dev_fetch_sw_netstats(s, net->tstats);
	} else {
		usbnet_get_stats64(net, s);
	}
}
#define dev_get_tstats64 kb_dev_get_tstats64
