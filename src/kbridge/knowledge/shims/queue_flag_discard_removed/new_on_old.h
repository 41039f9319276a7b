/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_max_discard_sectors() with the meaning of 5.19+ -- a queue takes
 * discards when max_discard_sectors is not 0 -- on a kernel where a queue
 * takes them only with QUEUE_FLAG_DISCARD set (blkdev_issue_discard returns
 * EOPNOTSUPP otherwise, whatever the limit says).
 *
 * This kernel's setter stores the same limits; then the flag follows the
 * value: set for n > 0, cleared for 0. Plain stores and an atomic bit
 * operation, callable from hard-IRQ context as the newer setter was (6.1's
 * xen-blkfront turns discard off with 0 from blkif_interrupt() under
 * spin_lock_irqsave when the back-end fails a discard).
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_max_discard_sectors(struct request_queue *q, unsigned int max_discard_sectors)
{
	blk_queue_max_discard_sectors(q, max_discard_sectors);
	if (max_discard_sectors)
		blk_queue_flag_set(QUEUE_FLAG_DISCARD, q);
	else
		blk_queue_flag_clear(QUEUE_FLAG_DISCARD, q);
}

#define blk_queue_max_discard_sectors(q, max_discard_sectors)	\
	kb_blk_queue_max_discard_sectors(q, max_discard_sectors)
