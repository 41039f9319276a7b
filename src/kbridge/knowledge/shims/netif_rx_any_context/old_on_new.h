/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netif_rx_ni() on a kernel since 5.18 (2655926aea9b "net: Remove
 * netif_rx_any_context() and netif_rx_ni()."). The older netif_rx_ni() was the
 * process-context entry: netif_rx_internal() with preemption disabled, then the
 * pending softirqs run (do_softirq). The newer netif_rx() does the same from any
 * context: in process context it disables bottom halves around __netif_rx(), and
 * enabling them again runs the pending NET_RX softirq -- so the older driver's call
 * becomes netif_rx(), same return values, the skb consumed either way.
 */
#include <linux/netdevice.h>

static inline int netif_rx_ni(struct sk_buff *skb)
{
	return netif_rx(skb);
}

/*
 * netif_rx_any_context() (5.10 .. 5.17; removed by the same 2655926aea9b): the older
 * kernel's any-context entry -- netif_rx() in interrupt context, netif_rx_ni()
 * otherwise -- is what the newer netif_rx() does by itself (bottom halves disabled
 * around the receive where none are off, the NET_RX softirq run on enabling them).
 */
static inline int netif_rx_any_context(struct sk_buff *skb)
{
	return netif_rx(skb);
}
