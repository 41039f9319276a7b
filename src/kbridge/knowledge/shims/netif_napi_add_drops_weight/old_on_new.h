/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netif_napi_add(dev, napi, poll, weight) -- the form before 6.1 -- on a
 * kernel where it is netif_napi_add_weight() (the same function renamed,
 * 58caed3dacb4) and netif_napi_add() takes no weight.
 */
#include <linux/netdevice.h>

static inline void kb_netif_napi_add(struct net_device *dev, struct napi_struct *napi,
				     int (*poll)(struct napi_struct *, int), int weight)
{
	netif_napi_add_weight(dev, napi, poll, weight);
}

#undef netif_napi_add
#define netif_napi_add kb_netif_napi_add
