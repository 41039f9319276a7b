/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_disable_secure_erase() on a kernel without it. Documented
 * behaviour: after the device failed a secure erase it had advertised, set
 * the queue's max_secure_erase_sectors to 0 so that no more are sent. This
 * kernel has the same field with the same meaning
 * (bdev_max_secure_erase_sectors() is 0: not supported).
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_disable_secure_erase(struct request_queue *q)
{
#ifdef KB_HAVE_QUEUE_FLAG_SECERASE_REMOVED
	q->limits.max_secure_erase_sectors = 0;
#else
	/* before 5.19 secure erase is QUEUE_FLAG_SECERASE (rule queue_flag_secerase_removed) */
	blk_queue_flag_clear(QUEUE_FLAG_SECERASE, q);
#endif
}

#define blk_queue_disable_secure_erase(q)	kb_blk_queue_disable_secure_erase(q)
