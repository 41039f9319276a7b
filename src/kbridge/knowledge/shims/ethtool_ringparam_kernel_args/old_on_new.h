/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ethtool_ops.get_ringparam/set_ringparam of the older form (dev, ring) on a
 * kernel whose slots take (dev, ring, struct kernel_ethtool_ringparam *,
 * struct netlink_ext_ack *) (Linux >= 5.17, commit 7462494408cd).
 *
 * ethtool_kernel_ts_info's wrapper of <linux/ethtool.h> renamed the kernel's
 * slots kb_kernel_get_ringparam/kb_kernel_set_ringparam and appended
 * kb_drv_get_ringparam/kb_drv_set_ringparam of the older type; the designator
 * macros below make the driver's `.get_ringparam = fn` put fn there and the
 * trampoline in the kernel's slot of the driver's own table. The trampoline
 * calls the driver with (dev, ring). The newer core zeroes the kernel struct
 * before get (and sets tcp_data_split and hds_thresh from the device's
 * configuration itself), so an older driver's device reports no rx_buf_len,
 * cqe_size or push modes, as the newer kernel reports for any driver that
 * does not fill them; before set it refuses rx_buf_len, tcp_data_split,
 * cqe_size, tx_push, rx_push, tx_push_buf_len and hds_thresh unless the
 * driver's supported_ring_params advertises them -- an older driver's table
 * has no such member, so it is zero and the newer kernel refuses them
 * exactly as for a newer driver that advertises none.
 * A member the driver designates only as NULL (`.get_ringparam = NULL`) gets
 * no trampoline: the layer defines KB_NULL_INIT_<MEMBER> (shim.toml
 * null_inits) and the macro below only renames it, so the kernel's slot stays
 * NULL and the core answers -EOPNOTSUPP by the pointer, as for a table
 * without it; a driver designating a member NULL in one table and a function
 * in another is reported not bridged.
 */
/* the trampolines read dev->ethtool_ops: the layer applies this after <linux/netdevice.h>
 * (which includes <linux/ethtool.h> before struct net_device is complete); inline may not */
#include <linux/netdevice.h>
#include <linux/ethtool.h>
#ifndef KB_ETHTOOL_RINGPARAM_OLD_SLOTS
#error "kbridge: ethtool_ringparam_kernel_args renames the kernel's slots in ethtool_kernel_ts_info's wrapper of <linux/ethtool.h>, which is not in effect"
#endif

static __maybe_unused void kb_ethtool_get_ringparam_tramp(struct net_device *dev,
							  struct ethtool_ringparam *ring,
							  struct kernel_ethtool_ringparam *kernel_ring,
							  struct netlink_ext_ack *extack)
{
	if (dev->ethtool_ops->kb_drv_get_ringparam)
		dev->ethtool_ops->kb_drv_get_ringparam(dev, ring);
}

static __maybe_unused int kb_ethtool_set_ringparam_tramp(struct net_device *dev,
							 struct ethtool_ringparam *ring,
							 struct kernel_ethtool_ringparam *kernel_ring,
							 struct netlink_ext_ack *extack)
{
	if (!dev->ethtool_ops->kb_drv_set_ringparam)
		return -EOPNOTSUPP;
	return dev->ethtool_ops->kb_drv_set_ringparam(dev, ring);
}

/* the designator macros (last: the code above uses the members' names) */
#if defined(get_ringparam) || defined(set_ringparam)
#error "kbridge: get_ringparam or set_ringparam is already a macro; ethtool_ringparam_kernel_args cannot fill the driver's tables"
#endif
#ifdef KB_NULL_INIT_GET_RINGPARAM	/* the driver designates .get_ringparam only as NULL: the kernel's slot stays NULL */
#define get_ringparam	kb_kernel_get_ringparam
#else
#define get_ringparam	kb_kernel_get_ringparam = kb_ethtool_get_ringparam_tramp, .kb_drv_get_ringparam
#endif
#ifdef KB_NULL_INIT_SET_RINGPARAM	/* the driver designates .set_ringparam only as NULL: the kernel's slot stays NULL */
#define set_ringparam	kb_kernel_set_ringparam
#else
#define set_ringparam	kb_kernel_set_ringparam = kb_ethtool_set_ringparam_tramp, .kb_drv_set_ringparam
#endif
