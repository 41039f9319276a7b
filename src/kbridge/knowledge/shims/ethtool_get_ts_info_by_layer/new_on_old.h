/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ethtool_get_ts_info_by_layer() (Linux >= 6.11) on a kernel without it.
 *
 * Documented behaviour (6.11+: the same as the ethtool core's own query,
 * __ethtool_get_ts_info()): the time-stamping capabilities of dev, prepared
 * with no PTP clock (phc_index -1), from the PHY when it time-stamps, else
 * from the MAC driver's get_ts_info, and software rx time stamps always
 * reported (every kernel takes them in its receive path). On this kernel the
 * PHY-or-MAC choice is the path its own macvlan takes for its lower device
 * (phy_has_tsinfo(), else get_ts_info, else software rx stamping). The lower
 * device is this kernel's, so its callback has the kernel's type (the slot
 * kb_get_ts_info_ethtool_ts_info of ethtool_kernel_ts_info's wrapper, or
 * get_ts_info when that wrapper is not in use); the answer is converted
 * field by field into the caller's struct kernel_ethtool_ts_info.
 */
#include <linux/ethtool.h>
#include <linux/phy.h>

#ifdef KB_ETHTOOL_KERNEL_TS_INFO_WRAP
#define KB_ETHTOOL_KERNEL_SLOT	kb_get_ts_info_ethtool_ts_info
#else
#define KB_ETHTOOL_KERNEL_SLOT	get_ts_info
#endif

#define ethtool_get_ts_info_by_layer	kb_ethtool_get_ts_info_by_layer
static inline int kb_ethtool_get_ts_info_by_layer(struct net_device *dev,
						  struct kernel_ethtool_ts_info *info)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;
	struct phy_device *phydev = dev->phydev;
	struct ethtool_ts_info ts = { .cmd = ETHTOOL_GET_TS_INFO, .phc_index = -1 };
	int err = 0;

	if (phy_has_tsinfo(phydev)) {
		err = (phy_ts_info)(phydev, &ts);	/* the kernel's, not a shim's */
	} else if (ops && ops->KB_ETHTOOL_KERNEL_SLOT) {
		err = ops->KB_ETHTOOL_KERNEL_SLOT(dev, &ts);
	}
	ts.so_timestamping |= SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	memset(info, 0, sizeof(*info));
	info->cmd = ts.cmd;
	info->so_timestamping = ts.so_timestamping;
	info->phc_index = ts.phc_index;
	info->tx_types = ts.tx_types;
	info->rx_filters = ts.rx_filters;
	return err;
}
