/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_rq_map_sg(rq, sglist) -- the form without a queue argument -- on a
 * kernel whose blk_rq_map_sg(q, rq, sglist) takes the queue whose limits
 * (segment size, boundary, virt boundary) shape the list.
 *
 * The newer form uses the request's own queue, rq->q; the request's queue is
 * what every caller of the old form passed. So the shim calls this kernel's
 * function with rq->q: same segments, same list, same count.
 */
#include <linux/blk-mq.h>

static inline int kb_blk_rq_map_sg(struct request *rq, struct scatterlist *sglist)
{
	return blk_rq_map_sg(rq->q, rq, sglist);
}

#define blk_rq_map_sg(rq, sglist)	kb_blk_rq_map_sg(rq, sglist)
