/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netif_napi_add(dev, napi, poll) and netif_napi_add_weight(dev, napi, poll,
 * weight) -- 6.1 (b48b89f9c189) -- on a kernel whose netif_napi_add() takes
 * the weight itself. Both are the kernel's own four-argument function; the
 * three-argument form passes NAPI_POLL_WEIGHT, as the newer inline does.
 */
#include <linux/netdevice.h>

static inline void kb_netif_napi_add_weight(struct net_device *dev, struct napi_struct *napi,
					    int (*poll)(struct napi_struct *, int), int weight)
{
	netif_napi_add(dev, napi, poll, weight);
}

static inline void kb_netif_napi_add(struct net_device *dev, struct napi_struct *napi,
				     int (*poll)(struct napi_struct *, int))
{
	netif_napi_add(dev, napi, poll, NAPI_POLL_WEIGHT);
}

#undef netif_napi_add_weight
#define netif_napi_add_weight kb_netif_napi_add_weight
#undef netif_napi_add
#define netif_napi_add kb_netif_napi_add
