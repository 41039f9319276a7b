/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_device_ops.ndo_fdb_add of the older form (ndm, tb, dev, addr, vid,
 * flags, extack) on a kernel whose slot adds bool *notified before extack.
 * The newer core (rtnl_fdb_add) calls it with notified = false and sends the
 * generic RTM_NEWNEIGH when the callback returns 0 without setting it -- what
 * the older core did after every 0, and an older driver never notifies itself.
 *
 * netdev_lltx's wrapper of <linux/netdevice.h> renamed the kernel's slot
 * kb_kernel_fdb_add and appended kb_drv_fdb_add of the older type; the
 * designator macro below makes the driver's `.ndo_fdb_add = fn` put fn there
 * and the trampoline in the kernel's slot of the driver's own table: the
 * driver is called without notified, which stays false. The trampoline finds
 * the driver's function through dev->netdev_ops (the core calls a device's own
 * ops with that device; only the kernel's bridge, a port's master, is called
 * for another device).
 */
#include <linux/netdevice.h>	/* the layer applies it after this header; inline may not */
#ifndef KB_NETDEV_OPS_FIX_FEATURES_WRAP
#error "kbridge: ndo_fdb_add_notified renames the kernel's slot in netdev_lltx's wrapper of <linux/netdevice.h>, which is not in effect"
#endif
#include <linux/rtnetlink.h>	/* ndo_dflt_fdb_add */

static __maybe_unused int kb_ndo_fdb_add_tramp(struct ndmsg *ndm, struct nlattr *tb[],
					       struct net_device *dev,
					       const unsigned char *addr, u16 vid, u16 flags,
					       bool *notified, struct netlink_ext_ack *extack)
{
	/* a slot the driver named NULL (`.ndo_fdb_add = NULL`): the designator macro still puts the
	 * trampoline in the kernel's slot, so it does what this core does with an empty slot */
	if (!dev->netdev_ops->kb_drv_fdb_add)
		return ndo_dflt_fdb_add(ndm, tb, dev, addr, vid, flags);
	return dev->netdev_ops->kb_drv_fdb_add(ndm, tb, dev, addr, vid, flags, extack);
}

#ifdef ndo_fdb_add
#error "kbridge: ndo_fdb_add is already a macro; ndo_fdb_add_notified cannot fill the driver's tables"
#endif
#define ndo_fdb_add	kb_kernel_fdb_add = kb_ndo_fdb_add_tramp, .kb_drv_fdb_add
