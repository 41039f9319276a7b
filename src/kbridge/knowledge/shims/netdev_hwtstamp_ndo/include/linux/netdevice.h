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
 * never sees the appended slots by their names: it reads the driver's own
 * table (dev->netdev_ops == &the driver's ops, as on the newer kernel),
 * whose kernel slots the layer's designator macros fill
 * (rules/netdev_hwtstamp_ndo/new_on_old.h):
 *
 *  - ndo_eth_ioctl's slot gets a second name, kb_kernel_eth_ioctl (an
 *    anonymous union of the kernel's type, opened at ndo_eth_ioctl and closed
 *    at ndo_siocbond, the kernel's next member; both names occur once in the
 *    kernel's include/ text read here): a table that designates
 *    .ndo_eth_ioctl, .ndo_hwtstamp_get or .ndo_hwtstamp_set gets the layer's
 *    trampoline there, the driver's own ndo_eth_ioctl going to the appended
 *    kb_drv_eth_ioctl;
 *  - kb_drv_fix_features (appended) holds the driver's ndo_fix_features when
 *    netdev_lltx puts its trampoline in the kernel's slot.
 *
 * The kernel never copies or sizes net_device_ops, so a longer struct on the
 * driver's side is safe. The static_asserts prove the layout and stop the
 * build with a message on a kernel whose header differs.
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

#if defined(ndo_fill_forward_path) || defined(ndo_get_peer_dev) || defined(netdev_priv_flags) || \
	defined(ndo_eth_ioctl) || defined(ndo_siocbond) || defined(ndo_do_ioctl) || defined(ndo_set_config) || \
	defined(ndo_siocwandev) || defined(ndo_siocdevprivate)
#error "kbridge: a net_device_ops member name the netdev_hwtstamp_ndo wrapper hooks is already a macro; it cannot extend struct net_device_ops"
#endif
struct ifreq;
/*
 * Two variants, by what the kernel has (build-time probes, shim.toml's anchors):
 *  - ndo_eth_ioctl (5.15+, where SIOCGHWTSTAMP/SIOCSHWTSTAMP and the MII ioctls
 *    go): its slot is named twice, the union closed at ndo_siocbond, its next
 *    member; the tail opened at ndo_fill_forward_path (6.1's last but one);
 *  - ndo_do_ioctl only (5.10: every device ioctl the core does not handle goes
 *    there, SIOCxHWTSTAMP and the MII ones included): ndo_do_ioctl's slot is
 *    named twice, the union closed at ndo_set_config, its next member; the tail
 *    opened at ndo_get_peer_dev, 5.10's last member. A driver designating
 *    .ndo_do_ioctl there gets the trampoline in the slot and its function in
 *    kb_drv_do_ioctl (rules/netdev_hwtstamp_ndo/new_on_old.h).
 * Each hooked name occurs once in the text the kernel's <linux/netdevice.h> reads.
 */
#if defined(KB_ANCHOR_NET_DEVICE_OPS_NDO_ETH_IOCTL) && defined(KB_ANCHOR_NET_DEVICE_OPS_NDO_FILL_FORWARD_PATH)
#define KB_NETDEV_IOCTL_SLOT_ETH	1
#define ndo_eth_ioctl	kb_eio_pad[0])(void); union {					\
	int (*kb_kernel_eth_ioctl)(struct net_device *, struct ifreq *, int);		\
	int (*ndo_eth_ioctl
#define ndo_siocbond	kb_eio_pad2[0])(void); }; int (*ndo_siocbond
#define ndo_fill_forward_path	kb_nfp_pad[0])(void); struct { int (*ndo_fill_forward_path
#define KB_NETDEV_OPS_SLOT	ndo_eth_ioctl
#define KB_NETDEV_OPS_SLOT_NEXT	ndo_siocbond
#define KB_NETDEV_OPS_TAIL	ndo_fill_forward_path
#elif defined(KB_ANCHOR_NET_DEVICE_OPS_NDO_DO_IOCTL) && defined(KB_ANCHOR_NET_DEVICE_OPS_NDO_GET_PEER_DEV) && \
	!defined(KB_ANCHOR_NET_DEVICE_OPS_NDO_ETH_IOCTL)
#define KB_NETDEV_IOCTL_SLOT_DO	1
#define ndo_do_ioctl	kb_eio_pad[0])(void); union {					\
	int (*kb_kernel_eth_ioctl)(struct net_device *, struct ifreq *, int);		\
	int (*ndo_do_ioctl
#define ndo_set_config	kb_eio_pad2[0])(void); }; int (*ndo_set_config
#define ndo_get_peer_dev	kb_nfp_pad[0])(void); struct { struct net_device *(*ndo_get_peer_dev
#define KB_NETDEV_OPS_SLOT	ndo_do_ioctl
#define KB_NETDEV_OPS_SLOT_NEXT	ndo_set_config
#define KB_NETDEV_OPS_TAIL	ndo_get_peer_dev
#else
#error "kbridge: this kernel's struct net_device_ops has neither ndo_eth_ioctl with ndo_fill_forward_path nor ndo_do_ioctl with ndo_get_peer_dev (the build-time anchors); the netdev_hwtstamp_ndo wrapper knows no variant for it"
#endif
/*
 * 5.10 (ndo_do_ioctl only) with rule ndo_ioctl_split in this OUT: the newer kernels'
 * ioctl slots (5.15: ndo_eth_ioctl's siblings ndo_siocbond, ndo_siocwandev,
 * ndo_siocdevprivate) are appended too, under their own names (this kernel's text
 * names none of them); a designator fills the slot with the trampoline of
 * rules/netdev_hwtstamp_ndo/new_on_old.h, which routes each command to them as the
 * newer core's dev_ifsioc does.
 */
struct if_settings;
#if defined(KB_NETDEV_IOCTL_SLOT_DO) && __has_include("rules/ndo_ioctl_split/new_on_old.h")
#define KB_NETDEV_IOCTL_SPLIT_BRIDGED	1
#define KB_NETDEV_SPLIT_SLOTS								\
	int (*ndo_siocbond)(struct net_device *, struct ifreq *, int);			\
	int (*ndo_siocwandev)(struct net_device *, struct if_settings *);		\
	int (*ndo_siocdevprivate)(struct net_device *, struct ifreq *, void __user *, int);
#else
#define KB_NETDEV_SPLIT_SLOTS
#endif
#define netdev_priv_flags	kb_npf_pad { KB_NPF_PAD_UNUSED } kb_npf_pad_member[0];		\
	int (*ndo_hwtstamp_get)(struct net_device *dev,					\
				struct kernel_hwtstamp_config *kernel_config);		\
	int (*ndo_hwtstamp_set)(struct net_device *dev,					\
				struct kernel_hwtstamp_config *kernel_config,		\
				struct netlink_ext_ack *extack);			\
	KB_NETDEV_SPLIT_SLOTS								\
	int (*kb_drv_eth_ioctl)(struct net_device *, struct ifreq *, int);		\
	int (*kb_drv_do_ioctl)(struct net_device *, struct ifreq *, int);		\
	netdev_features_t (*kb_drv_fix_features)(struct net_device *, netdev_features_t); \
	int (*kb_drv_fdb_add)(struct ndmsg *, struct nlattr *[], struct net_device *,	\
			      const unsigned char *, u16, u16, bool *,			\
			      struct netlink_ext_ack *);				\
	int (*kb_drv_fdb_del)(struct ndmsg *, struct nlattr *[], struct net_device *,	\
			      const unsigned char *, u16, bool *,			\
			      struct netlink_ext_ack *);				\
	int (*kb_drv_netpoll_setup)(struct net_device *);				\
	}; enum netdev_priv_flags
/*
 * net_device_ops slots whose prototype changed after 6.12 (rules ndo_fdb_add_notified,
 * ndo_fdb_del_notified, ndo_netpoll_setup_no_info; each renamed only when its
 * new_on_old shim is in this OUT): the kernel's slot gets another name,
 * kb_kernel_<x> (same offset, the kernel's type), so that the driver's table cannot
 * put a function of the newer type there; the rule's designator macro (its
 * new_on_old.h) fills it with a trampoline of the kernel's type and the appended
 * kb_drv_<x> above with the driver's function. Each name occurs once in the text the
 * kernel's <linux/netdevice.h> reads (5.10 .. 6.1: the member declaration).
 */
struct ndmsg;
struct nlattr;
#if defined(ndo_fdb_add) || defined(ndo_fdb_del) || defined(ndo_netpoll_setup)
#error "kbridge: ndo_fdb_add, ndo_fdb_del or ndo_netpoll_setup is already a macro; the netdev_hwtstamp_ndo wrapper cannot rename the kernel's slot"
#endif
#if __has_include("rules/ndo_fdb_add_notified/new_on_old.h")
#define ndo_fdb_add		kb_kernel_fdb_add
#endif
#if __has_include("rules/ndo_fdb_del_notified/new_on_old.h")
#define ndo_fdb_del		kb_kernel_fdb_del
#endif
#if __has_include("rules/ndo_netpoll_setup_no_info/new_on_old.h")
#define ndo_netpoll_setup	kb_kernel_netpoll_setup
#endif
#include_next <linux/netdevice.h>
#undef ndo_fdb_add
#undef ndo_fdb_del
#undef ndo_netpoll_setup
#undef ndo_fill_forward_path
#undef ndo_get_peer_dev
#undef netdev_priv_flags
#undef ndo_eth_ioctl
#undef ndo_siocbond
#undef ndo_do_ioctl
#undef ndo_set_config

#ifdef CONFIG_RANDSTRUCT
/* the randstruct plugin shuffles all-function-pointer structs by their declared shape */
#error "kbridge: netdev_hwtstamp_ndo cannot extend net_device_ops on a kernel built with CONFIG_RANDSTRUCT"
#endif
/* the appended members follow the anonymous struct that holds the kernel's last
 * members (pointers only: it has their alignment, so none moves) and end the struct */
static_assert(offsetof(struct net_device_ops, ndo_hwtstamp_get) >=
	      offsetof(struct net_device_ops, KB_NETDEV_OPS_TAIL) + sizeof(void (*)(void)) &&
	      offsetof(struct net_device_ops, ndo_hwtstamp_get) % sizeof(void (*)(void)) == 0 &&
	      sizeof(struct net_device_ops) ==
	      offsetof(struct net_device_ops, kb_drv_netpoll_setup) + sizeof(void (*)(void)),
	      "kbridge: the netdev_hwtstamp_ndo wrapper does not fit this kernel's struct net_device_ops");
static_assert(offsetof(struct net_device_ops, kb_kernel_eth_ioctl) ==
	      offsetof(struct net_device_ops, KB_NETDEV_OPS_SLOT) &&
	      offsetof(struct net_device_ops, KB_NETDEV_OPS_SLOT_NEXT) ==
	      offsetof(struct net_device_ops, KB_NETDEV_OPS_SLOT) + sizeof(void (*)(void)) &&
	      __builtin_types_compatible_p(typeof(((struct net_device_ops *)0)->kb_kernel_eth_ioctl),
					   typeof(((struct net_device_ops *)0)->KB_NETDEV_OPS_SLOT)),
	      "kbridge: naming this kernel's ioctl slot twice would move a member; "
	      "the netdev_hwtstamp_ndo wrapper does not fit it");
#else
#include_next <linux/netdevice.h>
#endif
