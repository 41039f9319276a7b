/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule macvlan_bc_queue_len: struct macvlan_dev.bc_queue_len_req (the
 * broadcast queue length a macvlan device asked for, IFLA_MACVLAN_BC_QUEUE_LEN)
 * on a kernel whose struct lacks it (5.10).
 *
 * The older struct ends ... enum macvlan_mode mode; u16 flags; unsigned int
 * macaddr_count; [struct netpoll *netpoll;] -- macaddr_count leaves a 4-byte hole
 * before the 8-byte aligned netpoll pointer (or the struct's tail padding without
 * CONFIG_NET_POLL_CONTROLLER). The newer kernel put the u32 exactly there. While
 * the kernel's header is read, one macro on macaddr_count (a member no inline
 * function of the header names) adds it after that member: every kernel member
 * keeps its offset and the struct its size (static_asserts; the ABI check
 * compares with the kernel's BTF), so the older kernel's macvtap, whose struct
 * macvtap_dev embeds struct macvlan_dev, keeps its layout; the newer
 * macvlan_common_newlink() writing the member on a macvtap device writes padding.
 */
#include "kb_config.h"
#if !defined(KB_HAVE_MACVLAN_BC_QUEUE_LEN) && \
	__has_include("rules/macvlan_bc_queue_len/new_on_old.h") && !defined(KB_MACVLAN_BC_QUEUE_LEN_WRAPPED)
#define KB_MACVLAN_BC_QUEUE_LEN_WRAPPED
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
/* the attributes too (with the inline strategy the rule's shims come after the driver's includes) */
#include "rules/macvlan_bc_queue_len/new_on_old.h"

#ifdef macaddr_count
#error "kbridge: macaddr_count is already a macro; macvlan_bc_queue_len cannot extend struct macvlan_dev"
#endif
#define macaddr_count	macaddr_count; u32 bc_queue_len_req
#include_next <linux/if_macvlan.h>
#undef macaddr_count

static_assert(offsetof(struct macvlan_dev, bc_queue_len_req) ==
	      offsetof(struct macvlan_dev, macaddr_count) + sizeof(unsigned int) &&
#ifdef CONFIG_NET_POLL_CONTROLLER
	      offsetof(struct macvlan_dev, netpoll) ==
	      ALIGN(offsetof(struct macvlan_dev, macaddr_count) + sizeof(unsigned int),
		    __alignof__(struct netpoll *)) &&
	      sizeof(struct macvlan_dev) == offsetof(struct macvlan_dev, netpoll) + sizeof(struct netpoll *),
#else
	      sizeof(struct macvlan_dev) ==
	      ALIGN(offsetof(struct macvlan_dev, macaddr_count) + sizeof(unsigned int),
		    __alignof__(struct macvlan_dev)),
#endif
	      "kbridge macvlan_bc_queue_len: bc_queue_len_req does not fit the hole after macaddr_count "
	      "in this kernel's struct macvlan_dev");
#else
#include_next <linux/if_macvlan.h>
#endif
