/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_segment_boundary(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (seg_boundary_mask), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: same limit; the old setter raised a mask below one page to PAGE_SIZE - 1, kept here.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_segment_boundary(struct request_queue *q, unsigned long val)
{
	if (val < PAGE_SIZE - 1)
		val = PAGE_SIZE - 1;	/* the old setter raised it to one page */
	KB_QUEUE_LIMITS_UPDATE(q, seg_boundary_mask, val);
}

#define blk_queue_segment_boundary(q, val)	kb_blk_queue_segment_boundary(q, val)
