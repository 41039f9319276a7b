/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_dma_alignment(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (dma_alignment), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: same limit (the old setter stored the mask as it is).
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_dma_alignment(struct request_queue *q, int val)
{
	KB_QUEUE_LIMITS_UPDATE(q, dma_alignment, val);
}

#define blk_queue_dma_alignment(q, val)	kb_blk_queue_dma_alignment(q, val)
