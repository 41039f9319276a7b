/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ethtool_ops.get_ringparam/set_ringparam taking (dev, ring, struct
 * kernel_ethtool_ringparam *, struct netlink_ext_ack *) (Linux >= 5.17,
 * commit 7462494408cd) on a kernel whose slots take (dev, ring).
 *
 * ethtool_kernel_ts_info's wrapper of <linux/ethtool.h> renamed the kernel's
 * slots kb_kernel_get_ringparam/kb_kernel_set_ringparam, declared struct
 * kernel_ethtool_ringparam with the newer kernel's members and appended
 * kb_drv_get_ringparam/kb_drv_set_ringparam of the newer type (and
 * supported_ring_params, which this kernel's core never reads: it has no
 * request that sets a kernel_* field); the designator macros below make the
 * driver's `.get_ringparam = fn` put fn there and the trampoline in the
 * kernel's slot of the driver's own table (still the one dev->ethtool_ops
 * points to). The trampolines do what the newer kernel's ioctl path does
 * around the callbacks (net/ethtool/ioctl.c ethtool_get_ringparam, and
 * ethtool_set_ringparam through ethtool_ringparam_get_cfg of
 * net/ethtool/common.c):
 *  - get: a zeroed struct kernel_ethtool_ringparam and a NULL extack;
 *  - set: both callbacks required (-EOPNOTSUPP otherwise); a zeroed kernel
 *    struct filled by the driver's get_ringparam, then tcp_data_split and
 *    hds_thresh taken from the device's configuration (dev->cfg, allocated
 *    zeroed by the newer kernel and changed only by ETHTOOL_MSG_RINGS_SET
 *    attributes this kernel does not have: ETHTOOL_TCP_DATA_SPLIT_UNKNOWN,
 *    0), then set_ringparam with the user's ring and that struct, NULL
 *    extack. This kernel has already refused a request above the maxima
 *    get_ringparam reports, as the newer ioctl path does.
 * Limit (named): driver code that reads the members by name, or a header
 * with members of the same names (<net/mac80211.h>), does not build.
 */
/* the trampolines read dev->ethtool_ops: the layer applies this after <linux/netdevice.h>
 * (which includes <linux/ethtool.h> before struct net_device is complete); inline may not */
#include <linux/netdevice.h>
#include <linux/ethtool.h>
#ifndef KB_ETHTOOL_RINGPARAM_KERNEL_ARGS_WRAP
#error "kbridge: ethtool_ringparam_kernel_args renames the kernel's slots in ethtool_kernel_ts_info's wrapper of <linux/ethtool.h>, which is not in effect"
#endif
#include <linux/string.h>

/* the newer kernel's enum ethtool_supported_ring_param (the bits a driver's
 * supported_ring_params names) and tcp_data_split values (uapi) */
#ifndef ETHTOOL_RING_USE_RX_BUF_LEN
enum ethtool_supported_ring_param {
	ETHTOOL_RING_USE_RX_BUF_LEN		= BIT(0),
	ETHTOOL_RING_USE_CQE_SIZE		= BIT(1),
	ETHTOOL_RING_USE_TX_PUSH		= BIT(2),
	ETHTOOL_RING_USE_RX_PUSH		= BIT(3),
	ETHTOOL_RING_USE_TX_PUSH_BUF_LEN	= BIT(4),
	ETHTOOL_RING_USE_TCP_DATA_SPLIT		= BIT(5),
	ETHTOOL_RING_USE_HDS_THRS		= BIT(6),
};
#define ETHTOOL_RING_USE_RX_BUF_LEN	ETHTOOL_RING_USE_RX_BUF_LEN
#endif

static __maybe_unused void kb_ethtool_get_ringparam_tramp(struct net_device *dev,
							  struct ethtool_ringparam *ring)
{
	struct kernel_ethtool_ringparam kernel_ring = {};

	if (dev->ethtool_ops->kb_drv_get_ringparam)
		dev->ethtool_ops->kb_drv_get_ringparam(dev, ring, &kernel_ring, NULL);
}

static __maybe_unused int kb_ethtool_set_ringparam_tramp(struct net_device *dev,
							 struct ethtool_ringparam *ring)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;
	struct kernel_ethtool_ringparam kernel_ring;
	struct ethtool_ringparam max;

	if (!ops->kb_drv_set_ringparam || !ops->kb_drv_get_ringparam)
		return -EOPNOTSUPP;
	memset(&max, 0, sizeof(max));
	memset(&kernel_ring, 0, sizeof(kernel_ring));
	max.cmd = ETHTOOL_GRINGPARAM;
	ops->kb_drv_get_ringparam(dev, &max, &kernel_ring, NULL);
	kernel_ring.tcp_data_split = 0;	/* ETHTOOL_TCP_DATA_SPLIT_UNKNOWN: dev->cfg->hds_config */
	kernel_ring.hds_thresh = 0;	/* dev->cfg->hds_thresh */
	return ops->kb_drv_set_ringparam(dev, ring, &kernel_ring, NULL);
}

/*
 * the designator macros (last: the code above uses the members' names); a member the
 * driver designates only as NULL gets none of the trampoline (KB_NULL_INIT_<MEMBER>, from
 * shim.toml's null_inits): the kernel's slot stays NULL, which the core tests (-EOPNOTSUPP;
 * register_netdevice's ethtool_check_ops refuses a set_coalesce without
 * supported_coalesce_params)
 */
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
