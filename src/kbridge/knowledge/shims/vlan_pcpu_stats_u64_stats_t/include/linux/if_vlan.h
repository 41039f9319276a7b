/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule vlan_pcpu_stats_u64_stats_t: the counters of struct
 * vlan_pcpu_stats (rx_packets, rx_bytes, rx_multicast, tx_packets, tx_bytes)
 * are u64 on the older kernel (5.10) and u64_stats_t on the newer (6.1 on).
 *
 * u64_stats_t is one member, a local64_t (64-bit) or a u64 (32-bit): the same
 * size and alignment as u64 on every architecture (static_assert below), so
 * both structs have one layout, and the kernel code that reads them (vlan's
 * and macvlan's get_stats64, macvlan_count_rx) reads the same bytes either
 * way. What differs is only how C spells an access:
 *
 *  - a u64 * handed to u64_stats_read/add/inc (a newer driver on the older
 *    struct, or on the newer kernel the kernel's own inline macvlan_count_rx()
 *    on a struct spelt the older way) is converted to the u64_stats_t * of the
 *    same object, so each accessor does what the kernel's does on that object:
 *    local64_read (READ_ONCE) / local64_add / local64_inc -- on x86_64 one
 *    non-locked instruction on the per-CPU counter, as ++ and += are; on
 *    32-bit the kernel's accessors are plain u64 operations under the syncp
 *    the caller holds, as the older code did. Any other pointer goes to the
 *    kernel's accessor unchanged.
 *  - old_on_new: while the newer kernel's <linux/if_vlan.h> is read,
 *    u64_stats_t is spelt u64 (the header names it only in these five
 *    members; what it includes is read first, so nothing else is touched):
 *    the older driver's ++, += and plain reads compile as on its own kernel.
 *
 * On a 64-bit kernel u64_stats_update_begin/fetch_begin are empty on both
 * sides, so the older driver's plain 64-bit loads and stores are what its own
 * kernel did; the newer kernel's readers use READ_ONCE on the same words.
 */
#include "kb_config.h"
/* new_on_old on a kernel with u64 counters, old_on_new on one with u64_stats_t (the guard) */
#if !defined(KB_VLAN_PCPU_STATS_WRAPPED) && \
	((!defined(KB_HAVE_VLAN_PCPU_STATS_U64_STATS_T) && \
	  __has_include("rules/vlan_pcpu_stats_u64_stats_t/new_on_old.h")) || \
	 (defined(KB_HAVE_VLAN_PCPU_STATS_U64_STATS_T) && \
	  __has_include("rules/vlan_pcpu_stats_u64_stats_t/old_on_new.h")))
#define KB_VLAN_PCPU_STATS_WRAPPED
/* what the kernel's header includes, first: the macro below must meet only its text */
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>
#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/u64_stats_sync.h>
#include <uapi/linux/if_vlan.h>

static_assert(sizeof(u64_stats_t) == sizeof(u64) &&
	      __alignof__(u64_stats_t) == __alignof__(u64),
	      "kbridge vlan_pcpu_stats_u64_stats_t: u64_stats_t is not laid out as a u64 here");

/* a u64 counter reaches the kernel's accessor as the u64_stats_t it overlays */
#define kb_u64_stats_p(p)						\
	_Generic((p),							\
		 u64 *: (u64_stats_t *)(void *)(p),			\
		 const u64 *: (const u64_stats_t *)(const void *)(p),	\
		 default: (p))
#ifndef u64_stats_read
#define u64_stats_read(p)	u64_stats_read(kb_u64_stats_p(p))
#endif
#ifndef u64_stats_add
#define u64_stats_add(p, val)	u64_stats_add(kb_u64_stats_p(p), val)
#endif
#ifndef u64_stats_inc
#define u64_stats_inc(p)	u64_stats_inc(kb_u64_stats_p(p))
#endif

#ifdef KB_HAVE_VLAN_PCPU_STATS_U64_STATS_T
#ifdef u64_stats_t
#error "kbridge: u64_stats_t is already a macro; vlan_pcpu_stats_u64_stats_t cannot respell struct vlan_pcpu_stats"
#endif
#define u64_stats_t	u64
#include_next <linux/if_vlan.h>
#undef u64_stats_t
static_assert(offsetof(struct vlan_pcpu_stats, rx_packets) == 0 &&
	      offsetof(struct vlan_pcpu_stats, rx_bytes) == 8 &&
	      offsetof(struct vlan_pcpu_stats, rx_multicast) == 16 &&
	      offsetof(struct vlan_pcpu_stats, tx_packets) == 24 &&
	      offsetof(struct vlan_pcpu_stats, tx_bytes) == 32 &&
	      offsetof(struct vlan_pcpu_stats, syncp) == 40,
	      "kbridge vlan_pcpu_stats_u64_stats_t: struct vlan_pcpu_stats is not the kernel's five 8-byte counters");
#else
#include_next <linux/if_vlan.h>
#endif
#else
#include_next <linux/if_vlan.h>
#endif
