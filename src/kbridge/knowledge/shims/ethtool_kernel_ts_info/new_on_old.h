/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ethtool_op_get_ts_info() with the newer kernel's type (it fills a struct
 * kernel_ethtool_ts_info since 6.11): a driver for the newer kernel puts it in
 * the retyped get_ts_info slot (this rule's wrapper of <linux/ethtool.h>).
 * It reports what the kernel's own helper reports on both kernels: software
 * tx and rx time-stamping, software time stamps, no PTP hardware clock.
 * The kernel calls it only through the trampoline in the driver's table
 * (rules/netdev_hwtstamp_ndo/new_on_old.h, put there by a designator macro).
 */
#ifdef KB_HAVE_NETDEV_HWTSTAMP_NDO
/* the trampoline and its designator macro are in netdev_hwtstamp_ndo's new_on_old
 * shim, applied only on kernels without ndo_hwtstamp_* (< 6.6); without it
 * the kernel would call the driver's callback with its own struct */
#error "kbridge: ethtool_kernel_ts_info cannot bridge a kernel with ndo_hwtstamp_get/set but without kernel_ethtool_ts_info (6.6-6.10) yet"
#endif
#define ethtool_op_get_ts_info	kb_ethtool_op_get_ts_info
static inline int kb_ethtool_op_get_ts_info(struct net_device *dev,
					    struct kernel_ethtool_ts_info *info)
{
	info->so_timestamping = SOF_TIMESTAMPING_TX_SOFTWARE |
				SOF_TIMESTAMPING_RX_SOFTWARE |
				SOF_TIMESTAMPING_SOFTWARE;
	info->phc_index = -1;
	return 0;
}
