/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_max_discard_sectors(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (max_hw_discard_sectors), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: the old setter set both the hardware and the current discard limit; the newer kernel derives the current one (max_discard_sectors) from max_hw_discard_sectors at commit, so setting the hardware limit has the same effect (0 disables discard).
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_max_discard_sectors(struct request_queue *q, unsigned int val)
{
	KB_QUEUE_LIMITS_UPDATE(q, max_hw_discard_sectors, val);
}

#define blk_queue_max_discard_sectors(q, val)	kb_blk_queue_max_discard_sectors(q, val)
