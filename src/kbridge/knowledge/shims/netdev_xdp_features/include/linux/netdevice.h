/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_device.xdp_features and NETDEV_XDP_ACT_* (Linux >= 6.3) on a kernel
 * without them.
 *
 * On the newer kernel a driver records its XDP capabilities in
 * dev->xdp_features; the core reports them through the netdev netlink family
 * and checks NETDEV_XDP_ACT_NDO_XMIT before redirecting to the device. The
 * older kernel has neither consumer: it decides the same questions from the
 * driver's ndo_bpf/ndo_xdp_xmit callbacks, which the driver provides
 * unchanged. What the driver needs is therefore a per-device xdp_features it
 * can write and read back.
 *
 * The kernel lays out struct net_device and allocates it zeroed, rounded up
 * to its (cache-line) alignment; the bytes after its last member up to that
 * size belong to the object and are never used by the kernel. While the
 * kernel's header is read, this wrapper appends xdp_features after the last
 * member (offload_xstats_l3 on 6.1, xdp_state[] on 5.10: see below), so the driver's view names four of those tail
 * bytes; every kernel member keeps its offset. The static_assert below
 * proves at build time that the member fits in the tail -- sizeof(struct
 * net_device), and so netdev_priv(), are exactly the kernel's -- and stops
 * the build with a clear message on a kernel where it would not fit.
 * NETDEV_XDP_ACT_* are the uapi values (include/uapi/linux/netdev.h).
 */
#include "kb_config.h"
#if !defined(KB_HAVE_NETDEV_XDP_FEATURES) && !defined(KB_NETDEV_XDP_FEATURES_WRAP)
#define KB_NETDEV_XDP_FEATURES_WRAP
#include <linux/types.h>
#include <linux/build_bug.h>
/* ALIGN(): <linux/align.h> since 5.11, <linux/kernel.h> before (5.10) */
#include <linux/kernel.h>
#include <linux/stddef.h>

typedef u32 xdp_features_t;

/*
 * Other rules append members to the same tail (netdev_lltx's wrapper: lltx and
 * change_proto_down). Each wrapper fills its own slot macro and the first one
 * read defines the anchor that lists every slot, so the wrappers combine in
 * any order and each works alone (an unfilled slot is empty).
 */
#undef KB_NETDEV_TAIL_XDP
#define KB_NETDEV_TAIL_XDP	xdp_features_t xdp_features;
#ifndef KB_NETDEV_TAIL_BITS
#define KB_NETDEV_TAIL_BITS
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
		    __alignof__(struct net_device)) &&
	      offsetof(struct net_device, xdp_features) >=
	      offsetof(struct net_device, KB_NETDEV_TAIL_ANCHOR) +
	      sizeof(((struct net_device *)0)->KB_NETDEV_TAIL_ANCHOR),
	      "kbridge: no room for xdp_features in this kernel's struct net_device tail; "
	      "this layer cannot bridge net_device.xdp_features here");

enum kb_netdev_xdp_act {
	NETDEV_XDP_ACT_BASIC = 1,
	NETDEV_XDP_ACT_REDIRECT = 2,
	NETDEV_XDP_ACT_NDO_XMIT = 4,
	NETDEV_XDP_ACT_XSK_ZEROCOPY = 8,
	NETDEV_XDP_ACT_HW_OFFLOAD = 16,
	NETDEV_XDP_ACT_RX_SG = 32,
	NETDEV_XDP_ACT_NDO_XMIT_SG = 64,
};
#else
#include_next <linux/netdevice.h>
#endif
