/* SPDX-License-Identifier: GPL-2.0 */
/*
 * .ndo_change_proto_down = dev_change_proto_down_generic (a driver written before
 * 2106efda785b "net: remove .ndo_change_proto_down", 5.17) on a kernel where a device
 * accepts IFLA_PROTO_DOWN when dev->change_proto_down is set (5.17: the
 * IFF_CHANGE_PROTO_DOWN priv flag; 6.12: the bit) and the core itself does what the
 * generic did.
 *
 * The older core (rtnetlink do_set_proto_down, dev_change_proto_down) refused the
 * request with -EOPNOTSUPP ("Protodown not supported by device") unless the device's
 * ops had the slot, -ENODEV for a device not present, and otherwise called it;
 * dev_change_proto_down_generic() turned the carrier off (on) and stored
 * dev->proto_down. The newer core (netif_change_proto_down) makes exactly those
 * checks, at the same place, on dev->change_proto_down, and then turns the carrier
 * and stores proto_down itself. So a device whose table designates the generic is
 * one with dev->change_proto_down set: the module's netdevice notifier sets it at
 * NETDEV_POST_INIT (register_netdevice(), after the driver's setup and ndo_init,
 * before the device is visible to rtnetlink) for a device whose dev->netdev_ops is
 * a table of this module that designated it.
 *
 * In the driver's tables, `.ndo_change_proto_down` names kb_drv_change_proto_down,
 * appended to the driver's view of struct net_device_ops by netdev_lltx's wrapper
 * (the kernel never reads it) and typed so that only the generic fits:
 * dev_change_proto_down_generic is a marker of that type. A driver function of its
 * own in the slot (the newer kernel would never call it) does not build
 * (incompatible pointer type), nor does a direct call of the generic: both loudly.
 */
#include <linux/module.h>
#include <linux/netdevice.h>

#ifndef KB_NETDEV_OPS_FIX_FEATURES_WRAP
#error "kbridge: ndo_change_proto_down_removed needs netdev_lltx's <linux/netdevice.h> wrapper (compat/include) first on the include path"
#endif

struct kb_cpd_generic_only { };
static struct kb_cpd_generic_only kb_cpd_generic_marker __maybe_unused;

static inline void kb_ndo_change_proto_down_post_init(struct net_device *dev)
{
	/* only this module's tables have the appended member */
	if (dev->netdev_ops && within_module((unsigned long)dev->netdev_ops, THIS_MODULE) &&
	    dev->netdev_ops->kb_drv_change_proto_down)
#ifdef KB_HAVE_NETDEV_CHANGE_PROTO_DOWN
		dev->change_proto_down = true;
#else
		dev->priv_flags |= IFF_CHANGE_PROTO_DOWN;	/* 5.17 .. 6.11 */
#endif
}
#undef KB_NETDEV_POST_INIT_NDO_PROTO_DOWN
#define KB_NETDEV_POST_INIT_NDO_PROTO_DOWN(dev)	kb_ndo_change_proto_down_post_init(dev)

#if defined(ndo_change_proto_down) || defined(dev_change_proto_down_generic)
#error "kbridge: ndo_change_proto_down or dev_change_proto_down_generic is already a macro; ndo_change_proto_down_removed cannot fill the driver's tables"
#endif
#define ndo_change_proto_down		kb_drv_change_proto_down
#define dev_change_proto_down_generic	(&kb_cpd_generic_marker)
