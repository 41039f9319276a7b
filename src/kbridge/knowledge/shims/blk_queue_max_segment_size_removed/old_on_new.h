/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_max_segment_size(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (max_segment_size), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: same limit; the old setter raised a size below one page to one page, kept here.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_max_segment_size(struct request_queue *q, unsigned int val)
{
	if (val < PAGE_SIZE)
		val = PAGE_SIZE;	/* the old setter raised it to one page */
	KB_QUEUE_LIMITS_UPDATE(q, max_segment_size, val);
}

#define blk_queue_max_segment_size(q, val)	kb_blk_queue_max_segment_size(q, val)
