/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_disable_discard() on a kernel without it. Documented behaviour:
 * called from completion context when the device failed a discard it had
 * advertised, it stops further discards by setting the queue's current
 * max_discard_sectors to 0 -- the hardware limit is left alone. This kernel
 * has the same field and reads it the same way (bdev_max_discard_sectors()
 * is 0: no discard), so the shim sets the same field to the same value.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_disable_discard(struct request_queue *q)
{
	q->limits.max_discard_sectors = 0;
#ifndef KB_HAVE_QUEUE_FLAG_DISCARD_REMOVED
	/* before 5.19 the queue takes discards while QUEUE_FLAG_DISCARD is set (rule queue_flag_discard_removed) */
	blk_queue_flag_clear(QUEUE_FLAG_DISCARD, q);
#endif
}

#define blk_queue_disable_discard(q)	kb_blk_queue_disable_discard(q)
