/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule dev_core_stats_inc, old_on_new: dev->rx_dropped, dev->tx_dropped and
 * dev->rx_nohandler (atomic_long_t members of struct net_device until 5.18) for a
 * driver written for them, on a kernel that counts those drops per CPU in
 * dev->core_stats (625788b58445, 5.18) and has no such members.
 *
 * While the kernel's header is read, one macro on carrier_up_count (a member each
 * newer kernel's <linux/netdevice.h> names once, in struct net_device) appends three
 * members after it, each an empty struct of its own type: zero bytes, alignment 1,
 * so every kernel member keeps its offset and the struct its size (static_asserts;
 * the ABI check compares with the kernel's BTF). Their only use is their address:
 * `&dev->rx_dropped` has a type of its own, which rules/dev_core_stats_inc/
 * old_on_new.h turns, in atomic_long_inc/add/read, into the kernel's per-CPU
 * counter of that device (netdev_core_stats_inc, the sum dev_get_stats makes).
 */
#include "kb_config.h"
/* only on a kernel with the per-CPU counters (the guard) for a driver written for the members */
#if defined(KB_HAVE_DEV_CORE_STATS_INC) && __has_include("rules/dev_core_stats_inc/old_on_new.h") && \
	!defined(KB_NETDEV_CORE_STATS_MEMBERS_WRAPPED)
#define KB_NETDEV_CORE_STATS_MEMBERS_WRAPPED
#include <linux/build_bug.h>
#include <linux/stddef.h>
struct kb_netdev_rx_dropped { };
struct kb_netdev_tx_dropped { };
struct kb_netdev_rx_nohandler { };
#ifdef carrier_up_count
#error "kbridge: carrier_up_count is already a macro; dev_core_stats_inc cannot give struct net_device its older drop counters"
#endif
#define carrier_up_count	carrier_up_count;				\
	struct kb_netdev_rx_dropped rx_dropped;				\
	struct kb_netdev_tx_dropped tx_dropped;				\
	struct kb_netdev_rx_nohandler rx_nohandler
#include_next <linux/netdevice.h>
#undef carrier_up_count
static_assert(sizeof(struct kb_netdev_rx_dropped) == 0 &&
	      offsetof(struct net_device, rx_dropped) ==
	      offsetof(struct net_device, carrier_up_count) + sizeof(atomic_t) &&
	      offsetof(struct net_device, rx_nohandler) == offsetof(struct net_device, rx_dropped) &&
	      offsetof(struct net_device, carrier_down_count) ==
	      offsetof(struct net_device, carrier_up_count) + sizeof(atomic_t),
	      "kbridge dev_core_stats_inc: the older drop counters would take room in this kernel's struct net_device");
#else
#include_next <linux/netdevice.h>
#endif
