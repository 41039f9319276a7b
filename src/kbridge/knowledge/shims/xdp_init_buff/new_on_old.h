/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_init_buff() on a kernel without it (before 5.12): the frame size and
 * the receive queue are stored, as 5.12 first defined it. The newer kernels
 * also clear xdp_buff.flags; this kernel's struct xdp_buff has no flags (no
 * multi-buffer XDP: every buffer is linear, which flags == 0 means), so there
 * is nothing more to clear. Every other member is left as it was.
 */
#include <net/xdp.h>

static __always_inline void
kb_xdp_init_buff(struct xdp_buff *xdp, u32 frame_sz, struct xdp_rxq_info *rxq)
{
	xdp->frame_sz = frame_sz;
	xdp->rxq = rxq;
}

#undef xdp_init_buff
#define xdp_init_buff kb_xdp_init_buff
