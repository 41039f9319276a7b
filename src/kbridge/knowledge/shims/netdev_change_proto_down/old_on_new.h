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
 * 64-bit priv_flags: every flag is made an unsigned long (below).
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

/*
 * Every priv flag the driver names is widened to unsigned long, so that
 * `priv_flags &= ~IFF_X` clears IFF_X alone in the 64-bit word, whatever type
 * the kernel's compiler gives the enumerators: 6.12's gcc-12 makes them int
 * (whose complement sign-extends: every bit but IFF_X's) except
 * IFF_TX_SKB_NO_LINEAR = BIT_ULL(31) (unsigned int); 7.2's and 7.3's gcc-16
 * applies C23's rule in gnu11 too -- an enum with a value beyond int gives
 * every enumerator the enum's type, unsigned int -- so there EVERY ~IFF_X
 * would zero-extend and also clear bit 32 (lltx) and bit 63 (the driver's
 * IFF_CHANGE_PROTO_DOWN). A cast of a non-negative enumerator to unsigned long
 * keeps its value, so the widened flags are the kernel's flags. The list is
 * the union of enum netdev_priv_flags of 6.1 .. 7.3 (a name this kernel lacks
 * stays undeclared where the driver uses it, as without the macro).
 */
static_assert(IFF_TX_SKB_NO_LINEAR == 0x80000000u && IFF_NO_ADDRCONF == 1 << 30 &&
	      sizeof(enum netdev_priv_flags) <= sizeof(unsigned int),
	      "kbridge: this kernel's enum netdev_priv_flags is not the 32 flags the "
	      "netdev_change_proto_down shim widens");
#define KB_IFF_WIDE(x)	((unsigned long)(x))
#define IFF_802_1Q_VLAN			KB_IFF_WIDE(IFF_802_1Q_VLAN)
#define IFF_EBRIDGE			KB_IFF_WIDE(IFF_EBRIDGE)
#define IFF_BONDING			KB_IFF_WIDE(IFF_BONDING)
#define IFF_ISATAP			KB_IFF_WIDE(IFF_ISATAP)
#define IFF_WAN_HDLC			KB_IFF_WIDE(IFF_WAN_HDLC)
#define IFF_XMIT_DST_RELEASE		KB_IFF_WIDE(IFF_XMIT_DST_RELEASE)
#define IFF_DONT_BRIDGE			KB_IFF_WIDE(IFF_DONT_BRIDGE)
#define IFF_DISABLE_NETPOLL		KB_IFF_WIDE(IFF_DISABLE_NETPOLL)
#define IFF_MACVLAN_PORT		KB_IFF_WIDE(IFF_MACVLAN_PORT)
#define IFF_BRIDGE_PORT			KB_IFF_WIDE(IFF_BRIDGE_PORT)
#define IFF_OVS_DATAPATH		KB_IFF_WIDE(IFF_OVS_DATAPATH)
#define IFF_TX_SKB_SHARING		KB_IFF_WIDE(IFF_TX_SKB_SHARING)
#define IFF_UNICAST_FLT			KB_IFF_WIDE(IFF_UNICAST_FLT)
#define IFF_TEAM_PORT			KB_IFF_WIDE(IFF_TEAM_PORT)
#define IFF_SUPP_NOFCS			KB_IFF_WIDE(IFF_SUPP_NOFCS)
#define IFF_LIVE_ADDR_CHANGE		KB_IFF_WIDE(IFF_LIVE_ADDR_CHANGE)
#define IFF_MACVLAN			KB_IFF_WIDE(IFF_MACVLAN)
#define IFF_XMIT_DST_RELEASE_PERM	KB_IFF_WIDE(IFF_XMIT_DST_RELEASE_PERM)
#define IFF_L3MDEV_MASTER		KB_IFF_WIDE(IFF_L3MDEV_MASTER)
#define IFF_NO_QUEUE			KB_IFF_WIDE(IFF_NO_QUEUE)
#define IFF_OPENVSWITCH			KB_IFF_WIDE(IFF_OPENVSWITCH)
#define IFF_L3MDEV_SLAVE		KB_IFF_WIDE(IFF_L3MDEV_SLAVE)
#define IFF_TEAM			KB_IFF_WIDE(IFF_TEAM)
#define IFF_RXFH_CONFIGURED		KB_IFF_WIDE(IFF_RXFH_CONFIGURED)
#define IFF_PHONY_HEADROOM		KB_IFF_WIDE(IFF_PHONY_HEADROOM)
#define IFF_MACSEC			KB_IFF_WIDE(IFF_MACSEC)
#define IFF_NO_RX_HANDLER		KB_IFF_WIDE(IFF_NO_RX_HANDLER)
#define IFF_FAILOVER			KB_IFF_WIDE(IFF_FAILOVER)
#define IFF_FAILOVER_SLAVE		KB_IFF_WIDE(IFF_FAILOVER_SLAVE)
#define IFF_L3MDEV_RX_HANDLER		KB_IFF_WIDE(IFF_L3MDEV_RX_HANDLER)
#define IFF_LIVE_RENAME_OK		KB_IFF_WIDE(IFF_LIVE_RENAME_OK)
#define IFF_NO_ADDRCONF			KB_IFF_WIDE(IFF_NO_ADDRCONF)
#define IFF_TX_SKB_NO_LINEAR		KB_IFF_WIDE(IFF_TX_SKB_NO_LINEAR)
static_assert(sizeof(~IFF_MACVLAN) == sizeof(unsigned long) && (~IFF_MACVLAN >> 32) == 0xffffffffUL,
	      "kbridge: a widened priv flag's complement must keep bits 32..63");

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
