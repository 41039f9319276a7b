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
 * member (offload_xstats_l3), so the driver's view names four of those tail
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
#ifndef offload_xstats_l3
#define offload_xstats_l3	offload_xstats_l3; KB_NETDEV_TAIL_XDP KB_NETDEV_TAIL_BITS
#endif
#include_next <linux/netdevice.h>
#undef offload_xstats_l3

/* the kernel's struct ends with the pointer offload_xstats_l3: its size is
 * that end rounded up to the struct's alignment, and ours must be the same */
static_assert(sizeof(struct net_device) ==
	      ALIGN(offsetof(struct net_device, offload_xstats_l3) + sizeof(void *),
		    __alignof__(struct net_device)) &&
	      offsetof(struct net_device, xdp_features) >=
	      offsetof(struct net_device, offload_xstats_l3) + sizeof(void *),
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
