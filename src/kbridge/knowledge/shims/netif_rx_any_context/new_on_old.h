/* SPDX-License-Identifier: GPL-2.0 */
/*
 * __netif_rx() on a kernel before 5.18. Since baebdf48c360 ("net: dev: Makes sure
 * netif_rx() can be invoked in any context.") __netif_rx() is the receive entry for
 * a caller that already runs with bottom halves disabled or in interrupt context
 * (the newer kernel asserts that): netif_rx_internal() and the netif_rx trace
 * points, nothing else -- which is what the older kernel's netif_rx() is, whose
 * contract is exactly that calling context. Same return values (NET_RX_SUCCESS,
 * NET_RX_DROP), the skb consumed either way.
 */
#include <linux/netdevice.h>

static inline int __netif_rx(struct sk_buff *skb)
{
	return netif_rx(skb);
}

/*
 * netif_rx() itself: since baebdf48c360 it may be called from any context. Where
 * bottom halves are not already off and no interrupt is being handled
 * (!(hardirq_count() | softirq_count()), which is the older in_interrupt()), the newer
 * netif_rx() disables bottom halves around netif_rx_internal() and the
 * local_bh_enable() runs the NET_RX softirq it raised, so the frame is processed
 * before netif_rx() returns. The older netif_rx() there only raised the softirq, which
 * waited for the next interrupt (the frame delayed, "NOHZ: local_softirq_pending");
 * its netif_rx_ni() ran do_softirq(), which leaves the work to ksoftirqd when that
 * thread is already running (a frame still pending on return: measured in a 5.10
 * guest). So the shim does what the newer kernel does, with the older kernel's
 * netif_rx() as netif_rx_internal() plus its trace points: the same calls, the same
 * return values, the skb consumed either way.
 */
static inline int kb_netif_rx(struct sk_buff *skb)
{
	int ret;

	if (in_interrupt())
		return netif_rx(skb);
	local_bh_disable();
	ret = netif_rx(skb);
	local_bh_enable();
	return ret;
}
#define netif_rx(skb)	kb_netif_rx(skb)
