/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_alloc_disk(node) -- the one-argument form -- on a kernel whose
 * blk_alloc_disk(lim, node) takes the queue's limits.
 *
 * What the old form did: allocate a bio-based disk whose queue has the old
 * kernel's default limits, returning NULL on failure (the driver checks for
 * NULL). The newer kernel returns an ERR_PTR instead, and its defaults
 * (lim == NULL) are the same limits except that a queue without
 * BLK_FEAT_ROTATIONAL is non-rotational while an old queue started
 * rotational (no QUEUE_FLAG_NONROT). So the shim asks for
 * BLK_FEAT_ROTATIONAL and otherwise the defaults, as the blk_mq_alloc_disk
 * shim (rule blk_mq_alloc_disk_takes_limits) does, and turns an error
 * pointer into the NULL the old callers test for.
 */
#include <linux/blkdev.h>
#include <linux/err.h>

static inline struct gendisk *kb_blk_alloc_disk_old(struct gendisk *disk)
{
	return IS_ERR(disk) ? NULL : disk;
}

#undef blk_alloc_disk
#define blk_alloc_disk(node_id)							\
({										\
	static struct lock_class_key __kb_key;					\
	struct queue_limits __kb_lim = { .features = BLK_FEAT_ROTATIONAL };	\
										\
	kb_blk_alloc_disk_old(__blk_alloc_disk(&__kb_lim, node_id, &__kb_key)); \
})
