/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_max_write_zeroes_sectors(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update().
 *
 * The old setter was a plain store, callable anywhere: 6.1's sd calls it with 0 from its
 * softirq completion (sd_done -> sd_config_write_same -> blk_queue_max_write_zeroes_sectors(q,
 * 0) when the device refuses WRITE SAME). A limits update takes q->limits_lock, a mutex, so it
 * cannot be used there.
 *
 * - val == 0 (write-zeroes off): the same plain store, as the newer kernel's own
 *   blk_queue_disable_write_zeroes() does in that place (upstream 73e3715ed148 "block: add
 *   special APIs for run-time disabling of discard and friends"); like it, a limits update
 *   running at the same moment on another CPU may write back the limits it read before.
 * - any other value (probe time): the same limit (max_write_zeroes_sectors) committed on the
 *   same queue, so it takes effect at once as the old setter's did; same limit, same meaning.
 *   This takes the limits mutex: process context only. The old setter could not fail; a
 *   commit the newer kernel refuses leaves the queue unchanged and warns.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_max_write_zeroes_sectors(struct request_queue *q, unsigned int val)
{
	if (!val) {
		q->limits.max_write_zeroes_sectors = 0;
		return;
	}
	KB_QUEUE_LIMITS_UPDATE(q, max_write_zeroes_sectors, val);
}

#define blk_queue_max_write_zeroes_sectors(q, val)	kb_blk_queue_max_write_zeroes_sectors(q, val)
