/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_max_segments(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (max_segments), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: same limit; the old setter raised 0 to 1, kept here.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_max_segments(struct request_queue *q, unsigned short val)
{
	if (!val)
		val = 1;	/* the old setter raised 0 to 1 */
	KB_QUEUE_LIMITS_UPDATE(q, max_segments, val);
}

#define blk_queue_max_segments(q, val)	kb_blk_queue_max_segments(q, val)
