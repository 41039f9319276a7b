/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_dma_alignment(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (dma_alignment), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: same limit (the old setter stored the mask as it is).
 */
#include <linux/blkdev.h>

#ifndef KB_QUEUE_LIMITS_UPDATE
/*
 * Change one limit of a live queue the way the newer kernel wants it done:
 * start an update (limits lock held, current limits copied), change the
 * copy, commit (validated, applied). The old setters could not fail; a
 * commit the newer kernel refuses leaves the queue unchanged and warns.
 */
#define KB_QUEUE_LIMITS_UPDATE(q, field, val)					\
do {										\
	struct queue_limits __kb_lim = queue_limits_start_update(q);		\
										\
	__kb_lim.field = (val);							\
	WARN_ON_ONCE(queue_limits_commit_update(q, &__kb_lim));			\
} while (0)
#endif

static inline void kb_blk_queue_dma_alignment(struct request_queue *q, int val)
{
	KB_QUEUE_LIMITS_UPDATE(q, dma_alignment, val);
}

#define blk_queue_dma_alignment(q, val)	kb_blk_queue_dma_alignment(q, val)
