/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_physical_block_size(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (physical_block_size), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: the old setter raised a physical size below the logical size to the logical size and io_min to at least the physical size; the newer kernel's validation at commit does the same.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_physical_block_size(struct request_queue *q, unsigned int val)
{
	KB_QUEUE_LIMITS_UPDATE(q, physical_block_size, val);
}

#define blk_queue_physical_block_size(q, val)	kb_blk_queue_physical_block_size(q, val)
