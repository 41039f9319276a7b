/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_rxq_info_reg(rxq, dev, queue_index) -- before 5.11 -- on a kernel
 * whose call also records the queue's NAPI id: the old call recorded none,
 * which is napi_id 0.
 */
#include <net/xdp.h>

static inline int kb_xdp_rxq_info_reg(struct xdp_rxq_info *xdp_rxq, struct net_device *dev,
				      u32 queue_index)
{
	return xdp_rxq_info_reg(xdp_rxq, dev, queue_index, 0);
}

#undef xdp_rxq_info_reg
#define xdp_rxq_info_reg kb_xdp_rxq_info_reg
