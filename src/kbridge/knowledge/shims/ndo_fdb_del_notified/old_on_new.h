/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_device_ops.ndo_fdb_del of 5.10's form (ndm, tb, dev, addr, vid) on a
 * kernel whose slot adds bool *notified and extack. The newer core
 * (rtnl_fdb_del) calls it with notified = false and sends the generic
 * RTM_DELNEIGH when the callback returns 0 without setting it -- what the
 * older core did after every 0.
 *
 * netdev_lltx's wrapper of <linux/netdevice.h> renamed the kernel's slot
 * kb_kernel_fdb_del and appended kb_drv_fdb_del of the older type; the
 * designator macro below makes the driver's `.ndo_fdb_del = fn` put fn there
 * and the trampoline in the kernel's slot of the driver's own table: the
 * driver is called with (ndm, tb, dev, addr, vid); notified stays false and
 * extack goes unused (the 5.10 driver has no way to fill it). The trampoline
 * finds the driver's function through dev->netdev_ops (only the kernel's
 * bridge, a port's master, is called for another device).
 */
#include <linux/netdevice.h>	/* the layer applies it after this header; inline may not */
#ifndef KB_NETDEV_OPS_FIX_FEATURES_WRAP
#error "kbridge: ndo_fdb_del_notified renames the kernel's slot in netdev_lltx's wrapper of <linux/netdevice.h>, which is not in effect"
#endif
#include <linux/rtnetlink.h>	/* ndo_dflt_fdb_del */

static __maybe_unused int kb_ndo_fdb_del_tramp(struct ndmsg *ndm, struct nlattr *tb[],
					       struct net_device *dev,
					       const unsigned char *addr, u16 vid,
					       bool *notified, struct netlink_ext_ack *extack)
{
	/* a slot the driver named NULL (`.ndo_fdb_del = NULL`): the designator macro still puts the
	 * trampoline in the kernel's slot, so it does what this core does with an empty slot */
	if (!dev->netdev_ops->kb_drv_fdb_del)
		return ndo_dflt_fdb_del(ndm, tb, dev, addr, vid);
	return dev->netdev_ops->kb_drv_fdb_del(ndm, tb, dev, addr, vid);
}

#ifdef ndo_fdb_del
#error "kbridge: ndo_fdb_del is already a macro; ndo_fdb_del_notified cannot fill the driver's tables"
#endif
#define ndo_fdb_del	kb_kernel_fdb_del = kb_ndo_fdb_del_tramp, .kb_drv_fdb_del
