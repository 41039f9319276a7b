/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dev_core_stats_{rx_dropped,tx_dropped,rx_nohandler}_inc(dev) (625788b58445 "net: add
 * per-cpu storage and net->core_stats", 5.18) on a kernel that keeps those counters as
 * atomic_long_t members of struct net_device, which its dev_get_stats() adds to the
 * device's statistics as the newer kernel adds its per-CPU sums: an atomic increment of
 * the member, safe from any context (process, softirq, hard irq) as the newer helper is.
 */
#include <linux/atomic.h>
#include <linux/netdevice.h>

static inline void kb_dev_core_stats_rx_dropped_inc(struct net_device *dev)
{
	atomic_long_inc(&dev->rx_dropped);
}

static inline void kb_dev_core_stats_tx_dropped_inc(struct net_device *dev)
{
	atomic_long_inc(&dev->tx_dropped);
}

static inline void kb_dev_core_stats_rx_nohandler_inc(struct net_device *dev)
{
	atomic_long_inc(&dev->rx_nohandler);
}

#define dev_core_stats_rx_dropped_inc(dev)	kb_dev_core_stats_rx_dropped_inc(dev)
#define dev_core_stats_tx_dropped_inc(dev)	kb_dev_core_stats_tx_dropped_inc(dev)
#define dev_core_stats_rx_nohandler_inc(dev)	kb_dev_core_stats_rx_nohandler_inc(dev)
