/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_io_opt(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (io_opt), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: the old setter also sized the disk's readahead from it; the newer kernel does that when the limits are committed. The old setter could
 * not fail; a commit the newer kernel refuses leaves the queue unchanged and
 * warns.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_io_opt(struct request_queue *q, unsigned int val)
{
	KB_QUEUE_LIMITS_UPDATE(q, io_opt, val);
}

#define blk_queue_io_opt(q, val)	kb_blk_queue_io_opt(q, val)
