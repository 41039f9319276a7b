/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_device_ops.ndo_hwtstamp_get/ndo_hwtstamp_set (Linux >= 6.6, commit
 * 66f7223039c0 "net: add NDOs for configuring hardware timestamping") on a
 * kernel without them.
 *
 * A driver for the newer kernel designates .ndo_hwtstamp_get/.ndo_hwtstamp_set
 * in its static const struct net_device_ops, so the struct must have those
 * members. They are appended after the kernel's last member, while the
 * kernel's header is read, every kernel member keeping its offset:
 *
 *   int (*kb_nfp_pad[0])(void);             zero-length: no room taken
 *   struct {                                anonymous: members keep their names
 *       int (*ndo_fill_forward_path)(...);  the kernel's text, unchanged
 *       ktime_t (*ndo_get_tstamp)(...);     (and whatever else follows)
 *   };                                      <- the kernel's own "};"
 *   enum kb_npf_pad { ... } kb_npf_pad_member[0];
 *   int (*ndo_hwtstamp_get)(...);           the newer kernel's slots
 *   int (*ndo_hwtstamp_set)(...);
 *   };                                      closes struct net_device_ops
 *   enum netdev_priv_flags { ...            the kernel's next declaration
 *
 * (two macros for the only two identifiers, ndo_fill_forward_path and
 * netdev_priv_flags, that occur once each in the kernel's include/ tree
 * outside comments; a macro does not re-expand its own name). The kernel
 * never sees the appended slots: at registration the layer gives it a copy
 * of the driver's ops (rules/netdev_hwtstamp_ndo/new_on_old.h) whose
 * ndo_eth_ioctl serves SIOCGHWTSTAMP/SIOCSHWTSTAMP through them; the kernel
 * only ever reads net_device_ops through dev->netdev_ops, never copies or
 * sizes it, so a longer struct on the driver's side is safe. The
 * static_asserts prove the layout and stop the build with a message on a
 * kernel whose header differs.
 */
#include "kb_config.h"
/* only for a driver bridged new_on_old (rules/netdev_hwtstamp_ndo/new_on_old.h in this OUT) */
#if !defined(KB_HAVE_NETDEV_HWTSTAMP_NDO) && !defined(KB_NETDEV_HWTSTAMP_NDO_WRAP) && \
	__has_include("rules/netdev_hwtstamp_ndo/new_on_old.h")
#define KB_NETDEV_HWTSTAMP_NDO_WRAP
#include <linux/build_bug.h>
#include <linux/stddef.h>

struct net_device;
struct kernel_hwtstamp_config;
struct netlink_ext_ack;

#if defined(ndo_fill_forward_path) || defined(netdev_priv_flags)
#error "kbridge: ndo_fill_forward_path or netdev_priv_flags is already a macro; netdev_hwtstamp_ndo cannot extend struct net_device_ops"
#endif
#define ndo_fill_forward_path	kb_nfp_pad[0])(void); struct { int (*ndo_fill_forward_path
#define netdev_priv_flags	kb_npf_pad { KB_NPF_PAD_UNUSED } kb_npf_pad_member[0];		\
	int (*ndo_hwtstamp_get)(struct net_device *dev,					\
				struct kernel_hwtstamp_config *kernel_config);		\
	int (*ndo_hwtstamp_set)(struct net_device *dev,					\
				struct kernel_hwtstamp_config *kernel_config,		\
				struct netlink_ext_ack *extack);			\
	}; enum netdev_priv_flags
#include_next <linux/netdevice.h>
#undef ndo_fill_forward_path
#undef netdev_priv_flags

#ifdef CONFIG_RANDSTRUCT
/* the randstruct plugin shuffles all-function-pointer structs by their declared shape */
#error "kbridge: netdev_hwtstamp_ndo cannot extend net_device_ops on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(offsetof(struct net_device_ops, ndo_get_tstamp) ==
	      offsetof(struct net_device_ops, ndo_fill_forward_path) + sizeof(void (*)(void)) &&
	      offsetof(struct net_device_ops, ndo_hwtstamp_get) ==
	      offsetof(struct net_device_ops, ndo_get_tstamp) + sizeof(void (*)(void)) &&
	      sizeof(struct net_device_ops) ==
	      offsetof(struct net_device_ops, ndo_hwtstamp_set) + sizeof(void (*)(void)),
	      "kbridge: this kernel's struct net_device_ops does not end with ndo_fill_forward_path, "
	      "ndo_get_tstamp; the netdev_hwtstamp_ndo wrapper does not fit it");
#else
#include_next <linux/netdevice.h>
#endif
