/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ethtool_get_ts_info_by_layer() (Linux >= 6.11) on a kernel without it.
 *
 * Documented behaviour: the time-stamping capabilities of dev as ethtool
 * reports them. On this kernel that answer is __ethtool_get_ts_info()'s, the
 * path this kernel's own macvlan takes for its lower device: the PHY's when
 * it time-stamps, else the MAC driver's get_ts_info, else software rx
 * time-stamping and software time stamps without a PTP clock. The lower
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
	struct ethtool_ts_info ts = { .cmd = ETHTOOL_GET_TS_INFO };
	int err = 0;

	if (phy_has_tsinfo(phydev)) {
		err = phy_ts_info(phydev, &ts);
	} else if (ops && ops->KB_ETHTOOL_KERNEL_SLOT) {
		err = ops->KB_ETHTOOL_KERNEL_SLOT(dev, &ts);
	} else {
		ts.so_timestamping = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
		ts.phc_index = -1;
	}
	memset(info, 0, sizeof(*info));
	info->cmd = ts.cmd;
	info->so_timestamping = ts.so_timestamping;
	info->phc_index = ts.phc_index;
	info->tx_types = ts.tx_types;
	info->rx_filters = ts.rx_filters;
	return err;
}
