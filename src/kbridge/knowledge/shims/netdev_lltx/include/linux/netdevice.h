/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_device.lltx and net_device.change_proto_down (Linux >= 6.12: the
 * NETIF_F_LLTX feature bit and the IFF_CHANGE_PROTO_DOWN private flag became
 * these bits) on a kernel without them. Shipped by netdev_lltx for both:
 * netdev_change_proto_down and netdev_lltx need each other (shim.toml), so
 * both guards are always computed and this wrapper is always there.
 *
 * As for xdp_features (netdev_xdp_features), the members are appended after
 * struct net_device's last member (offload_xstats_l3 on 6.1, xdp_state[] on 5.10), while the kernel's
 * header is read: they name one byte of the struct's tail padding (the
 * kernel allocates struct net_device zeroed and rounded up to its alignment,
 * and never uses those bytes), every kernel member keeps its offset, and the
 * static_assert proves that sizeof(struct net_device) -- hence netdev_priv()
 * -- is the kernel's. A stored bit changes nothing on this kernel by itself:
 * the module's notifier converts it when register_netdevice() calls
 * NETDEV_POST_INIT (rules/netdev_hwtstamp_ndo/new_on_old.h: NETIF_F_LLTX in
 * dev->features, IFF_CHANGE_PROTO_DOWN in dev->priv_flags, which is what
 * this kernel reads).
 */
#include "kb_config.h"
/* only for a driver bridged new_on_old: a driver written for the older API
 * (old_on_new in this OUT) keeps the kernel's header on its own kernel */
#if (!defined(KB_HAVE_NETDEV_LLTX) || !defined(KB_HAVE_NETDEV_CHANGE_PROTO_DOWN)) && \
	!defined(KB_NETDEV_TAIL_BITS_WRAP) && \
	(__has_include("rules/netdev_lltx/new_on_old.h") || \
	 __has_include("rules/netdev_change_proto_down/new_on_old.h") || \
	 __has_include("rules/ndo_change_proto_down_removed/new_on_old.h"))
#define KB_NETDEV_TAIL_BITS_WRAP
#include <linux/build_bug.h>
/* ALIGN(): <linux/align.h> since 5.11, <linux/kernel.h> before (5.10) */
#include <linux/kernel.h>
#include <linux/stddef.h>

#ifndef KB_HAVE_NETDEV_LLTX
#define KB_NETDEV_LLTX_MEMBER		unsigned char lltx:1;
#define KB_NETDEV_LLTX_BRIDGED		1
#else
#define KB_NETDEV_LLTX_MEMBER
#endif
/* where the kernel has the old side, IFF_CHANGE_PROTO_DOWN (5.17 .. 6.11: converted to
 * that priv flag at NETDEV_POST_INIT); or, before it (5.10 .. 5.16), the ndo_change_proto_down
 * slot, which rule ndo_change_proto_down_removed's new_on_old fills with a trampoline that
 * reads this bit (KB_NETDEV_CPD_NDO). Elsewhere the driver's member stays unknown. */
#if !defined(KB_HAVE_NETDEV_CHANGE_PROTO_DOWN) && defined(KB_OLD_NETDEV_CHANGE_PROTO_DOWN)
#define KB_NETDEV_CPD_MEMBER		unsigned char change_proto_down:1;
#define KB_NETDEV_CPD_BRIDGED		1
#elif !defined(KB_HAVE_NETDEV_CHANGE_PROTO_DOWN) && !defined(KB_HAVE_NDO_CHANGE_PROTO_DOWN_REMOVED) && \
	__has_include("rules/ndo_change_proto_down_removed/new_on_old.h")
#define KB_NETDEV_CPD_MEMBER		unsigned char change_proto_down:1;
#define KB_NETDEV_CPD_NDO		1
#else
#define KB_NETDEV_CPD_MEMBER
#endif
/*
 * An anonymous struct of one byte (alignment 1) after the last pointer. The
 * tail is shared with netdev_xdp_features' wrapper (xdp_features): each
 * wrapper fills its own slot macro and the first one read defines the anchor
 * listing every slot, so they combine in any order (an unfilled slot is empty).
 */
#undef KB_NETDEV_TAIL_BITS
#define KB_NETDEV_TAIL_BITS	struct { KB_NETDEV_LLTX_MEMBER KB_NETDEV_CPD_MEMBER };
#ifndef KB_NETDEV_TAIL_XDP
#define KB_NETDEV_TAIL_XDP
#endif
/*
 * The anchor is struct net_device's last member, which differs by kernel (a
 * build-time probe of each, shim.toml's anchors): the pointer offload_xstats_l3
 * (6.1's) or the array xdp_state[__MAX_XDP_MODE] (5.10's), each occurring once in
 * the text the kernel's <linux/netdevice.h> reads. After the array the macro
 * opens a zero-size array of empty structs that takes the kernel's own
 * "[__MAX_XDP_MODE];", so the tail members follow the array and take no room.
 */
#if defined(KB_ANCHOR_NET_DEVICE_OFFLOAD_XSTATS_L3)
#ifndef offload_xstats_l3
#define offload_xstats_l3	offload_xstats_l3; KB_NETDEV_TAIL_XDP KB_NETDEV_TAIL_BITS
#endif
#define KB_NETDEV_TAIL_ANCHOR	offload_xstats_l3
#elif defined(KB_ANCHOR_NET_DEVICE_XDP_STATE)
#ifndef xdp_state
#define xdp_state	xdp_state[__MAX_XDP_MODE]; KB_NETDEV_TAIL_XDP KB_NETDEV_TAIL_BITS struct { } kb_xdp_state_pad
#endif
#define KB_NETDEV_TAIL_ANCHOR	xdp_state
#else
#error "kbridge: this kernel's struct net_device has neither offload_xstats_l3 nor xdp_state (the build-time anchors); the net_device tail wrappers know no variant for it"
#endif
#include_next <linux/netdevice.h>
#undef offload_xstats_l3
#undef xdp_state

/* the kernel's struct ends with its anchor: its size is that end rounded up
 * to the struct's alignment, and ours must be the same */
static_assert(sizeof(struct net_device) ==
	      ALIGN(offsetof(struct net_device, KB_NETDEV_TAIL_ANCHOR) +
		    sizeof(((struct net_device *)0)->KB_NETDEV_TAIL_ANCHOR),
		    __alignof__(struct net_device)),
	      "kbridge: no room for lltx/change_proto_down in this kernel's struct net_device tail; "
	      "this layer cannot bridge them here");
#elif !defined(KB_NETDEV_OPS_FIX_FEATURES_WRAP) && \
	((defined(KB_HAVE_NETDEV_LLTX) && __has_include("rules/netdev_lltx/old_on_new.h")) || \
	 (defined(KB_HAVE_NDO_FDB_ADD_NOTIFIED) && __has_include("rules/ndo_fdb_add_notified/old_on_new.h")) || \
	 (defined(KB_HAVE_NDO_FDB_DEL_NOTIFIED) && __has_include("rules/ndo_fdb_del_notified/old_on_new.h")) || \
	 (defined(KB_HAVE_NDO_NETPOLL_SETUP_NO_INFO) && \
	  __has_include("rules/ndo_netpoll_setup_no_info/old_on_new.h")) || \
	 (defined(KB_HAVE_NDO_CHANGE_PROTO_DOWN_REMOVED) && \
	  __has_include("rules/ndo_change_proto_down_removed/old_on_new.h")))
/*
 * A driver written for NETIF_F_LLTX on a kernel with dev->lltx (old_on_new):
 * the driver's view of struct net_device_ops gets one member after the
 * kernel's last (ndo_hwtstamp_set, or 7.3's net_shaper_ops after it), kb_drv_fix_features, where the layer's
 * designator macro puts the driver's ndo_fix_features while the kernel's
 * slot gets the trampoline (rules/netdev_lltx/old_on_new.h): the kernel
 * keeps reading the driver's own table. Same construction as
 * netdev_hwtstamp_ndo's wrapper (ndo_hwtstamp_set and netdev_priv_flags occur
 * once each in the kernel's include/ text; a macro does not re-expand its
 * own name); the static_asserts prove every kernel member keeps its offset.
 */
#define KB_NETDEV_OPS_FIX_FEATURES_WRAP
#include <linux/build_bug.h>
#include <linux/stddef.h>
#if defined(ndo_hwtstamp_set) || defined(netdev_priv_flags)
#error "kbridge: ndo_hwtstamp_set or netdev_priv_flags is already a macro; netdev_lltx cannot extend struct net_device_ops"
#endif
#define ndo_hwtstamp_set	kb_nhs_pad[0])(void); struct { int (*ndo_hwtstamp_set
#define netdev_priv_flags	kb_npf2_pad { KB_NPF2_PAD_UNUSED } kb_npf2_pad_member[0];	\
	netdev_features_t (*kb_drv_fix_features)(struct net_device *, netdev_features_t);	\
	struct kb_cpd_generic_only *kb_drv_change_proto_down;				\
	int (*kb_drv_fdb_add)(struct ndmsg *, struct nlattr *[], struct net_device *,	\
			      const unsigned char *, u16, u16, struct netlink_ext_ack *);	\
	int (*kb_drv_fdb_del)(struct ndmsg *, struct nlattr *[], struct net_device *,	\
			      const unsigned char *, u16);				\
	int (*kb_drv_netpoll_setup)(struct net_device *, struct netpoll_info *);	\
	}; enum netdev_priv_flags
/*
 * The same for the net_device_ops slots whose prototype changed after 6.12 (rules
 * ndo_fdb_add_notified, ndo_fdb_del_notified, ndo_netpoll_setup_no_info, old_on_new,
 * each renamed only when its shim is in this OUT): the kernel's slot is renamed
 * kb_kernel_<x> (same offset, the kernel's type; one occurrence each in the text the
 * kernel's header reads), the driver's 5.10-typed function goes to the appended
 * kb_drv_<x> above through the rule's designator macro, the trampoline of the
 * kernel's type to the slot (shims/<rule>/old_on_new.h).
 */
struct ndmsg;
struct nlattr;
struct netpoll_info;
/* rule ndo_change_proto_down_removed (old_on_new): what the driver designated as
 * .ndo_change_proto_down -- only dev_change_proto_down_generic can be bridged, and it
 * is this type's marker (rules/ndo_change_proto_down_removed/old_on_new.h) */
struct kb_cpd_generic_only;
#if defined(ndo_fdb_add) || defined(ndo_fdb_del) || defined(ndo_netpoll_setup)
#error "kbridge: ndo_fdb_add, ndo_fdb_del or ndo_netpoll_setup is already a macro; the netdev_lltx wrapper cannot rename the kernel's slot"
#endif
#if defined(KB_HAVE_NDO_FDB_ADD_NOTIFIED) && __has_include("rules/ndo_fdb_add_notified/old_on_new.h")
#define ndo_fdb_add		kb_kernel_fdb_add
#endif
#if defined(KB_HAVE_NDO_FDB_DEL_NOTIFIED) && __has_include("rules/ndo_fdb_del_notified/old_on_new.h")
#define ndo_fdb_del		kb_kernel_fdb_del
#endif
#if defined(KB_HAVE_NDO_NETPOLL_SETUP_NO_INFO) && __has_include("rules/ndo_netpoll_setup_no_info/old_on_new.h")
#define ndo_netpoll_setup	kb_kernel_netpoll_setup
#endif
#include_next <linux/netdevice.h>
#undef ndo_fdb_add
#undef ndo_fdb_del
#undef ndo_netpoll_setup
#undef ndo_hwtstamp_set
#undef netdev_priv_flags
#ifdef CONFIG_RANDSTRUCT
#error "kbridge: netdev_lltx cannot extend net_device_ops on a kernel built with CONFIG_RANDSTRUCT"
#endif
/* the appended member follows the anonymous struct that holds the kernel's members
 * from ndo_hwtstamp_set on (7.3 with CONFIG_NET_SHAPER: net_shaper_ops after it;
 * pointers only, so none moves) and ends the struct */
static_assert(offsetof(struct net_device_ops, ndo_hwtstamp_set) ==
	      offsetof(struct net_device_ops, ndo_hwtstamp_get) + sizeof(void (*)(void)) &&
	      offsetof(struct net_device_ops, kb_drv_fix_features) >=
	      offsetof(struct net_device_ops, ndo_hwtstamp_set) + sizeof(void (*)(void)) &&
	      offsetof(struct net_device_ops, kb_drv_fix_features) % sizeof(void (*)(void)) == 0 &&
	      sizeof(struct net_device_ops) ==
	      offsetof(struct net_device_ops, kb_drv_netpoll_setup) + sizeof(void (*)(void)),
	      "kbridge: the netdev_lltx wrapper does not fit this kernel's struct net_device_ops");
#else
#include_next <linux/netdevice.h>
#endif
