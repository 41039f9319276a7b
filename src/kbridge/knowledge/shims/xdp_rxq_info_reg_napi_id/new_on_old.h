/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_rxq_info_reg(rxq, dev, queue_index, napi_id) -- 5.11 (b02e5a0ebb17) --
 * on a kernel whose struct xdp_rxq_info has no napi_id: nothing there reads
 * one, so the queue is registered by the kernel's three-argument function
 * and its result returned.
 */
#include <net/xdp.h>

static inline int kb_xdp_rxq_info_reg(struct xdp_rxq_info *xdp_rxq, struct net_device *dev,
				      u32 queue_index, unsigned int napi_id)
{
	return xdp_rxq_info_reg(xdp_rxq, dev, queue_index);
}

#undef xdp_rxq_info_reg
#define xdp_rxq_info_reg kb_xdp_rxq_info_reg
