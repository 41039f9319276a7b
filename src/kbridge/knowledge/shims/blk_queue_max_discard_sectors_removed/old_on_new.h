/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_max_discard_sectors(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update().
 *
 * The old setter was two plain stores (max_hw_discard_sectors and max_discard_sectors),
 * callable anywhere: 6.1's xen-blkfront calls it with 0 from blkif_interrupt() under
 * spin_lock_irqsave when the back-end refuses a discard. A limits update takes
 * q->limits_lock, a mutex, so it cannot be used there.
 *
 * - val == 0 (discard off, the only value old drivers set from completion context): the
 *   same two plain stores, as the newer kernel's own blk_queue_disable_discard() does in
 *   that place (upstream 73e3715ed148 "block: add special APIs for run-time disabling of
 *   discard and friends"). Both fields become 0, which is what a commit would give; like
 *   the old setter (and blk_queue_disable_discard) it leaves discard_granularity alone, and
 *   like blk_queue_disable_discard a limits update running at the same moment on another
 *   CPU may write back the limits it read before.
 * - any other value (probe time): the same limit (max_hw_discard_sectors) committed on the
 *   same queue, so it takes effect at once as the old setter's did; the newer kernel derives
 *   max_discard_sectors from it and the user's discard_max_bytes. This takes the limits
 *   mutex: process context only, where drivers set a non-zero limit.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_max_discard_sectors(struct request_queue *q, unsigned int val)
{
	if (!val) {
		q->limits.max_hw_discard_sectors = 0;
		q->limits.max_discard_sectors = 0;
		return;
	}
	KB_QUEUE_LIMITS_UPDATE(q, max_hw_discard_sectors, val);
}

#define blk_queue_max_discard_sectors(q, val)	kb_blk_queue_max_discard_sectors(q, val)
