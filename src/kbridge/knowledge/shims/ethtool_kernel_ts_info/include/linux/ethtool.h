/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct kernel_ethtool_ts_info and ethtool_ops.get_ts_info taking it
 * (Linux >= 6.11) on a kernel whose member is
 *	int (*get_ts_info)(struct net_device *, struct ethtool_ts_info *);
 *
 * A driver for the newer kernel writes `.get_ts_info = fn` with
 * fn(struct net_device *, struct kernel_ethtool_ts_info *) in a static const
 * struct ethtool_ops; modules build with -Werror=incompatible-pointer-types,
 * and the kernel calls the slot with its own struct, so the kernel must find
 * a function of its own type there -- in the driver's own table, which stays
 * the one dev->ethtool_ops points to (as on the newer kernel). While the
 * kernel's header is read, its slot is renamed kb_get_ts_info_ethtool_ts_info
 * (same place, same type) and one member is appended after the kernel's last,
 * every kernel member keeping its offset:
 *
 *	int (*kb_smpm_pad[0])(void);		zero-length: no room taken
 *	struct {				anonymous: the member keeps its name
 *		int (*set_module_power_mode)(...);	the kernel's last member
 *	};					<- the kernel's own "};"
 *	int kb_ecp_pad[0];
 *	int (*kb_drv_get_ts_info)(struct net_device *, struct kernel_ethtool_ts_info *);
 *	};					closes struct ethtool_ops
 *	int ethtool_check_ops(...);		the kernel's next declaration
 *
 * (6.1's layout; 5.10's last member is set_phy_tunable: see below. Macros for
 * get_ts_info, the last member and ethtool_check_ops, which occur once each in
 * the text the kernel's <linux/ethtool.h> reads; a macro
 * does not re-expand its own name). After <linux/netdevice.h> the layer's
 * designator macro makes the driver's `.get_ts_info = fn` fill both: the
 * kernel's slot with a trampoline of the kernel's type, kb_drv_get_ts_info
 * with fn (rules/netdev_hwtstamp_ndo/new_on_old.h). The static_asserts prove
 * the layout.
 *
 * struct kernel_ethtool_ts_info is declared with the newer kernel's members
 * (include/linux/ethtool.h of 6.11+: cmd, so_timestamping, phc_index,
 * tx_types, rx_filters).
 */
#include "kb_config.h"
/* only for a driver bridged new_on_old: a driver written for the older API
 * (old_on_new in this OUT) keeps the kernel's header on its own kernel */
#if !defined(KB_HAVE_ETHTOOL_KERNEL_TS_INFO) && !defined(KB_ETHTOOL_KERNEL_TS_INFO_WRAP) && \
	__has_include("rules/ethtool_kernel_ts_info/new_on_old.h")
#define KB_ETHTOOL_KERNEL_TS_INFO_WRAP
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <uapi/linux/net_tstamp.h>

struct net_device;
struct kernel_ethtool_ts_info {
	u32 cmd;
	u32 so_timestamping;
	int phc_index;
	enum hwtstamp_tx_types tx_types;
	enum hwtstamp_rx_filters rx_filters;
};

/*
 * The member that opens the anonymous struct is the kernel's last, which differs
 * by kernel: set_module_power_mode (6.1's), set_phy_tunable (5.10's), each found
 * by a build-time probe (shim.toml's anchors: KB_ANCHOR_ETHTOOL_OPS_*) and each
 * occurring once in the text the kernel's <linux/ethtool.h> reads.
 */
#if defined(get_ts_info) || defined(set_module_power_mode) || defined(set_phy_tunable) || \
	defined(ethtool_check_ops)
#error "kbridge: get_ts_info, set_module_power_mode, set_phy_tunable or ethtool_check_ops is already a macro; ethtool_kernel_ts_info cannot retype ethtool_ops.get_ts_info"
#endif
#if defined(KB_ANCHOR_ETHTOOL_OPS_SET_MODULE_POWER_MODE)
#define set_module_power_mode	kb_eo_last_pad[0])(void); struct { int (*set_module_power_mode
#define KB_ETHTOOL_OPS_LAST	set_module_power_mode
#define KB_ETHTOOL_OPS_BEFORE_LAST	get_module_power_mode
#elif defined(KB_ANCHOR_ETHTOOL_OPS_SET_PHY_TUNABLE)
#define set_phy_tunable		kb_eo_last_pad[0])(void); struct { int (*set_phy_tunable
#define KB_ETHTOOL_OPS_LAST	set_phy_tunable
#define KB_ETHTOOL_OPS_BEFORE_LAST	get_phy_tunable
#else
#error "kbridge: this kernel's struct ethtool_ops has neither set_module_power_mode nor set_phy_tunable (the build-time anchors); the ethtool_kernel_ts_info wrapper knows no variant for it"
#endif
#define get_ts_info		kb_get_ts_info_ethtool_ts_info
#define ethtool_check_ops	kb_ecp_pad[0];								\
	int (*kb_drv_get_ts_info)(struct net_device *, struct kernel_ethtool_ts_info *);	\
	}; int ethtool_check_ops
#include_next <linux/ethtool.h>
#undef get_ts_info
#undef set_module_power_mode
#undef set_phy_tunable
#undef ethtool_check_ops

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: ethtool_kernel_ts_info cannot retype ethtool_ops.get_ts_info on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(__builtin_types_compatible_p(typeof(((struct ethtool_ops *)0)->kb_get_ts_info_ethtool_ts_info),
					   int (*)(struct net_device *, struct ethtool_ts_info *)),
	      "kbridge: this kernel's ethtool_ops.get_ts_info is not int (*)(struct net_device *, "
	      "struct ethtool_ts_info *); the ethtool_kernel_ts_info wrapper does not fit it");
static_assert(offsetof(struct ethtool_ops, get_module_info) ==
	      offsetof(struct ethtool_ops, kb_get_ts_info_ethtool_ts_info) + sizeof(void (*)(void)) &&
	      offsetof(struct ethtool_ops, KB_ETHTOOL_OPS_LAST) ==
	      offsetof(struct ethtool_ops, KB_ETHTOOL_OPS_BEFORE_LAST) + sizeof(void (*)(void)) &&
	      offsetof(struct ethtool_ops, kb_drv_get_ts_info) ==
	      offsetof(struct ethtool_ops, KB_ETHTOOL_OPS_LAST) + sizeof(void (*)(void)) &&
	      sizeof(struct ethtool_ops) ==
	      offsetof(struct ethtool_ops, kb_drv_get_ts_info) + sizeof(void (*)(void)),
	      "kbridge: appending to this kernel's struct ethtool_ops would move a member, or "
	      "the anchor is not its last member; the ethtool_kernel_ts_info wrapper does not fit it");
#else
#include_next <linux/ethtool.h>
#endif
