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
 *
 * The same wrapper is the one layout of struct ethtool_ops for the slots whose
 * prototype gained a kernel_* struct and an extack (rules
 * ethtool_coalesce_kernel_args, 5.15, and ethtool_ringparam_kernel_args, 5.17,
 * which need this rule): where such a rule's new_on_old shim is in the OUT and
 * the kernel has the older slots, get/set_coalesce (get/set_ringparam) are
 * renamed kb_kernel_<slot> the same way and kb_drv_<slot> of the newer type
 * appended after kb_drv_get_ts_info (with supported_ring_params, which the
 * older kernel lacks); for a driver of the older API on a kernel with the
 * newer slots (the rules' old_on_new), the second branch below renames the
 * kernel's slots and appends kb_drv_<slot> of the older type after the
 * kernel's last member (get_mm_stats, 6.3+; set_module_power_mode, 6.1).
 * Rule ethtool_keee (get/set_eee: struct ethtool_eee -> struct ethtool_keee,
 * 6.9) renames and appends its two slots the same way in both branches.
 * The trampolines and designator macros are in the rules' new_on_old.h and
 * old_on_new.h.
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
/*
 * Rules ethtool_coalesce_kernel_args / ethtool_ringparam_kernel_args (new_on_old, only
 * where this kernel has the older slots): the newer kernel's structs (7.3's members),
 * the kernel's slots renamed (one occurrence each in the text the kernel's header
 * reads), the driver's appended.
 */
struct netlink_ext_ack;
struct ethtool_coalesce;
struct ethtool_ringparam;
#if !defined(KB_HAVE_ETHTOOL_COALESCE_KERNEL_ARGS) && \
	__has_include("rules/ethtool_coalesce_kernel_args/new_on_old.h")
#define KB_ETHTOOL_COALESCE_KERNEL_ARGS_WRAP
struct kernel_ethtool_coalesce {
	u8 use_cqe_mode_tx;
	u8 use_cqe_mode_rx;
	u32 tx_aggr_max_bytes;
	u32 tx_aggr_max_frames;
	u32 tx_aggr_time_usecs;
	u32 rx_cqe_frames;
	u32 rx_cqe_nsecs;
};
#if defined(get_coalesce) || defined(set_coalesce)
#error "kbridge: get_coalesce or set_coalesce is already a macro; ethtool_coalesce_kernel_args cannot retype the slots"
#endif
#define get_coalesce		kb_kernel_get_coalesce
#define set_coalesce		kb_kernel_set_coalesce
#define KB_ETHTOOL_OPS_TAIL_COALESCE								\
	int (*kb_drv_get_coalesce)(struct net_device *, struct ethtool_coalesce *,		\
				   struct kernel_ethtool_coalesce *, struct netlink_ext_ack *);	\
	int (*kb_drv_set_coalesce)(struct net_device *, struct ethtool_coalesce *,		\
				   struct kernel_ethtool_coalesce *, struct netlink_ext_ack *);
#else
#define KB_ETHTOOL_OPS_TAIL_COALESCE
#endif
#if !defined(KB_HAVE_ETHTOOL_RINGPARAM_KERNEL_ARGS) && \
	__has_include("rules/ethtool_ringparam_kernel_args/new_on_old.h")
#define KB_ETHTOOL_RINGPARAM_KERNEL_ARGS_WRAP
struct kernel_ethtool_ringparam {
	u32	rx_buf_len;
	u8	tcp_data_split;
	u8	tx_push;
	u8	rx_push;
	u32	cqe_size;
	u32	tx_push_buf_len;
	u32	tx_push_buf_max_len;
	u32	hds_thresh;
	u32	hds_thresh_max;
};
#if defined(get_ringparam) || defined(set_ringparam)
#error "kbridge: get_ringparam or set_ringparam is already a macro; ethtool_ringparam_kernel_args cannot retype the slots"
#endif
#define get_ringparam		kb_kernel_get_ringparam
#define set_ringparam		kb_kernel_set_ringparam
#define KB_ETHTOOL_OPS_TAIL_RINGPARAM								\
	void (*kb_drv_get_ringparam)(struct net_device *, struct ethtool_ringparam *,		\
				     struct kernel_ethtool_ringparam *, struct netlink_ext_ack *); \
	int (*kb_drv_set_ringparam)(struct net_device *, struct ethtool_ringparam *,		\
				    struct kernel_ethtool_ringparam *, struct netlink_ext_ack *); \
	u32 supported_ring_params;
#else
#define KB_ETHTOOL_OPS_TAIL_RINGPARAM
#endif
/*
 * Rule ethtool_keee (new_on_old, only where this kernel's get/set_eee take the uapi
 * struct ethtool_eee): the slots renamed, the driver's of the newer type appended;
 * struct ethtool_keee is defined after the kernel's header (its link-mode mask macro).
 */
struct ethtool_keee;
#if !defined(KB_HAVE_ETHTOOL_KEEE) && __has_include("rules/ethtool_keee/new_on_old.h")
#define KB_ETHTOOL_KEEE_WRAP
#if defined(get_eee) || defined(set_eee)
#error "kbridge: get_eee or set_eee is already a macro; ethtool_keee cannot retype the slots"
#endif
#define get_eee			kb_kernel_get_eee
#define set_eee			kb_kernel_set_eee
#define KB_ETHTOOL_OPS_TAIL_EEE									\
	int (*kb_drv_get_eee)(struct net_device *, struct ethtool_keee *);			\
	int (*kb_drv_set_eee)(struct net_device *, struct ethtool_keee *);
#else
#define KB_ETHTOOL_OPS_TAIL_EEE
#endif
#define get_ts_info		kb_get_ts_info_ethtool_ts_info
#define ethtool_check_ops	kb_ecp_pad[0];								\
	int (*kb_drv_get_ts_info)(struct net_device *, struct kernel_ethtool_ts_info *);	\
	KB_ETHTOOL_OPS_TAIL_COALESCE KB_ETHTOOL_OPS_TAIL_RINGPARAM KB_ETHTOOL_OPS_TAIL_EEE	\
	}; int ethtool_check_ops
#include_next <linux/ethtool.h>
#undef get_coalesce
#undef set_coalesce
#undef get_ringparam
#undef set_ringparam
#undef get_eee
#undef set_eee
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
	      offsetof(struct ethtool_ops, KB_ETHTOOL_OPS_LAST) + sizeof(void (*)(void)),
	      "kbridge: appending to this kernel's struct ethtool_ops would move a member, or "
	      "the anchor is not its last member; the ethtool_kernel_ts_info wrapper does not fit it");
#ifdef KB_ETHTOOL_COALESCE_KERNEL_ARGS_WRAP
static_assert(__builtin_types_compatible_p(typeof(((struct ethtool_ops *)0)->kb_kernel_get_coalesce),
					   int (*)(struct net_device *, struct ethtool_coalesce *)) &&
	      __builtin_types_compatible_p(typeof(((struct ethtool_ops *)0)->kb_kernel_set_coalesce),
					   int (*)(struct net_device *, struct ethtool_coalesce *)),
	      "kbridge: this kernel's ethtool_ops.get/set_coalesce are not the two-argument ones; "
	      "the ethtool_coalesce_kernel_args wrapper does not fit it");
#endif
#ifdef KB_ETHTOOL_RINGPARAM_KERNEL_ARGS_WRAP
static_assert(__builtin_types_compatible_p(typeof(((struct ethtool_ops *)0)->kb_kernel_get_ringparam),
					   void (*)(struct net_device *, struct ethtool_ringparam *)) &&
	      __builtin_types_compatible_p(typeof(((struct ethtool_ops *)0)->kb_kernel_set_ringparam),
					   int (*)(struct net_device *, struct ethtool_ringparam *)),
	      "kbridge: this kernel's ethtool_ops.get/set_ringparam are not the two-argument ones; "
	      "the ethtool_ringparam_kernel_args wrapper does not fit it");
#endif
#ifdef KB_ETHTOOL_KEEE_WRAP
/* the newer kernel's struct (include/linux/ethtool.h of 6.12/7.3), this kernel's link-mode count */
struct ethtool_keee {
	__ETHTOOL_DECLARE_LINK_MODE_MASK(supported);
	__ETHTOOL_DECLARE_LINK_MODE_MASK(advertised);
	__ETHTOOL_DECLARE_LINK_MODE_MASK(lp_advertised);
	u32	tx_lpi_timer;
	bool	tx_lpi_enabled;
	bool	eee_active;
	bool	eee_enabled;
};
static_assert(__builtin_types_compatible_p(typeof(((struct ethtool_ops *)0)->kb_kernel_get_eee),
					   int (*)(struct net_device *, struct ethtool_eee *)) &&
	      __builtin_types_compatible_p(typeof(((struct ethtool_ops *)0)->kb_kernel_set_eee),
					   int (*)(struct net_device *, struct ethtool_eee *)),
	      "kbridge: this kernel's ethtool_ops.get/set_eee do not take struct ethtool_eee; "
	      "the ethtool_keee wrapper does not fit it");
#endif
#elif !defined(KB_ETHTOOL_OPS_OLD_SLOTS_WRAP) && \
	((defined(KB_HAVE_ETHTOOL_COALESCE_KERNEL_ARGS) && \
	  __has_include("rules/ethtool_coalesce_kernel_args/old_on_new.h")) || \
	 (defined(KB_HAVE_ETHTOOL_RINGPARAM_KERNEL_ARGS) && \
	  __has_include("rules/ethtool_ringparam_kernel_args/old_on_new.h")) || \
	 (defined(KB_HAVE_ETHTOOL_KEEE) && __has_include("rules/ethtool_keee/old_on_new.h")))
/*
 * A driver written for the two-argument get/set_coalesce (get/set_ringparam) on a
 * kernel whose slots take the kernel_* struct and an extack (old_on_new): the
 * kernel's slots are renamed kb_kernel_<slot> (same offset, the kernel's type;
 * one occurrence each in the text the kernel's header reads) and kb_drv_<slot> of
 * the older type appended after the kernel's last member, as above; the rules'
 * designator macros (old_on_new.h) put the driver's function there and a
 * trampoline of the kernel's type in the kernel's slot.
 */
#define KB_ETHTOOL_OPS_OLD_SLOTS_WRAP
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
struct net_device;
struct ethtool_coalesce;
struct ethtool_ringparam;
struct ethtool_eee;
#if defined(get_coalesce) || defined(set_coalesce) || defined(get_ringparam) || \
	defined(set_ringparam) || defined(get_eee) || defined(set_eee) || \
	defined(get_mm_stats) || defined(set_module_power_mode) || defined(ethtool_check_ops)
#error "kbridge: an ethtool_ops member name or ethtool_check_ops is already a macro; the ethtool_ops wrapper cannot rename the kernel's slots"
#endif
#if defined(KB_HAVE_ETHTOOL_COALESCE_KERNEL_ARGS) && \
	__has_include("rules/ethtool_coalesce_kernel_args/old_on_new.h")
#define KB_ETHTOOL_COALESCE_OLD_SLOTS
#define get_coalesce		kb_kernel_get_coalesce
#define set_coalesce		kb_kernel_set_coalesce
#define KB_ETHTOOL_OPS_OLD_TAIL_COALESCE							\
	int (*kb_drv_get_coalesce)(struct net_device *, struct ethtool_coalesce *);		\
	int (*kb_drv_set_coalesce)(struct net_device *, struct ethtool_coalesce *);
#else
#define KB_ETHTOOL_OPS_OLD_TAIL_COALESCE
#endif
#if defined(KB_HAVE_ETHTOOL_RINGPARAM_KERNEL_ARGS) && \
	__has_include("rules/ethtool_ringparam_kernel_args/old_on_new.h")
#define KB_ETHTOOL_RINGPARAM_OLD_SLOTS
#define get_ringparam		kb_kernel_get_ringparam
#define set_ringparam		kb_kernel_set_ringparam
#define KB_ETHTOOL_OPS_OLD_TAIL_RINGPARAM							\
	void (*kb_drv_get_ringparam)(struct net_device *, struct ethtool_ringparam *);		\
	int (*kb_drv_set_ringparam)(struct net_device *, struct ethtool_ringparam *);
#else
#define KB_ETHTOOL_OPS_OLD_TAIL_RINGPARAM
#endif
#if defined(KB_HAVE_ETHTOOL_KEEE) && __has_include("rules/ethtool_keee/old_on_new.h")
#define KB_ETHTOOL_KEEE_OLD_SLOTS
#define get_eee			kb_kernel_get_eee
#define set_eee			kb_kernel_set_eee
#define KB_ETHTOOL_OPS_OLD_TAIL_EEE								\
	int (*kb_drv_get_eee)(struct net_device *, struct ethtool_eee *);			\
	int (*kb_drv_set_eee)(struct net_device *, struct ethtool_eee *);
#else
#define KB_ETHTOOL_OPS_OLD_TAIL_EEE
#endif
/* the kernel's last member, found by a build-time probe (the rules' anchors) */
#if defined(KB_ANCHOR_ETHTOOL_OPS_GET_MM_STATS)
#define get_mm_stats		kb_eo_last_pad[0])(void); struct { void (*get_mm_stats
#define KB_ETHTOOL_OPS_LAST	get_mm_stats
#define KB_ETHTOOL_OPS_BEFORE_LAST	set_mm
#elif defined(KB_ANCHOR_ETHTOOL_OPS_SET_MODULE_POWER_MODE)
#define set_module_power_mode	kb_eo_last_pad[0])(void); struct { int (*set_module_power_mode
#define KB_ETHTOOL_OPS_LAST	set_module_power_mode
#define KB_ETHTOOL_OPS_BEFORE_LAST	get_module_power_mode
#else
#error "kbridge: this kernel's struct ethtool_ops has neither get_mm_stats nor set_module_power_mode (the build-time anchors); the ethtool_ops wrapper knows no variant for it"
#endif
#define ethtool_check_ops	kb_ecp_pad[0];								\
	KB_ETHTOOL_OPS_OLD_TAIL_COALESCE KB_ETHTOOL_OPS_OLD_TAIL_RINGPARAM			\
	KB_ETHTOOL_OPS_OLD_TAIL_EEE }; int ethtool_check_ops
#include_next <linux/ethtool.h>
#undef get_coalesce
#undef set_coalesce
#undef get_ringparam
#undef set_ringparam
#undef get_eee
#undef set_eee
#undef get_mm_stats
#undef set_module_power_mode
#undef ethtool_check_ops
#ifdef CONFIG_RANDSTRUCT
#error "kbridge: the ethtool_ops wrapper cannot rename slots on a kernel built with CONFIG_RANDSTRUCT"
#endif
/* every kernel member keeps its offset: the appended ones follow the anonymous struct
 * that holds the kernel's last member (pointers only) */
static_assert(offsetof(struct ethtool_ops, KB_ETHTOOL_OPS_LAST) ==
	      offsetof(struct ethtool_ops, KB_ETHTOOL_OPS_BEFORE_LAST) + sizeof(void (*)(void)),
	      "kbridge: the anchor is not where this kernel's struct ethtool_ops ends; "
	      "the ethtool_ops wrapper does not fit it");
#ifdef KB_ETHTOOL_COALESCE_OLD_SLOTS
static_assert(offsetof(struct ethtool_ops, kb_drv_get_coalesce) ==
	      offsetof(struct ethtool_ops, KB_ETHTOOL_OPS_LAST) + sizeof(void (*)(void)) &&
	      __builtin_types_compatible_p(typeof(((struct ethtool_ops *)0)->kb_kernel_get_coalesce),
					   int (*)(struct net_device *, struct ethtool_coalesce *,
						   struct kernel_ethtool_coalesce *,
						   struct netlink_ext_ack *)),
	      "kbridge: the ethtool_coalesce_kernel_args wrapper does not fit this kernel's struct ethtool_ops");
#endif
#ifdef KB_ETHTOOL_RINGPARAM_OLD_SLOTS
static_assert(offsetof(struct ethtool_ops, kb_drv_set_ringparam) ==
	      offsetof(struct ethtool_ops, kb_drv_get_ringparam) + sizeof(void (*)(void)) &&
	      __builtin_types_compatible_p(typeof(((struct ethtool_ops *)0)->kb_kernel_get_ringparam),
					   void (*)(struct net_device *, struct ethtool_ringparam *,
						    struct kernel_ethtool_ringparam *,
						    struct netlink_ext_ack *)),
	      "kbridge: the ethtool_ringparam_kernel_args wrapper does not fit this kernel's struct ethtool_ops");
#endif
#ifdef KB_ETHTOOL_KEEE_OLD_SLOTS
static_assert(offsetof(struct ethtool_ops, kb_drv_set_eee) ==
	      offsetof(struct ethtool_ops, kb_drv_get_eee) + sizeof(void (*)(void)) &&
	      offsetof(struct ethtool_ops, kb_drv_get_eee) > offsetof(struct ethtool_ops, KB_ETHTOOL_OPS_LAST) &&
	      __builtin_types_compatible_p(typeof(((struct ethtool_ops *)0)->kb_kernel_get_eee),
					   int (*)(struct net_device *, struct ethtool_keee *)) &&
	      __builtin_types_compatible_p(typeof(((struct ethtool_ops *)0)->kb_kernel_set_eee),
					   int (*)(struct net_device *, struct ethtool_keee *)),
	      "kbridge: the ethtool_keee wrapper does not fit this kernel's struct ethtool_ops");
#endif
#else
#include_next <linux/ethtool.h>
#endif
