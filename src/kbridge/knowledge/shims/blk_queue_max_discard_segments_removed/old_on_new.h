/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_max_discard_segments(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (max_discard_segments), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: same limit, same meaning. The old setter could
 * not fail; a commit the newer kernel refuses leaves the queue unchanged and
 * warns.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_max_discard_segments(struct request_queue *q, unsigned short val)
{
	KB_QUEUE_LIMITS_UPDATE(q, max_discard_segments, val);
}

#define blk_queue_max_discard_segments(q, val)	kb_blk_queue_max_discard_segments(q, val)
