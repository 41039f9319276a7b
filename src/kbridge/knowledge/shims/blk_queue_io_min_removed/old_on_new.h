/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_io_min(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (io_min), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: the old setter raised it to at least the logical and physical block size; the newer kernel's validation at commit does the same. The old setter could
 * not fail; a commit the newer kernel refuses leaves the queue unchanged and
 * warns.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_io_min(struct request_queue *q, unsigned int val)
{
	KB_QUEUE_LIMITS_UPDATE(q, io_min, val);
}

#define blk_queue_io_min(q, val)	kb_blk_queue_io_min(q, val)
