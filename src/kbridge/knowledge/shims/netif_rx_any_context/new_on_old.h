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
