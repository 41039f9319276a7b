/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_device_ops.ndo_fdb_add with bool *notified (the newer kernels: the core
 * sends the generic RTM_NEWNEIGH only when the callback did not notify) on a
 * kernel whose slot is (ndm, tb, dev, addr, vid, flags, extack) and whose core
 * (rtnl_fdb_add) notifies after every successful call.
 *
 * netdev_hwtstamp_ndo's wrapper of <linux/netdevice.h> renamed the kernel's
 * slot kb_kernel_fdb_add and appended kb_drv_fdb_add of the newer type; the
 * designator macro below makes the driver's `.ndo_fdb_add = fn` put fn there
 * and, in the kernel's slot of the driver's own table (still the one
 * dev->netdev_ops points to), the trampoline: the driver is called with the
 * same arguments and a local notified = false, and its value returned.
 *
 * The trampoline finds the driver's function through dev->netdev_ops: the core
 * calls a device's own ops with that device, except the bridge master's ops for
 * a bridge port (IFF_BRIDGE_PORT, set by the kernel's bridge only), never a
 * driver's table. Limit (named): a driver that sends its own notification and
 * sets *notified gets the older core's generic one too.
 */
#include <linux/netdevice.h>	/* the layer applies it after this header; inline may not */
#ifndef KB_NETDEV_HWTSTAMP_NDO_WRAP
#error "kbridge: ndo_fdb_add_notified renames the kernel's slot in netdev_hwtstamp_ndo's wrapper of <linux/netdevice.h>, which serves kernels before 6.6 only"
#endif
#include <linux/rtnetlink.h>	/* ndo_dflt_fdb_add */

static __maybe_unused int kb_ndo_fdb_add_tramp(struct ndmsg *ndm, struct nlattr *tb[],
					       struct net_device *dev,
					       const unsigned char *addr, u16 vid, u16 flags,
					       struct netlink_ext_ack *extack)
{
	bool notified = false;

	/* a slot the driver named NULL (`.ndo_fdb_add = NULL`): the designator macro still puts the
	 * trampoline in the kernel's slot, so it does what this core does with an empty slot */
	if (!dev->netdev_ops->kb_drv_fdb_add)
		return ndo_dflt_fdb_add(ndm, tb, dev, addr, vid, flags);
	return dev->netdev_ops->kb_drv_fdb_add(ndm, tb, dev, addr, vid, flags, &notified, extack);
}

#ifdef ndo_fdb_add
#error "kbridge: ndo_fdb_add is already a macro; ndo_fdb_add_notified cannot fill the driver's tables"
#endif
#define ndo_fdb_add	kb_kernel_fdb_add = kb_ndo_fdb_add_tramp, .kb_drv_fdb_add
