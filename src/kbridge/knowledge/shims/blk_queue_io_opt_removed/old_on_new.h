/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_io_opt(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (io_opt), committed on the same queue, so it takes effect at once as the
 * old setter's did. The old setter could not fail; a commit the newer kernel
 * refuses leaves the queue unchanged and warns.
 *
 * Readahead: the old setter then set the disk's readahead to
 * max(2 * io_opt / PAGE_SIZE, VM_READAHEAD_PAGES) pages, whatever it was
 * before: it could lower it (io_opt back to 0 gives 128 KiB again) and it
 * overrode a user's read_ahead_kb. The newer kernel's commit only grows it
 * (blk_apply_bdi_limits: "don't ever decrease it"), so after the commit the
 * shim stores the old setter's value, a plain store into the disk's bdi as
 * the old setter's (and the newer kernel's own read_ahead_kb store) is.
 * A queue without a disk has no readahead: left alone, as the old setter did.
 * Not bridged: a later limits commit of the newer kernel's own (a user's
 * max_sectors_kb write, say) may grow readahead to 2 * io_opt again, which
 * the older kernel's sysfs writes never did.
 */
#include <linux/blkdev.h>
#include <linux/backing-dev-defs.h>
#include <linux/pagemap.h>

static inline void kb_blk_queue_io_opt(struct request_queue *q, unsigned int val)
{
	KB_QUEUE_LIMITS_UPDATE(q, io_opt, val);
	if (q->disk)
		q->disk->bdi->ra_pages = max_t(unsigned long, queue_io_opt(q) * 2 / PAGE_SIZE,
					       VM_READAHEAD_PAGES);
}

#define blk_queue_io_opt(q, val)	kb_blk_queue_io_opt(q, val)
