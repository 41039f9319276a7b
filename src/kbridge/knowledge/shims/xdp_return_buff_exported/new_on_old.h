/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_return_buff(xdp) on a kernel that declares it but does not export it
 * to modules (5.10). There it is __xdp_return(xdp->data, &xdp->rxq->mem,
 * true, xdp); the exported xdp_return_frame_rx_napi(f) is
 * __xdp_return(f->data, &f->mem, true, NULL), so an on-stack frame with the
 * buffer's data and its queue's memory model takes the same code. The
 * AF_XDP model alone needs the xdp_buff itself: __xdp_return calls
 * xsk_buff_free(xdp) there, which is xp_free() of the buffer's xdp_buff_xsk
 * (exported; nothing without CONFIG_XDP_SOCKETS), and so does the shim
 * (<net/xdp_sock_drv.h> itself cannot be read here: <linux/netdevice.h>
 * includes <net/xdp.h> before it defines struct net_device). No fragments:
 * that kernel has no multi-buffer XDP.
 */
#include <net/xdp.h>
#include <net/xsk_buff_pool.h>

static inline void kb_xdp_return_buff(struct xdp_buff *xdp)
{
	struct xdp_frame frame = {
		.data = xdp->data,
		.mem = xdp->rxq->mem,
	};

	if (xdp->rxq->mem.type == MEM_TYPE_XSK_BUFF_POOL) {
#ifdef CONFIG_XDP_SOCKETS
		xp_free(container_of(xdp, struct xdp_buff_xsk, xdp));
#endif
		return;
	}
	xdp_return_frame_rx_napi(&frame);
}

#undef xdp_return_buff
#define xdp_return_buff kb_xdp_return_buff
