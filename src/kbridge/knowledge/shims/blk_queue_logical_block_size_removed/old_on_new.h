/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_logical_block_size(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (logical_block_size), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: the old setter also raised physical_block_size and io_min to at least the new size and rounded max_hw_sectors down to a multiple of it; the newer kernel's validation at commit does the same.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_logical_block_size(struct request_queue *q, unsigned int val)
{
	KB_QUEUE_LIMITS_UPDATE(q, logical_block_size, val);
}

#define blk_queue_logical_block_size(q, val)	kb_blk_queue_logical_block_size(q, val)
