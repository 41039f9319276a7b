/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The newer kernels' hardware time-stamping API (Linux >= 6.6, commit
 * 66f7223039c0: ndo_hwtstamp_get/set with struct kernel_hwtstamp_config,
 * generic_hwtstamp_get/set_lower()) on a kernel that hands SIOCGHWTSTAMP /
 * SIOCSHWTSTAMP to ndo_eth_ioctl -- and what the other new_on_old netdev
 * shims of this layer share: the trampolines in the driver's own ops tables
 * (net_device.lltx, 6.12; ethtool_ops.get_ts_info with struct
 * kernel_ethtool_ts_info, 6.11) and the conversion of the per-device bits
 * (lltx, change_proto_down, 6.12) when the kernel registers a device.
 *
 * The kernel sees the driver's own tables. dev->netdev_ops and
 * dev->ethtool_ops keep pointing at the driver's static const tables
 * (`dev->netdev_ops == &drv_ops` holds as on the newer kernel, for any number
 * of tables, kmalloc'd ones and a module loaded again). The tables are laid
 * out for the kernel by the wrappers of <linux/netdevice.h> and
 * <linux/ethtool.h> (the kernel's members at the kernel's offsets, the newer
 * members appended), and the designator macros at the end of this file put a
 * trampoline of the kernel's type into the kernel's slot whenever the driver
 * designates the newer member, the driver's function going to an appended one:
 *
 *   .ndo_hwtstamp_get/.ndo_hwtstamp_set = fn  also fill ndo_eth_ioctl's slot
 *   .ndo_eth_ioctl = fn       the slot: the trampoline; fn: kb_drv_eth_ioctl
 *   .ndo_do_ioctl = fn        (5.10, whose slot is ndo_do_ioctl) the slot: the
 *                             trampoline; fn: kb_drv_do_ioctl
 *   .ndo_fix_features = fn    the slot: the trampoline; fn: kb_drv_fix_features
 *                             (only when lltx is bridged)
 *   .get_ts_info = fn         the slot: the trampoline; fn: kb_drv_get_ts_info
 *
 * (the order of designators does not matter: the slot gets the same
 * trampoline each time). The trampolines:
 *  - ndo_eth_ioctl: SIOCGHWTSTAMP/SIOCSHWTSTAMP are served as the newer core
 *    serves them (net/core/dev_ioctl.c of 6.6+, dev_get_hwtstamp /
 *    dev_set_hwtstamp, written from that behaviour): copy the user's struct
 *    hwtstamp_config in, convert it to a kernel_hwtstamp_config that also
 *    carries the ioctl's ifreq, call the driver, convert back and copy out
 *    unless the driver already answered through the ifreq; a device time-
 *    stamped by its PHY goes to phy_mii_ioctl() as before. Other commands,
 *    or a driver without the new slots, reach the driver's own ndo_eth_ioctl
 *    (-EOPNOTSUPP without one, as this kernel answers). This kernel has
 *    already checked SIOCSHWTSTAMP's flags (net_hwtstamp_validate()) and the
 *    caller's CAP_NET_ADMIN.
 *  - ndo_fix_features: the driver's, given the features without NETIF_F_LLTX
 *    (the newer kernel has no such bit), then NETIF_F_LLTX kept while
 *    dev->lltx (a newer driver masks the features to the set it knows; on the
 *    newer kernel lltx is not a feature bit and cannot be dropped that way).
 *  - ethtool get_ts_info: a kernel_ethtool_ts_info prepared as the newer
 *    core prepares it (zeroed, cmd, phc_index -1), the driver's callback,
 *    software rx time-stamping added as the newer core adds it for every
 *    device, then every field copied into the kernel's struct ethtool_ts_info.
 *
 * The per-device bits. dev->lltx and dev->change_proto_down are bits in
 * struct net_device's tail padding (netdev_lltx's wrapper); this kernel reads
 * NETIF_F_LLTX in dev->features and IFF_CHANGE_PROTO_DOWN in dev->priv_flags.
 * register_netdevice() -- for devices the driver registers and for those the
 * rtnetlink core creates for a link type without .newlink -- calls
 * NETDEV_POST_INIT after the driver's setup and ndo_init and before the
 * device's features are settled or it is visible: a netdevice notifier of
 * the module converts the bits there. It is registered before the module's
 * init runs and unregistered after its exit (module_init/module_exit below);
 * the bits are set only by kbridge layers, so it acts on any device that has
 * them.
 *
 * Limits (named, not hidden): driver code that reads one of these members by
 * name (`ops->ndo_eth_ioctl`, `ops->ndo_fix_features`,
 * `ops->ndo_hwtstamp_get`, `ops->get_ts_info`, also in a header included
 * after this one such as <net/dsa.h>) does not build (loudly); dev->lltx or
 * change_proto_down set after registration are not converted; the module's
 * module_init must be in a file that includes <linux/netdevice.h> (modpost
 * stops the build otherwise: kb_netdev_bits_notifier undefined).
 */
#ifndef KB_NETDEV_BOX_H
#define KB_NETDEV_BOX_H
#include <linux/module.h>
#include <linux/init.h>
#include <linux/netdevice.h>
#include <linux/notifier.h>
#include <linux/ethtool.h>
#include <linux/phy.h>
#include <linux/uaccess.h>
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
	const struct net_device_ops *ops = dev->netdev_ops;	/* the lower device's */
	struct ifreq ifrr;
	int err;

	if (!netif_device_present(dev))
		return -ENODEV;
	if (!ops->kb_kernel_eth_ioctl || !kernel_cfg->ifr)
		return -EOPNOTSUPP;
	strscpy_pad(ifrr.ifr_name, dev->name, IFNAMSIZ);
	ifrr.ifr_ifru = kernel_cfg->ifr->ifr_ifru;
	err = ops->kb_kernel_eth_ioctl(dev, &ifrr, cmd);
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

/* --- the trampolines ------------------------------------------------------ */

#ifdef KB_NETDEV_LLTX_BRIDGED
static __maybe_unused netdev_features_t kb_netdev_fix_features_tramp(struct net_device *dev,
								 netdev_features_t features)
{
	features = dev->netdev_ops->kb_drv_fix_features(dev, features & ~NETIF_F_LLTX);
	if (dev->lltx)
		features |= NETIF_F_LLTX;
	return features;
}
#endif

static __maybe_unused int kb_dev_get_hwtstamp(struct net_device *dev, struct ifreq *ifr)
{
	const struct net_device_ops *drv = dev->netdev_ops;
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
	const struct net_device_ops *drv = dev->netdev_ops;
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
	const struct net_device_ops *drv = dev->netdev_ops;

	if ((cmd == SIOCGHWTSTAMP && drv->ndo_hwtstamp_get) ||
	    (cmd == SIOCSHWTSTAMP && drv->ndo_hwtstamp_set)) {
		/* the newer core asks the PHY first when it time-stamps */
		if (dev->phydev && phy_has_hwtstamp(dev->phydev))
			return phy_mii_ioctl(dev->phydev, ifr, cmd);
		return cmd == SIOCGHWTSTAMP ? kb_dev_get_hwtstamp(dev, ifr) : kb_dev_set_hwtstamp(dev, ifr);
	}
#ifdef KB_NETDEV_IOCTL_SLOT_DO
	/*
	 * 5.10: this slot is ndo_do_ioctl, which gets every device ioctl the core
	 * does not handle. The newer core (net/core/dev_ioctl.c, dev_ifsioc) gives
	 * the MII and time-stamping ones to ndo_eth_ioctl alone, the private range
	 * to ndo_siocdevprivate, the bonding ones to ndo_siocbond and SIOCWANDEV
	 * to ndo_siocwandev -- members this kernel's net_device_ops lacks, so a
	 * driver built here has none of them: -EOPNOTSUPP, as the newer core
	 * answers without them. SIOCBRADDIF/SIOCBRDELIF (5.15+, ad2f99aedf8f
	 * "net: bridge: move bridge ioctls out of .ndo_do_ioctl") never reach a
	 * device's ops there: sock_ioctl hands them to br_ioctl_call, whose
	 * br_ioctl_stub answers -EOPNOTSUPP for a device that is not a bridge
	 * master (a driver's own device never is: IFF_EBRIDGE and the private
	 * struct net_bridge are the bridge module's); this kernel has already
	 * checked CAP_NET_ADMIN and the device's presence, as br_ioctl_stub does
	 * first. What else reaches the slot (callers of ndo_do_ioctl elsewhere in
	 * the kernel, such as ieee802154's socket, which the newer kernel keeps)
	 * goes to the driver's ndo_do_ioctl.
	 */
	/*
	 * With rule ndo_ioctl_split (a76053707dbf "dev_ioctl: split out ndo_eth_ioctl",
	 * b9067f5dc4a0 "net: split out SIOCDEVPRIVATE ioctl handling", both 5.15) the
	 * driver's table has those slots (appended by the wrapper, filled by the designator
	 * macros below): each command goes where the newer core's dev_ifsioc sends it, with
	 * its arguments -- ndo_siocbond(dev, ifr, cmd), ndo_siocwandev(dev,
	 * &ifr->ifr_settings), ndo_siocdevprivate(dev, ifr, data, cmd) with data the
	 * user's ifr_data (what get_user_ifreq() hands the newer core; this kernel's
	 * sock_ioctl copied the whole ifreq, and its compat path compat_ifr_data_ioctl()
	 * stored compat_ptr() of the 32-bit pointer there, as the newer compat path passes
	 * it) -- and -EOPNOTSUPP for an empty slot, as dev_siocbond, dev_siocwandev and
	 * dev_siocdevprivate answer. This kernel has checked netif_device_present()
	 * (-ENODEV) before calling the slot, as the newer core does before each of these.
	 */
	switch (cmd) {
	case SIOCGMIIPHY: case SIOCGMIIREG: case SIOCSMIIREG:
	case SIOCSHWTSTAMP: case SIOCGHWTSTAMP:
		break;
	case SIOCBONDENSLAVE: case SIOCBONDRELEASE: case SIOCBONDSETHWADDR:
	case SIOCBONDSLAVEINFOQUERY: case SIOCBONDINFOQUERY: case SIOCBONDCHANGEACTIVE:
#ifdef KB_NETDEV_IOCTL_SPLIT_BRIDGED
		return drv->ndo_siocbond ? drv->ndo_siocbond(dev, ifr, cmd) : -EOPNOTSUPP;
#else
		return -EOPNOTSUPP;
#endif
	case SIOCWANDEV:
#ifdef KB_NETDEV_IOCTL_SPLIT_BRIDGED
		return drv->ndo_siocwandev ? drv->ndo_siocwandev(dev, &ifr->ifr_settings) : -EOPNOTSUPP;
#else
		return -EOPNOTSUPP;
#endif
	case SIOCBRADDIF: case SIOCBRDELIF:
		return -EOPNOTSUPP;
	default:
		if (cmd >= SIOCDEVPRIVATE && cmd <= SIOCDEVPRIVATE + 15) {
#ifdef KB_NETDEV_IOCTL_SPLIT_BRIDGED
			if (drv->ndo_siocdevprivate)
				return drv->ndo_siocdevprivate(dev, ifr, ifr->ifr_data, cmd);
#endif
			return -EOPNOTSUPP;
		}
		return drv->kb_drv_do_ioctl ? drv->kb_drv_do_ioctl(dev, ifr, cmd) : -EOPNOTSUPP;
	}
#endif
	return drv->kb_drv_eth_ioctl ? drv->kb_drv_eth_ioctl(dev, ifr, cmd) : -EOPNOTSUPP;
}

#ifdef KB_ETHTOOL_KERNEL_TS_INFO_WRAP
static __maybe_unused int kb_ethtool_get_ts_info_tramp(struct net_device *dev, struct ethtool_ts_info *info)
{
	struct kernel_ethtool_ts_info k = { .cmd = ETHTOOL_GET_TS_INFO, .phc_index = -1 };
	int err = dev->ethtool_ops->kb_drv_get_ts_info(dev, &k);

	k.so_timestamping |= SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	info->cmd = k.cmd;
	info->so_timestamping = k.so_timestamping;
	info->phc_index = k.phc_index;
	info->tx_types = k.tx_types;
	info->rx_filters = k.rx_filters;
	return err;
}

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

/* --- the per-device bits, at NETDEV_POST_INIT ------------------------------ */

/* only when a per-device bit is bridged (netdev_lltx / netdev_change_proto_down in this OUT) */
#if defined(KB_NETDEV_LLTX_BRIDGED) || defined(KB_NETDEV_CPD_BRIDGED) || defined(KB_NETDEV_CPD_NDO)

static __maybe_unused int kb_netdev_bits_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event != NETDEV_POST_INIT)
		return NOTIFY_DONE;
#ifdef KB_NETDEV_LLTX_BRIDGED
	if (dev->lltx)
		dev->features |= NETIF_F_LLTX;
#endif
#ifdef KB_NETDEV_CPD_BRIDGED
	if (dev->change_proto_down)
		dev->priv_flags |= IFF_CHANGE_PROTO_DOWN;
#endif
#ifdef KB_NETDEV_CPD_NDO
	/* 5.10 .. 5.16: the ops table's ndo_change_proto_down slot carries the bit's meaning
	 * (rules/ndo_change_proto_down_removed/new_on_old.h fills it where the table
	 * designates .ndo_start_xmit); a device whose table has no trampoline would be
	 * refused IFLA_PROTO_DOWN silently: say so */
	if (dev->change_proto_down && !dev->netdev_ops->ndo_change_proto_down)
		netdev_warn(dev, "kbridge: change_proto_down is set but the device's net_device_ops "
			    "has no ndo_change_proto_down trampoline (no .ndo_start_xmit designated): "
			    "this kernel refuses IFLA_PROTO_DOWN for it\n");
#endif
	return NOTIFY_DONE;
}

/*
 * One notifier per module: module_init/module_exit (used once per module)
 * define it, register it before the driver's init and unregister it after
 * its exit (or its failed init). Every file that includes this one refers to
 * it, so a module whose module_init is in a file without <linux/netdevice.h>
 * fails to link instead of missing the conversion.
 */
extern struct notifier_block kb_netdev_bits_notifier;
static struct notifier_block *const kb_netdev_bits_ref __used = &kb_netdev_bits_notifier;

/* what the kernel's own module_init/module_exit add after the alias: 6.1 and later
 * keep init_module/cleanup_module addressable (___ADDRESSABLE(sym, section)); 5.10's
 * have no such line (and no two-argument ___ADDRESSABLE) */
#ifndef KB_MODULE_ADDRESSABLE
#ifdef ___ADDRESSABLE
#define KB_MODULE_ADDRESSABLE(sym, attrs)	___ADDRESSABLE(sym, attrs);
#else
#define KB_MODULE_ADDRESSABLE(sym, attrs)
#endif
#endif
#define KB_NETDEV_MODULE_INIT(initfn)						\
	struct notifier_block kb_netdev_bits_notifier = {			\
		.notifier_call = kb_netdev_bits_event,				\
	};									\
	static int __init kb_netdev_module_init(void)				\
	{									\
		int kb_err_ = register_netdevice_notifier(&kb_netdev_bits_notifier); \
										\
		if (kb_err_)							\
			return kb_err_;						\
		kb_err_ = initfn();						\
		if (kb_err_)							\
			unregister_netdevice_notifier(&kb_netdev_bits_notifier);	\
		return kb_err_;							\
	}									\
	static inline initcall_t __maybe_unused __inittest(void)		\
	{ return initfn; }							\
	int init_module(void) __copy(kb_netdev_module_init)			\
		__attribute__((alias("kb_netdev_module_init")));		\
	KB_MODULE_ADDRESSABLE(init_module, __initdata)
#define KB_NETDEV_MODULE_EXIT(exitfn)						\
	static void __exit kb_netdev_module_exit(void)				\
	{									\
		exitfn();							\
		unregister_netdevice_notifier(&kb_netdev_bits_notifier);	\
	}									\
	static inline exitcall_t __maybe_unused __exittest(void)		\
	{ return exitfn; }							\
	void cleanup_module(void) __copy(kb_netdev_module_exit)		\
		__attribute__((alias("kb_netdev_module_exit")));		\
	KB_MODULE_ADDRESSABLE(cleanup_module, __exitdata)
#ifdef MODULE
#undef module_init
#undef module_exit
#define module_init	KB_NETDEV_MODULE_INIT
#define module_exit	KB_NETDEV_MODULE_EXIT
#endif
#endif

/* --- the designator macros (last: the code above uses the members' names) -- */

#if defined(ndo_eth_ioctl) || defined(ndo_hwtstamp_get) || defined(ndo_hwtstamp_set) || \
	defined(ndo_fix_features) || defined(get_ts_info)
#error "kbridge: a net_device_ops/ethtool_ops member name is already a macro; the netdev shims cannot fill the driver's tables"
#endif
#define ndo_eth_ioctl		kb_kernel_eth_ioctl = kb_netdev_eth_ioctl_tramp, .kb_drv_eth_ioctl
#define ndo_hwtstamp_get	kb_kernel_eth_ioctl = kb_netdev_eth_ioctl_tramp, .ndo_hwtstamp_get
#define ndo_hwtstamp_set	kb_kernel_eth_ioctl = kb_netdev_eth_ioctl_tramp, .ndo_hwtstamp_set
#ifdef KB_NETDEV_IOCTL_SLOT_DO
#ifdef ndo_do_ioctl
#error "kbridge: ndo_do_ioctl is already a macro; the netdev shims cannot fill the driver's tables"
#endif
#define ndo_do_ioctl		kb_kernel_eth_ioctl = kb_netdev_eth_ioctl_tramp, .kb_drv_do_ioctl
#endif
#ifdef KB_NETDEV_IOCTL_SPLIT_BRIDGED
#if defined(ndo_siocbond) || defined(ndo_siocwandev) || defined(ndo_siocdevprivate)
#error "kbridge: ndo_siocbond, ndo_siocwandev or ndo_siocdevprivate is already a macro; the netdev shims cannot fill the driver's tables"
#endif
#define ndo_siocbond		kb_kernel_eth_ioctl = kb_netdev_eth_ioctl_tramp, .ndo_siocbond
#define ndo_siocwandev		kb_kernel_eth_ioctl = kb_netdev_eth_ioctl_tramp, .ndo_siocwandev
#define ndo_siocdevprivate	kb_kernel_eth_ioctl = kb_netdev_eth_ioctl_tramp, .ndo_siocdevprivate
#endif
#ifdef KB_NETDEV_LLTX_BRIDGED
#define ndo_fix_features	ndo_fix_features = kb_netdev_fix_features_tramp, .kb_drv_fix_features
#endif
#ifdef KB_ETHTOOL_KERNEL_TS_INFO_WRAP
#define get_ts_info		kb_get_ts_info_ethtool_ts_info = kb_ethtool_get_ts_info_tramp, .kb_drv_get_ts_info
#endif
#endif
