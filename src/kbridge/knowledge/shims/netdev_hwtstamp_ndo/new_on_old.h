/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The newer kernels' hardware time-stamping API (Linux >= 6.6, commit
 * 66f7223039c0: ndo_hwtstamp_get/set with struct kernel_hwtstamp_config,
 * generic_hwtstamp_get/set_lower()) on a kernel that hands SIOCGHWTSTAMP /
 * SIOCSHWTSTAMP to ndo_eth_ioctl -- and the registration-time "box" that the
 * other netdev shims of this layer share (net_device.lltx and
 * .change_proto_down, 6.12; ethtool_ops.get_ts_info with struct
 * kernel_ethtool_ts_info, 6.11).
 *
 * The box. The driver's net_device_ops / ethtool_ops are static const and
 * carry slots of the newer types (see this rule's and ethtool_kernel_ts_info's
 * wrappers). At register_netdevice()/register_netdev() the device's ops
 * pointers are replaced by a copy in static storage of this module (one per
 * distinct driver ops pointer, never freed, so nothing to undo) whose slots
 * of the kernel's types hold trampolines:
 *  - ndo_eth_ioctl: SIOCGHWTSTAMP/SIOCSHWTSTAMP are served as the newer core
 *    serves them (net/core/dev_ioctl.c of 6.6+, dev_get_hwtstamp /
 *    dev_set_hwtstamp, written from that behaviour): copy the user's struct
 *    hwtstamp_config in, convert it to a kernel_hwtstamp_config that also
 *    carries the ioctl's ifreq, call the driver, convert back and copy out
 *    unless the driver already answered through the ifreq; a device time-
 *    stamped by its PHY goes to phy_mii_ioctl() as before. Other commands,
 *    or a driver without the new slots, reach the driver's own ndo_eth_ioctl.
 *    This kernel has already checked SIOCSHWTSTAMP's flags
 *    (net_hwtstamp_validate()) and the caller's CAP_NET_ADMIN.
 *  - ndo_init: the driver's, then dev->lltx / dev->change_proto_down are
 *    converted to what this kernel reads (NETIF_F_LLTX in dev->features,
 *    IFF_CHANGE_PROTO_DOWN in dev->priv_flags); they are converted again
 *    just before register_netdevice() for drivers that set them in setup.
 *  - ndo_fix_features: the driver's, then NETIF_F_LLTX kept while dev->lltx
 *    (a newer driver masks the features to the set it knows, which no longer
 *    contains NETIF_F_LLTX; on the newer kernel lltx is not a feature bit
 *    and cannot be dropped that way).
 *  - ethtool get_ts_info: a kernel_ethtool_ts_info prepared as the newer
 *    core prepares it (zeroed, cmd, phc_index -1), the driver's callback,
 *    software rx time-stamping added as the newer core adds it for every
 *    device, then every field copied into the kernel's struct ethtool_ts_info.
 */
#ifndef KB_NETDEV_BOX_H
#define KB_NETDEV_BOX_H
#include <linux/netdevice.h>
#include <linux/ethtool.h>
#include <linux/phy.h>
#include <linux/uaccess.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/sockios.h>
#include <uapi/linux/net_tstamp.h>

enum hwtstamp_source {
	HWTSTAMP_SOURCE_UNSPEC,
	HWTSTAMP_SOURCE_NETDEV,
	HWTSTAMP_SOURCE_PHYLIB,
};

/* the newer kernel's kernel copy of struct hwtstamp_config (<linux/net_tstamp.h>) */
struct kernel_hwtstamp_config {
	int flags;
	int tx_type;
	int rx_filter;
	struct ifreq *ifr;
	bool copied_to_user;
	enum hwtstamp_source source;
};

#define hwtstamp_config_to_kernel	kb_hwtstamp_config_to_kernel
static inline void kb_hwtstamp_config_to_kernel(struct kernel_hwtstamp_config *kernel_cfg,
						const struct hwtstamp_config *cfg)
{
	kernel_cfg->flags = cfg->flags;
	kernel_cfg->tx_type = cfg->tx_type;
	kernel_cfg->rx_filter = cfg->rx_filter;
}

#define hwtstamp_config_from_kernel	kb_hwtstamp_config_from_kernel
static inline void kb_hwtstamp_config_from_kernel(struct hwtstamp_config *cfg,
						  const struct kernel_hwtstamp_config *kernel_cfg)
{
	cfg->flags = kernel_cfg->flags;
	cfg->tx_type = kernel_cfg->tx_type;
	cfg->rx_filter = kernel_cfg->rx_filter;
}

/*
 * generic_hwtstamp_get/set_lower(): a stacked device passes the request to
 * its lower device. On this kernel every lower device takes it through its
 * ndo_eth_ioctl with the user's ifreq (the path the newer kernel keeps for
 * unconverted lower drivers, and what this kernel's own macvlan does): the
 * request's ifreq is copied with the lower device's name, answered in place,
 * copied back, and marked as already copied to user space.
 */
static inline int kb_hwtstamp_ioctl_lower(struct net_device *dev, int cmd,
					  struct kernel_hwtstamp_config *kernel_cfg)
{
	const struct net_device_ops *ops = dev->netdev_ops;
	struct ifreq ifrr;
	int err;

	if (!netif_device_present(dev))
		return -ENODEV;
	if (!ops->ndo_eth_ioctl || !kernel_cfg->ifr)
		return -EOPNOTSUPP;
	strscpy_pad(ifrr.ifr_name, dev->name, IFNAMSIZ);
	ifrr.ifr_ifru = kernel_cfg->ifr->ifr_ifru;
	err = ops->ndo_eth_ioctl(dev, &ifrr, cmd);
	if (err)
		return err;
	kernel_cfg->ifr->ifr_ifru = ifrr.ifr_ifru;
	kernel_cfg->copied_to_user = true;
	return 0;
}

#define generic_hwtstamp_get_lower	kb_generic_hwtstamp_get_lower
static inline int kb_generic_hwtstamp_get_lower(struct net_device *dev,
						struct kernel_hwtstamp_config *kernel_cfg)
{
	return kb_hwtstamp_ioctl_lower(dev, SIOCGHWTSTAMP, kernel_cfg);
}

#define generic_hwtstamp_set_lower	kb_generic_hwtstamp_set_lower
static inline int kb_generic_hwtstamp_set_lower(struct net_device *dev,
						struct kernel_hwtstamp_config *kernel_cfg,
						struct netlink_ext_ack *extack)
{
	return kb_hwtstamp_ioctl_lower(dev, SIOCSHWTSTAMP, kernel_cfg);
}

/* --- the box ------------------------------------------------------------- */

#define KB_NETDEV_BOXES 4

struct kb_netdev_box {
	struct net_device_ops ops;		/* what the kernel reads (driver's view: longer) */
	const struct net_device_ops *driver;	/* the driver's own, const */
};
static struct kb_netdev_box __maybe_unused kb_netdev_boxes[KB_NETDEV_BOXES];

#ifdef KB_ETHTOOL_KERNEL_TS_INFO_WRAP
struct kb_ethtool_box {
	struct ethtool_ops ops;
	const struct ethtool_ops *driver;
};
static struct kb_ethtool_box __maybe_unused kb_ethtool_boxes[KB_NETDEV_BOXES];
#endif
static __maybe_unused DEFINE_MUTEX(kb_netdev_box_lock);

static inline const struct net_device_ops *kb_netdev_driver_ops(const struct net_device *dev)
{
	return container_of(dev->netdev_ops, struct kb_netdev_box, ops)->driver;
}

/* what this kernel reads for the newer kernel's per-device bits */
static inline void kb_netdev_apply_bits(struct net_device *dev)
{
#ifdef KB_NETDEV_LLTX_BRIDGED
	if (dev->lltx)
		dev->features |= NETIF_F_LLTX;
#endif
#ifdef KB_NETDEV_CPD_BRIDGED
	if (dev->change_proto_down)
		dev->priv_flags |= IFF_CHANGE_PROTO_DOWN;
#endif
}

static __maybe_unused int kb_netdev_init_tramp(struct net_device *dev)
{
	const struct net_device_ops *drv = kb_netdev_driver_ops(dev);
	int err = drv->ndo_init ? drv->ndo_init(dev) : 0;

	if (!err)
		kb_netdev_apply_bits(dev);
	return err;
}

static __maybe_unused netdev_features_t kb_netdev_fix_features_tramp(struct net_device *dev,
						      netdev_features_t features)
{
	features = kb_netdev_driver_ops(dev)->ndo_fix_features(dev, features);
#ifdef KB_NETDEV_LLTX_BRIDGED
	if (dev->lltx)
		features |= NETIF_F_LLTX;
#endif
	return features;
}

static __maybe_unused int kb_dev_get_hwtstamp(struct net_device *dev, struct ifreq *ifr)
{
	const struct net_device_ops *drv = kb_netdev_driver_ops(dev);
	struct kernel_hwtstamp_config kernel_cfg = {};
	struct hwtstamp_config cfg;
	int err;

	kernel_cfg.ifr = ifr;
	err = drv->ndo_hwtstamp_get(dev, &kernel_cfg);
	if (err)
		return err;
	if (!kernel_cfg.copied_to_user) {
		kb_hwtstamp_config_from_kernel(&cfg, &kernel_cfg);
		if (copy_to_user(ifr->ifr_data, &cfg, sizeof(cfg)))
			return -EFAULT;
	}
	return 0;
}

static __maybe_unused int kb_dev_set_hwtstamp(struct net_device *dev, struct ifreq *ifr)
{
	const struct net_device_ops *drv = kb_netdev_driver_ops(dev);
	struct kernel_hwtstamp_config kernel_cfg = {};
	struct netlink_ext_ack extack = {};
	struct hwtstamp_config cfg;
	int err;

	if (copy_from_user(&cfg, ifr->ifr_data, sizeof(cfg)))
		return -EFAULT;
	kb_hwtstamp_config_to_kernel(&kernel_cfg, &cfg);
	kernel_cfg.ifr = ifr;
	kernel_cfg.source = HWTSTAMP_SOURCE_NETDEV;	/* the PHY path is taken before */
	err = drv->ndo_hwtstamp_set(dev, &kernel_cfg, &extack);
	if (err) {
		if (extack._msg)
			netdev_err(dev, "%s\n", extack._msg);
		return err;
	}
	if (kernel_cfg.copied_to_user)
		return 0;
	kb_hwtstamp_config_from_kernel(&cfg, &kernel_cfg);
	if (copy_to_user(ifr->ifr_data, &cfg, sizeof(cfg)))
		return -EFAULT;
	return 0;
}

static __maybe_unused int kb_netdev_eth_ioctl_tramp(struct net_device *dev, struct ifreq *ifr, int cmd)
{
	const struct net_device_ops *drv = kb_netdev_driver_ops(dev);

	if ((cmd == SIOCGHWTSTAMP && drv->ndo_hwtstamp_get) ||
	    (cmd == SIOCSHWTSTAMP && drv->ndo_hwtstamp_set)) {
		/* the newer core asks the PHY first when it time-stamps */
		if (dev->phydev && phy_has_hwtstamp(dev->phydev))
			return phy_mii_ioctl(dev->phydev, ifr, cmd);
		return cmd == SIOCGHWTSTAMP ? kb_dev_get_hwtstamp(dev, ifr) : kb_dev_set_hwtstamp(dev, ifr);
	}
	return drv->ndo_eth_ioctl ? drv->ndo_eth_ioctl(dev, ifr, cmd) : -EOPNOTSUPP;
}

#ifdef KB_ETHTOOL_KERNEL_TS_INFO_WRAP
static __maybe_unused int kb_ethtool_get_ts_info_tramp(struct net_device *dev, struct ethtool_ts_info *info)
{
	const struct ethtool_ops *drv = container_of(dev->ethtool_ops, struct kb_ethtool_box, ops)->driver;
	struct kernel_ethtool_ts_info k = { .cmd = ETHTOOL_GET_TS_INFO, .phc_index = -1 };
	int err = drv->get_ts_info(dev, &k);

	k.so_timestamping |= SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	info->cmd = k.cmd;
	info->so_timestamping = k.so_timestamping;
	info->phc_index = k.phc_index;
	info->tx_types = k.tx_types;
	info->rx_filters = k.rx_filters;
	return err;
}
#endif

#ifdef KB_ETHTOOL_KERNEL_TS_INFO_WRAP
/*
 * phy_ts_info() fills a struct kernel_ethtool_ts_info since 6.11; this
 * kernel's PHY time-stampers fill the uapi struct: the caller's presets go
 * in, every field comes back.
 */
static inline int kb_phy_ts_info(struct phy_device *phydev, struct kernel_ethtool_ts_info *info)
{
	struct ethtool_ts_info ts = {
		.cmd = info->cmd, .so_timestamping = info->so_timestamping,
		.phc_index = info->phc_index, .tx_types = info->tx_types,
		.rx_filters = info->rx_filters,
	};
	int err = (phy_ts_info)(phydev, &ts);

	info->cmd = ts.cmd;
	info->so_timestamping = ts.so_timestamping;
	info->phc_index = ts.phc_index;
	info->tx_types = ts.tx_types;
	info->rx_filters = ts.rx_filters;
	return err;
}
#define phy_ts_info(phydev, info)	kb_phy_ts_info(phydev, info)
#endif

/* the box for dev's ops (0), or -ENOSPC when this module has more distinct ops than boxes */
static __maybe_unused int kb_netdev_box_install(struct net_device *dev)
{
	const struct net_device_ops *drv = dev->netdev_ops;
	int i, err = 0;

	mutex_lock(&kb_netdev_box_lock);
	if (drv && !(drv >= &kb_netdev_boxes[0].ops && drv <= &kb_netdev_boxes[KB_NETDEV_BOXES - 1].ops)) {
		for (i = 0; i < KB_NETDEV_BOXES; i++) {
			struct kb_netdev_box *b = &kb_netdev_boxes[i];

			if (b->driver == drv)
				break;
			if (!b->driver) {
				b->ops = *drv;
				b->ops.ndo_init = kb_netdev_init_tramp;
#ifdef KB_NETDEV_LLTX_BRIDGED
				if (drv->ndo_fix_features)
					b->ops.ndo_fix_features = kb_netdev_fix_features_tramp;
#endif
				if (drv->ndo_hwtstamp_get || drv->ndo_hwtstamp_set)
					b->ops.ndo_eth_ioctl = kb_netdev_eth_ioctl_tramp;
				b->driver = drv;
				break;
			}
		}
		if (i == KB_NETDEV_BOXES)
			err = -ENOSPC;
		else
			dev->netdev_ops = &kb_netdev_boxes[i].ops;
	}
#ifdef KB_ETHTOOL_KERNEL_TS_INFO_WRAP
	if (!err && dev->ethtool_ops && dev->ethtool_ops->get_ts_info &&
	    !(dev->ethtool_ops >= &kb_ethtool_boxes[0].ops &&
	      dev->ethtool_ops <= &kb_ethtool_boxes[KB_NETDEV_BOXES - 1].ops)) {
		const struct ethtool_ops *edrv = dev->ethtool_ops;

		for (i = 0; i < KB_NETDEV_BOXES; i++) {
			struct kb_ethtool_box *b = &kb_ethtool_boxes[i];

			if (b->driver == edrv)
				break;
			if (!b->driver) {
				b->ops = *edrv;
				b->ops.kb_get_ts_info_ethtool_ts_info = kb_ethtool_get_ts_info_tramp;
				b->driver = edrv;
				break;
			}
		}
		if (i == KB_NETDEV_BOXES)
			err = -ENOSPC;
		else
			dev->ethtool_ops = &kb_ethtool_boxes[i].ops;
	}
#endif
	mutex_unlock(&kb_netdev_box_lock);
	if (err)
		netdev_err(dev, "kbridge: more than %d distinct ops tables in one module\n", KB_NETDEV_BOXES);
	return err;
}

static inline int kb_register_netdevice(struct net_device *dev)
{
	int err = kb_netdev_box_install(dev);

	if (err)
		return err;
	kb_netdev_apply_bits(dev);
	return (register_netdevice)(dev);
}
#define register_netdevice(dev)	kb_register_netdevice(dev)

static inline int kb_register_netdev(struct net_device *dev)
{
	int err = kb_netdev_box_install(dev);

	if (err)
		return err;
	kb_netdev_apply_bits(dev);
	return (register_netdev)(dev);
}
#define register_netdev(dev)	kb_register_netdev(dev)
#endif
