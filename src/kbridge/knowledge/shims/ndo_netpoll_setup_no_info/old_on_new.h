/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_device_ops.ndo_netpoll_setup(dev, struct netpoll_info *) (5.10 .. 6.12)
 * on a kernel whose slot is ndo_netpoll_setup(dev). Both cores call it at the
 * same point of __netpoll_setup(): the device's first netpoll, its
 * netpoll_info allocated and not yet linked to dev->npinfo (still NULL), an
 * error undoing the setup. The newer core gives the callback no pointer to
 * that netpoll_info, so the trampoline passes NULL.
 *
 * netdev_lltx's wrapper of <linux/netdevice.h> renamed the kernel's slot
 * kb_kernel_netpoll_setup and appended kb_drv_netpoll_setup of the older
 * type; the designator macro below makes the driver's `.ndo_netpoll_setup =
 * fn` put fn there and the trampoline in the kernel's slot of the driver's own
 * table (the core calls a device's own ops, dev->netdev_ops, with that device).
 *
 * Limit (named): the older kernel's own implementers (bonding, bridge, team,
 * macvlan, 8021q, dsa) never read the info argument; a driver that
 * dereferences it would oops on the NULL.
 */
#include <linux/netdevice.h>	/* the layer applies it after this header; inline may not */
#ifndef KB_NETDEV_OPS_FIX_FEATURES_WRAP
#error "kbridge: ndo_netpoll_setup_no_info renames the kernel's slot in netdev_lltx's wrapper of <linux/netdevice.h>, which is not in effect"
#endif

#ifdef CONFIG_NET_POLL_CONTROLLER
static __maybe_unused int kb_ndo_netpoll_setup_tramp(struct net_device *dev)
{
	/* a slot the driver named NULL: this core calls nothing then (no error) */
	if (!dev->netdev_ops->kb_drv_netpoll_setup)
		return 0;
	return dev->netdev_ops->kb_drv_netpoll_setup(dev, NULL);
}
#endif

#ifdef ndo_netpoll_setup
#error "kbridge: ndo_netpoll_setup is already a macro; ndo_netpoll_setup_no_info cannot fill the driver's tables"
#endif
#define ndo_netpoll_setup	kb_kernel_netpoll_setup = kb_ndo_netpoll_setup_tramp, .kb_drv_netpoll_setup
