/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ethtool_ops.get_coalesce/set_coalesce taking (dev, ec, struct
 * kernel_ethtool_coalesce *, struct netlink_ext_ack *) (Linux >= 5.15, commit
 * f3ccfda19319) on a kernel whose slots take (dev, ec).
 *
 * ethtool_kernel_ts_info's wrapper of <linux/ethtool.h> renamed the kernel's
 * slots kb_kernel_get_coalesce/kb_kernel_set_coalesce, declared struct
 * kernel_ethtool_coalesce with the newer kernel's members and appended
 * kb_drv_get_coalesce/kb_drv_set_coalesce of the newer type; the designator
 * macros below make the driver's `.get_coalesce = fn` put fn there and the
 * trampoline in the kernel's slot of the driver's own table (still the one
 * dev->ethtool_ops points to). The trampolines do what the newer kernel's
 * ioctl path does around the callbacks (net/ethtool/ioctl.c,
 * ethtool_get_coalesce / ethtool_set_coalesce):
 *  - get: a zeroed struct kernel_ethtool_coalesce and a NULL extack;
 *  - set: the newer core requires both callbacks (-EOPNOTSUPP otherwise),
 *    calls get_coalesce first into a zeroed kernel struct (its error
 *    returned), then set_coalesce with the user's ethtool_coalesce and that
 *    kernel struct, NULL extack. This kernel has already copied the user's
 *    struct in and refused parameters outside supported_coalesce_params
 *    (the bits this kernel knows keep their values on the newer one).
 * This kernel has no request that sets a kernel_* field (CQE mode, tx
 * aggregation, CQE frames/nsecs), so the driver sees exactly what the newer
 * ioctl path gives it. Limit (named): driver code that reads the members by
 * name, or a header with members of the same names, does not build (refused).
 */
/* the trampolines read dev->ethtool_ops: the layer applies this after <linux/netdevice.h>
 * (which includes <linux/ethtool.h> before struct net_device is complete); inline may not */
#include <linux/netdevice.h>
#include <linux/ethtool.h>
#ifndef KB_ETHTOOL_COALESCE_KERNEL_ARGS_WRAP
#error "kbridge: ethtool_coalesce_kernel_args renames the kernel's slots in ethtool_kernel_ts_info's wrapper of <linux/ethtool.h>, which is not in effect"
#endif
#include <linux/string.h>

static __maybe_unused int kb_ethtool_get_coalesce_tramp(struct net_device *dev,
							struct ethtool_coalesce *ec)
{
	struct kernel_ethtool_coalesce kernel_coal = {};

	if (!dev->ethtool_ops->kb_drv_get_coalesce)
		return -EOPNOTSUPP;
	return dev->ethtool_ops->kb_drv_get_coalesce(dev, ec, &kernel_coal, NULL);
}

static __maybe_unused int kb_ethtool_set_coalesce_tramp(struct net_device *dev,
							struct ethtool_coalesce *ec)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;
	struct kernel_ethtool_coalesce kernel_coal = {};
	struct ethtool_coalesce cur;
	int ret;

	if (!ops->kb_drv_set_coalesce || !ops->kb_drv_get_coalesce)
		return -EOPNOTSUPP;
	memset(&cur, 0, sizeof(cur));
	cur.cmd = ETHTOOL_GCOALESCE;
	ret = ops->kb_drv_get_coalesce(dev, &cur, &kernel_coal, NULL);
	if (ret)
		return ret;
	return ops->kb_drv_set_coalesce(dev, ec, &kernel_coal, NULL);
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
