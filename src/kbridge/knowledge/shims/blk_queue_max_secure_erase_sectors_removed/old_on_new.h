/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_max_secure_erase_sectors(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (max_secure_erase_sectors), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: same limit, same meaning (0: no secure erase).
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_max_secure_erase_sectors(struct request_queue *q, unsigned int val)
{
	KB_QUEUE_LIMITS_UPDATE(q, max_secure_erase_sectors, val);
}

#define blk_queue_max_secure_erase_sectors(q, val)	kb_blk_queue_max_secure_erase_sectors(q, val)
