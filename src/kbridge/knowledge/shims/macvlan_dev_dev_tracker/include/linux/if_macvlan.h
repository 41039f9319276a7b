/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule macvlan_dev_dev_tracker: struct macvlan_dev.dev_tracker (the
 * tracker of the reference macvlan holds on its lower device, netdev_hold() in
 * ndo_init, netdev_put() in ndo_uninit) on a kernel whose struct lacks it (5.10).
 *
 * The member is a netdevice_tracker, which on a kernel without
 * CONFIG_NET_DEV_REFCNT_TRACKER -- Debian's, every series -- is an empty struct:
 * zero bytes. While the kernel's header is read, one macro on set_features (a
 * member no inline function of the header names) appends it after that member;
 * it takes no room, so every kernel member keeps its offset and the struct its
 * size (static_asserts), which the older kernel's own macvtap -- its struct
 * macvtap_dev embeds struct macvlan_dev, and it calls the module's exported
 * functions with its devices -- relies on.
 */
#include "kb_config.h"
#if !defined(KB_HAVE_MACVLAN_DEV_DEV_TRACKER) && \
	__has_include("rules/macvlan_dev_dev_tracker/new_on_old.h") && !defined(KB_MACVLAN_DEV_TRACKER_WRAPPED)
#define KB_MACVLAN_DEV_TRACKER_WRAPPED
/* what the kernel's header includes, first: the macro below must meet only its text */
#include <linux/if_link.h>
#include <linux/if_vlan.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <net/netlink.h>
#include <linux/u64_stats_sync.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
/* the member's type: the kernel's, or on a kernel without it rule netdev_hold_tracker's
 * (read here too: with the inline strategy its shims come after the driver's includes) */
#if !defined(KB_HAVE_NETDEV_HOLD_TRACKER) && __has_include("rules/netdev_hold_tracker/new_on_old.h")
#include "rules/netdev_hold_tracker/new_on_old.h"
#endif

#ifdef set_features
#error "kbridge: set_features is already a macro; macvlan_dev_dev_tracker cannot extend struct macvlan_dev"
#endif
#define set_features	set_features; netdevice_tracker dev_tracker
#include_next <linux/if_macvlan.h>
#undef set_features

static_assert(sizeof(netdevice_tracker) == 0 &&
	      offsetof(struct macvlan_dev, dev_tracker) ==
	      offsetof(struct macvlan_dev, set_features) + sizeof(netdev_features_t) &&
	      offsetof(struct macvlan_dev, mode) ==
	      ALIGN(offsetof(struct macvlan_dev, set_features) + sizeof(netdev_features_t),
		    __alignof__(enum macvlan_mode)),
	      "kbridge macvlan_dev_dev_tracker: dev_tracker would take room in this kernel's struct macvlan_dev");
#else
#include_next <linux/if_macvlan.h>
#endif
