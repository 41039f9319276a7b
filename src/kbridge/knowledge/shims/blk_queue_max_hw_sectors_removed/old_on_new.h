/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_max_hw_sectors(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (max_hw_sectors), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: the old setter raised a value below one page to one page and derived max_sectors from it (capped by the kernel's default); the commit derives max_sectors the same way, with the newer kernel's cap.
 */
#include <linux/blkdev.h>

#ifndef KB_QUEUE_LIMITS_UPDATE
/*
 * Change one limit of a live queue the way the newer kernel wants it done:
 * start an update (limits lock held, current limits copied), change the
 * copy, commit (validated, applied). The old setters could not fail; a
 * commit the newer kernel refuses leaves the queue unchanged and warns.
 */
#define KB_QUEUE_LIMITS_UPDATE(q, field, val)					\
do {										\
	struct queue_limits __kb_lim = queue_limits_start_update(q);		\
										\
	__kb_lim.field = (val);							\
	WARN_ON_ONCE(queue_limits_commit_update(q, &__kb_lim));			\
} while (0)
#endif

static inline void kb_blk_queue_max_hw_sectors(struct request_queue *q, unsigned int val)
{
	if ((val << SECTOR_SHIFT) < PAGE_SIZE)
		val = PAGE_SIZE >> SECTOR_SHIFT;	/* the old setter raised it to one page */
	KB_QUEUE_LIMITS_UPDATE(q, max_hw_sectors, val);
}

#define blk_queue_max_hw_sectors(q, val)	kb_blk_queue_max_hw_sectors(q, val)
