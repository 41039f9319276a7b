/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ethtool_ops.get_coalesce/set_coalesce of the older form (dev, ec) on a
 * kernel whose slots take (dev, ec, struct kernel_ethtool_coalesce *,
 * struct netlink_ext_ack *) (Linux >= 5.15, commit f3ccfda19319).
 *
 * ethtool_kernel_ts_info's wrapper of <linux/ethtool.h> renamed the kernel's
 * slots kb_kernel_get_coalesce/kb_kernel_set_coalesce and appended
 * kb_drv_get_coalesce/kb_drv_set_coalesce of the older type; the designator
 * macros below make the driver's `.get_coalesce = fn` put fn there and the
 * trampoline in the kernel's slot of the driver's own table. The trampoline
 * calls the driver with (dev, ec): the newer core zeroes the kernel struct
 * before every call (ioctl and netlink paths), so an older driver's device
 * reports CQE mode off and no aggregation, as the newer kernel reports for
 * any driver that does not fill them; and before set_coalesce the newer core
 * refuses every attribute whose ETHTOOL_COALESCE_* bit is not in the
 * driver's supported_coalesce_params -- an older driver's holds only bits
 * 0-21, which keep their values (static_assert below), so the CQE,
 * aggregation and profile attributes are refused exactly as for a newer
 * driver that does not advertise them, and the kernel struct the core hands
 * to set carries nothing the driver was meant to act on.
 */
/* the trampolines read dev->ethtool_ops: the layer applies this after <linux/netdevice.h>
 * (which includes <linux/ethtool.h> before struct net_device is complete); inline may not */
#include <linux/netdevice.h>
#include <linux/ethtool.h>
#ifndef KB_ETHTOOL_COALESCE_OLD_SLOTS
#error "kbridge: ethtool_coalesce_kernel_args renames the kernel's slots in ethtool_kernel_ts_info's wrapper of <linux/ethtool.h>, which is not in effect"
#endif
#include <linux/build_bug.h>

static_assert(ETHTOOL_COALESCE_RX_USECS == (1 << 0) &&
	      ETHTOOL_COALESCE_RATE_SAMPLE_INTERVAL == (1 << 21) &&
	      ETHTOOL_COALESCE_USE_ADAPTIVE_RX == (1 << 9),
	      "kbridge: this kernel's ETHTOOL_COALESCE_* bits are not the older kernel's; "
	      "an older driver's supported_coalesce_params would mean something else here");

static __maybe_unused int kb_ethtool_get_coalesce_tramp(struct net_device *dev,
							struct ethtool_coalesce *ec,
							struct kernel_ethtool_coalesce *kernel_coal,
							struct netlink_ext_ack *extack)
{
	if (!dev->ethtool_ops->kb_drv_get_coalesce)
		return -EOPNOTSUPP;
	return dev->ethtool_ops->kb_drv_get_coalesce(dev, ec);
}

static __maybe_unused int kb_ethtool_set_coalesce_tramp(struct net_device *dev,
							struct ethtool_coalesce *ec,
							struct kernel_ethtool_coalesce *kernel_coal,
							struct netlink_ext_ack *extack)
{
	if (!dev->ethtool_ops->kb_drv_set_coalesce)
		return -EOPNOTSUPP;
	return dev->ethtool_ops->kb_drv_set_coalesce(dev, ec);
}

/*
 * the designator macros (last: the code above uses the members' names); a member the
 * driver designates only as NULL gets none of the trampoline (KB_NULL_INIT_<MEMBER>, from
 * shim.toml's null_inits): the kernel's slot stays NULL, which the core tests (-EOPNOTSUPP;
 * register_netdevice's ethtool_check_ops refuses a set_coalesce without
 * supported_coalesce_params)
 */
#if defined(get_coalesce) || defined(set_coalesce)
#error "kbridge: get_coalesce or set_coalesce is already a macro; ethtool_coalesce_kernel_args cannot fill the driver's tables"
#endif
#ifdef KB_NULL_INIT_GET_COALESCE	/* the driver designates .get_coalesce only as NULL: the kernel's slot stays NULL */
#define get_coalesce	kb_kernel_get_coalesce
#else
#define get_coalesce	kb_kernel_get_coalesce = kb_ethtool_get_coalesce_tramp, .kb_drv_get_coalesce
#endif
#ifdef KB_NULL_INIT_SET_COALESCE	/* the driver designates .set_coalesce only as NULL: the kernel's slot stays NULL */
#define set_coalesce	kb_kernel_set_coalesce
#else
#define set_coalesce	kb_kernel_set_coalesce = kb_ethtool_set_coalesce_tramp, .kb_drv_set_coalesce
#endif
