/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_rq_map_sg(q, rq, sglist) -- the form with a queue argument -- on a
 * kernel whose blk_rq_map_sg(rq, sglist) maps with the request's own queue.
 *
 * The old kernel read only the limits of q (segment size, boundary, virt
 * boundary); every caller passes the request's own queue (req->q), whose
 * limits the newer form reads itself. So the shim calls the newer form and
 * returns its count. A q other than rq->q cannot be honoured (the newer
 * kernel has no way to map with another queue's limits): the shim warns
 * once and maps with rq->q's, instead of silently doing something else.
 */
#include <linux/blk-mq.h>
#include <linux/bug.h>

static inline int kb_blk_rq_map_sg(struct request_queue *q, struct request *rq,
				   struct scatterlist *sglist)
{
	WARN_ON_ONCE(q != rq->q);
	return blk_rq_map_sg(rq, sglist);
}

#define blk_rq_map_sg(q, rq, sglist)	kb_blk_rq_map_sg(q, rq, sglist)
