/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_max_secure_erase_sectors() (5.19..6.10) on a kernel where a queue
 * takes secure erases when QUEUE_FLAG_SECERASE is set, each split by the
 * discard limits (blkdev_issue_discard(..., BLKDEV_DISCARD_SECURE)).
 *
 * n > 0 sets the flag, 0 clears it: atomic bit operations, callable from
 * hard-IRQ context as the newer setter's plain store was (6.1's xen-blkfront
 * turns secure erase off from blkif_interrupt() under spin_lock_irqsave).
 *
 * Not bridged: a secure-erase limit of its own. This kernel splits secure
 * erases by max_discard_sectors, so a driver whose secure-erase limit is
 * below its discard limit could be sent larger secure erases than it asked
 * for (xen-blkfront sets both to the disk's capacity).
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_max_secure_erase_sectors(struct request_queue *q, unsigned int max_sectors)
{
	if (max_sectors)
		blk_queue_flag_set(QUEUE_FLAG_SECERASE, q);
	else
		blk_queue_flag_clear(QUEUE_FLAG_SECERASE, q);
}

#define blk_queue_max_secure_erase_sectors(q, max_sectors)	kb_blk_queue_max_secure_erase_sectors(q, max_sectors)
