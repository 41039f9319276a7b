/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_device_ops.ndo_fdb_del(ndm, tb, dev, addr, vid, bool *notified, extack)
 * (the newer kernels: the core sends the generic RTM_DELNEIGH only when the
 * callback did not notify) on a kernel whose slot is 5.10's
 * (ndm, tb, dev, addr, vid) and whose core (rtnl_fdb_del) notifies after every
 * successful call.
 *
 * netdev_hwtstamp_ndo's wrapper of <linux/netdevice.h> renamed the kernel's
 * slot kb_kernel_fdb_del and appended kb_drv_fdb_del of the newer type; the
 * designator macro below makes the driver's `.ndo_fdb_del = fn` put fn there
 * and the trampoline in the kernel's slot of the driver's own table: the
 * driver is called with a local notified = false and a NULL extack (this core
 * has none to give; NL_SET_ERR_MSG* test it), and its value returned.
 *
 * Limit (named): a driver that sends its own notification and sets *notified
 * gets the older core's generic one too. The trampoline finds the driver's
 * function through dev->netdev_ops (only the kernel's bridge, a port's
 * master, is called for another device).
 */
#include <linux/netdevice.h>	/* the layer applies it after this header; inline may not */
#ifndef KB_NETDEV_HWTSTAMP_NDO_WRAP
#error "kbridge: ndo_fdb_del_notified renames the kernel's slot in netdev_hwtstamp_ndo's wrapper of <linux/netdevice.h>, which serves kernels before 6.6 only"
#endif
#include <linux/rtnetlink.h>	/* ndo_dflt_fdb_del */

static __maybe_unused int kb_ndo_fdb_del_tramp(struct ndmsg *ndm, struct nlattr *tb[],
					       struct net_device *dev,
					       const unsigned char *addr, u16 vid)
{
	bool notified = false;

	/* a slot the driver named NULL (`.ndo_fdb_del = NULL`): the designator macro still puts the
	 * trampoline in the kernel's slot, so it does what this core does with an empty slot */
	if (!dev->netdev_ops->kb_drv_fdb_del)
		return ndo_dflt_fdb_del(ndm, tb, dev, addr, vid);
	return dev->netdev_ops->kb_drv_fdb_del(ndm, tb, dev, addr, vid, &notified, NULL);
}

#ifdef ndo_fdb_del
#error "kbridge: ndo_fdb_del is already a macro; ndo_fdb_del_notified cannot fill the driver's tables"
#endif
#define ndo_fdb_del	kb_kernel_fdb_del = kb_ndo_fdb_del_tramp, .kb_drv_fdb_del
