/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ethtool_ops.get_ts_info() and phy_ts_info() filling a struct
 * ethtool_ts_info (Linux <= 6.10) on a kernel where they fill a struct
 * kernel_ethtool_ts_info (6.11).
 *
 * Until 6.10 the uapi struct ethtool_ts_info was also the in-kernel carrier
 * of a device's time-stamping capabilities: __ethtool_get_ts_info() zeroed
 * one, set cmd and phc_index = -1, and handed it to phy_ts_info() or the
 * driver's get_ts_info(). 6.11 gave the kernel its own copy, "struct
 * kernel_ethtool_ts_info - kernel copy of struct ethtool_ts_info" (its
 * kerneldoc), with the same members a driver fills -- cmd, so_timestamping,
 * phc_index, tx_types, rx_filters -- minus the uapi's reserved words, which
 * no driver writes; the ethtool core still zeroes it and sets cmd and
 * phc_index = -1 before calling the driver, and copies it to the uapi
 * struct for user space itself.
 *
 * So what a 6.1 driver means by the struct it fills is, on this kernel, the
 * kernel's struct: after <linux/ethtool.h>, `struct ethtool_ts_info` in the
 * driver names struct kernel_ethtool_ts_info. The driver's get_ts_info then
 * has exactly the kernel's type (no trampoline needed: the kernel calls it
 * with the struct it fills), its phy_ts_info(phydev, info) and its calls to a
 * lower device's ops->get_ts_info(dev, info) pass the kernel's struct to
 * kernel code that expects it, and every member it writes lands where the
 * ethtool core reads it (the static_asserts pin each member's type). A driver
 * touching tx_reserved/rx_reserved fails to build instead of being misread.
 *
 * Limit (named, not hidden): a driver using struct ethtool_ts_info as the
 * user-space layout (copy_to_user of its own) would copy the kernel's struct;
 * drivers leave that to the ethtool core.
 */
#include <linux/build_bug.h>
#include <linux/ethtool.h>

#define KB_TS_INFO_MEMBER(m, type)						\
	static_assert(__builtin_types_compatible_p(				\
		typeof(((struct kernel_ethtool_ts_info *)0)->m), type),	\
		"kbridge: kernel_ethtool_ts_info." #m " is not " #type " on this kernel; "	\
		"the ethtool_kernel_ts_info shim does not fit it")
KB_TS_INFO_MEMBER(cmd, u32);
KB_TS_INFO_MEMBER(so_timestamping, u32);
KB_TS_INFO_MEMBER(phc_index, int);
KB_TS_INFO_MEMBER(tx_types, enum hwtstamp_tx_types);
KB_TS_INFO_MEMBER(rx_filters, enum hwtstamp_rx_filters);
#undef KB_TS_INFO_MEMBER
/* tx_types and rx_filters were __u32 in the uapi struct: same size, unsigned */
static_assert(sizeof(enum hwtstamp_tx_types) == sizeof(__u32) &&
	      sizeof(enum hwtstamp_rx_filters) == sizeof(__u32));
static_assert(__builtin_types_compatible_p(
		typeof(&((struct ethtool_ops *)0)->get_ts_info),
		int (**)(struct net_device *, struct kernel_ethtool_ts_info *)),
	      "kbridge: ethtool_ops.get_ts_info does not take a struct kernel_ethtool_ts_info *");

#define kb_ethtool_ts_info	kernel_ethtool_ts_info
#define ethtool_ts_info		kb_ethtool_ts_info
