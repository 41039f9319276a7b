/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dev->change_proto_down = true (a driver written after 2106efda785b "net: remove
 * .ndo_change_proto_down", 5.17, in its 6.12+ form, beb5a9bea823) on a kernel that still
 * asks the device's ops for IFLA_PROTO_DOWN: net_device_ops.ndo_change_proto_down, whose
 * only implementation there is the core's dev_change_proto_down_generic() (5.10 .. 5.16).
 *
 * The newer core (rtnetlink do_set_proto_down, sysfs proto_down_store through
 * dev_change_proto_down/netif_change_proto_down) refuses the request with -EOPNOTSUPP
 * unless the DEVICE has dev->change_proto_down, -ENODEV for a device not present, and
 * otherwise turns the carrier off (on) and stores dev->proto_down itself. The older core
 * asks the device's OPS TABLE: no ndo_change_proto_down, -EOPNOTSUPP ("Protodown not
 * supported by device"); not present, -ENODEV; else it calls the slot, and the generic
 * turns the carrier and stores proto_down. The bit is per device, the slot per table, so:
 *
 *  - dev->change_proto_down is a bit in struct net_device's tail padding (netdev_lltx's
 *    wrapper of <linux/netdevice.h>, KB_NETDEV_CPD_NDO; the kernel's size is kept);
 *  - every net_device_ops table of the driver that designates .ndo_start_xmit (every
 *    table of a device that transmits) gets kb_cpd_ndo_tramp in the kernel's
 *    ndo_change_proto_down slot through the designator macro below -- the table stays the
 *    one the kernel sees (dev->netdev_ops == &ops, as on the newer kernel);
 *  - the trampoline reads the bit of the device it is called for: set, the kernel's own
 *    dev_change_proto_down_generic() (what this kernel does for every device that
 *    supports proto-down, its own macvlan and vxlan included); clear, -EOPNOTSUPP, the
 *    newer kernel's answer for a device without the bit.
 *
 * Limits (named, not hidden): for a device of such a table WITHOUT the bit, this kernel
 * checks the slot first, so an IFLA_PROTO_DOWN_REASON in the same request is applied
 * before the refusal and no extack message is given ("Protodown not supported by device"
 * on the newer kernel), and a device not present answers -ENODEV before -EOPNOTSUPP.
 * Carrier changes outside the proto-down request are this kernel's own core behaviour
 * for every device (7.2 and later keep the carrier off while proto_down is set,
 * 99f8efac7f99, and turn it on when clearing proto_down only when the lower device has
 * carrier): the layer changes neither. A driver that reads ops->ndo_start_xmit by name
 * is refused (shim.toml), and a table without .ndo_start_xmit gets no trampoline: the
 * module's notifier warns at registration of a device that sets the bit on such a table.
 */
#include <linux/netdevice.h>

#ifndef KB_NETDEV_CPD_NDO
#error "kbridge: ndo_change_proto_down_removed (new_on_old) needs netdev_lltx's <linux/netdevice.h> wrapper (compat/include) first on the include path"
#endif
#ifndef KB_NETDEV_BOX_H
#error "kbridge: ndo_change_proto_down_removed (new_on_old) needs the netdev shims of netdev_hwtstamp_ndo (new_on_old.h)"
#endif

static __maybe_unused int kb_cpd_ndo_tramp(struct net_device *dev, bool proto_down)
{
	if (!dev->change_proto_down)
		return -EOPNOTSUPP;	/* the newer core's answer for a device without the bit */
	return dev_change_proto_down_generic(dev, proto_down);
}

#ifdef ndo_start_xmit
#error "kbridge: ndo_start_xmit is already a macro; ndo_change_proto_down_removed cannot fill the driver's tables"
#endif
#define ndo_start_xmit		ndo_change_proto_down = kb_cpd_ndo_tramp, .ndo_start_xmit
