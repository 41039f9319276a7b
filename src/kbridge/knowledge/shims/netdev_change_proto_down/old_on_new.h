/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IFF_CHANGE_PROTO_DOWN (a priv flag until Linux 6.11) on a kernel where a
 * device that accepts IFLA_PROTO_DOWN sets dev->change_proto_down (6.12).
 *
 * The 6.12 core refuses IFLA_PROTO_DOWN (rtnetlink do_set_proto_down(),
 * dev_change_proto_down()) unless dev->change_proto_down is set; 6.1 tested
 * IFF_CHANGE_PROTO_DOWN in dev->priv_flags at the same places. A driver sets
 * it while setting its device up (macvlan: in its rtnl_link_ops setup).
 *
 * The wrapper of <linux/netdev_features.h> (include/linux/ here) gives
 * struct net_device the member kb_priv_flags: the whole word of the kernel's
 * priv_flags:32 + lltx:1 group. Here the driver's `priv_flags` becomes that
 * word, so a 6.1-style `dev->priv_flags |= ... | IFF_CHANGE_PROTO_DOWN` keeps
 * every bit: 0..31 are the kernel's priv flags (same values, same
 * semantics), and IFF_CHANGE_PROTO_DOWN is bit 63, in the group's padding,
 * which the 6.12 kernel never reads. register_netdevice() converts it to
 * dev->change_proto_down = true at NETDEV_POST_INIT, before the device is
 * visible to rtnetlink, for devices the driver registers and for those the
 * rtnetlink core creates for a link type without .newlink (the module's
 * netdevice notifier, netdev_lltx's old_on_new shim) -- so the kernel accepts
 * and refuses exactly the IFLA_PROTO_DOWN requests 6.1 did. The bit stays
 * set, so the driver reading its own flag sees what it set (the kernel
 * ignores it).
 *
 * In the wide word, `priv_flags &= ~IFF_X` must clear only IFF_X, as in 6.1's
 * 64-bit priv_flags. Every enumerator of 6.12's enum netdev_priv_flags is an
 * int, whose complement sign-extends to all 64 bits, except
 * IFF_TX_SKB_NO_LINEAR (BIT_ULL(31) does not fit an int: an unsigned int,
 * whose complement would also clear bits 32 (lltx) and 63): it is made an
 * unsigned long here (static_asserts: that one is the only such enumerator).
 *
 * Limits (named, not hidden): setting the flag only after registration is
 * not converted; `dev->priv_flags = x` (plain assignment, which no in-tree
 * driver does to a device the kernel set up) would also write bit 32, lltx;
 * a driver struct of its own with a priv_flags member declared before
 * <linux/netdevice.h> fails to build (loudly) rather than being misread.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/netdevice.h>	/* the layer applies it after this header; inline may not */

#ifndef priv_flags_fast
#error "kbridge: netdev_change_proto_down needs its <linux/netdev_features.h> wrapper (compat/include) to be read before struct net_device"
#endif
#undef priv_flags_fast		/* struct net_device is complete */
static_assert(offsetof(struct net_device, kb_priv_flags) ==
	      offsetof(struct net_device, priv_flags_fast) &&
	      sizeof(((struct net_device *)0)->priv_flags_fast) == sizeof(unsigned long) &&
	      sizeof(((struct net_device *)0)->kb_priv_flags) == sizeof(unsigned long) &&
	      offsetof(struct net_device, netdev_ops) ==
	      offsetof(struct net_device, priv_flags_fast) + sizeof(unsigned long),
	      "kbridge: this kernel's net_device priv_flags group is not one unsigned long "
	      "(priv_flags:32, lltx:1); the netdev_change_proto_down shim does not fit it");

#define KB_IFF_CHANGE_PROTO_DOWN	((unsigned long)1 << 63)
#define IFF_CHANGE_PROTO_DOWN		KB_IFF_CHANGE_PROTO_DOWN
/* bits 0..31: the kernel's priv_flags; bit 32: lltx; 33..63 padding */
static_assert(sizeof(((struct net_device *)0)->kb_priv_flags) * 8 == 64,
	      "kbridge: kb_priv_flags is not 64 bits wide");
#define priv_flags			kb_priv_flags

static_assert(__builtin_types_compatible_p(typeof(IFF_NO_ADDRCONF), int) &&
	      IFF_TX_SKB_NO_LINEAR == 0x80000000u && IFF_NO_ADDRCONF == 1 << 30,
	      "kbridge: this kernel's enum netdev_priv_flags is not the one the "
	      "netdev_change_proto_down shim widens (IFF_TX_SKB_NO_LINEAR the only flag beyond int)");
#define IFF_TX_SKB_NO_LINEAR		((unsigned long)IFF_TX_SKB_NO_LINEAR)

static inline void kb_change_proto_down_post_init(struct net_device *dev)
{
	if (dev->kb_priv_flags & KB_IFF_CHANGE_PROTO_DOWN)
		dev->change_proto_down = true;
}

/*
 * The module's netdevice notifier is defined once, in netdev_lltx's
 * old_on_new shim (the two rules need each other, so they are always applied
 * together, in either order); this shim fills its slot.
 */
#undef KB_NETDEV_POST_INIT_PROTO_DOWN
#define KB_NETDEV_POST_INIT_PROTO_DOWN(dev)	kb_change_proto_down_post_init(dev)
