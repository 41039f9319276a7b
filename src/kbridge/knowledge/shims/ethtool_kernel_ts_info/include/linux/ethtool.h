/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct kernel_ethtool_ts_info and ethtool_ops.get_ts_info taking it
 * (Linux >= 6.11) on a kernel whose member is
 *	int (*get_ts_info)(struct net_device *, struct ethtool_ts_info *);
 *
 * A driver for the newer kernel writes `.get_ts_info = fn` with
 * fn(struct net_device *, struct kernel_ethtool_ts_info *) in a static const
 * struct ethtool_ops; modules build with -Werror=incompatible-pointer-types
 * and a const initializer cannot be converted afterwards. So while the
 * kernel's header is read, the member's declaration becomes a union of the
 * two types in the same slot:
 *
 *	int (*kb_gti_pad[0])(void);
 *	union {
 *		int (*get_ts_info)(struct net_device *, struct kernel_ethtool_ts_info *); <- driver's view
 *		int (*kb_get_ts_info_ethtool_ts_info)(struct net_device *, struct ethtool_ts_info *); <- kernel's
 *		int (*kb_gti_pad2[0])(void);
 *	};
 *	int (*get_module_info)(...);	the kernel's next member, unchanged
 *
 * (macros for get_ts_info and get_module_info, which occur nowhere else in
 * the text the kernel's <linux/ethtool.h> reads; a macro does not re-expand
 * its own name). The kernel never calls the driver's function through that
 * slot: at registration the layer gives the device a copy of the driver's
 * ethtool_ops whose slot holds a trampoline of the kernel's type
 * (rules/netdev_hwtstamp_ndo/new_on_old.h). The static_asserts prove the
 * slot keeps its offset and type.
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

#if defined(get_ts_info) || defined(get_module_info)
#error "kbridge: get_ts_info or get_module_info is already a macro; ethtool_kernel_ts_info cannot retype ethtool_ops.get_ts_info"
#endif
#define get_ts_info	kb_gti_pad[0])(void); union {						\
	int (*get_ts_info)(struct net_device *, struct kernel_ethtool_ts_info *);	\
	int (*kb_get_ts_info_ethtool_ts_info
#define get_module_info	kb_gti_pad2[0])(void); }; int (*get_module_info
#include_next <linux/ethtool.h>
#undef get_ts_info
#undef get_module_info

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: ethtool_kernel_ts_info cannot retype ethtool_ops.get_ts_info on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(__builtin_types_compatible_p(typeof(((struct ethtool_ops *)0)->kb_get_ts_info_ethtool_ts_info),
					   int (*)(struct net_device *, struct ethtool_ts_info *)),
	      "kbridge: this kernel's ethtool_ops.get_ts_info is not int (*)(struct net_device *, "
	      "struct ethtool_ts_info *); the ethtool_kernel_ts_info wrapper does not fit it");
static_assert(offsetof(struct ethtool_ops, get_ts_info) ==
	      offsetof(struct ethtool_ops, kb_get_ts_info_ethtool_ts_info) &&
	      offsetof(struct ethtool_ops, get_module_info) ==
	      offsetof(struct ethtool_ops, get_ts_info) + sizeof(void (*)(void)),
	      "kbridge: retyping ethtool_ops.get_ts_info would move a member of this kernel's "
	      "struct ethtool_ops; the ethtool_kernel_ts_info wrapper does not fit it");
#else
#include_next <linux/ethtool.h>
#endif
