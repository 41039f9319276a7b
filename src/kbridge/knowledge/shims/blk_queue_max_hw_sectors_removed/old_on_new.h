/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_max_hw_sectors(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (max_hw_sectors), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: the old setter raised a value below one page to one page and derived max_sectors from it (capped by the kernel's default); the commit derives max_sectors the same way, with the newer kernel's cap.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_max_hw_sectors(struct request_queue *q, unsigned int val)
{
	if ((val << SECTOR_SHIFT) < PAGE_SIZE)
		val = PAGE_SIZE >> SECTOR_SHIFT;	/* the old setter raised it to one page */
	KB_QUEUE_LIMITS_UPDATE(q, max_hw_sectors, val);
}

#define blk_queue_max_hw_sectors(q, val)	kb_blk_queue_max_hw_sectors(q, val)
