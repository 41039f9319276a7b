/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_mq_alloc_disk(set, queuedata) -- the two-argument form -- on a kernel
 * whose blk_mq_alloc_disk(set, lim, queuedata) takes the queue's limits.
 *
 * The old form gave the queue the old kernel's defaults, which the driver
 * then changed with setters. The newer kernel's defaults (lim == NULL) are
 * the same limits except one: an old blk-mq queue started rotational (its
 * default queue flags have no QUEUE_FLAG_NONROT) while a new one without
 * BLK_FEAT_ROTATIONAL is non-rotational. So the shim asks for
 * BLK_FEAT_ROTATIONAL and otherwise the defaults; a driver that marks its
 * disk non-rotational (QUEUE_FLAG_VIRT/NONROT, rule queue_flag_virt_removed)
 * then gets what it got on the old kernel.
 */
#include <linux/blk-mq.h>

#undef blk_mq_alloc_disk
#define blk_mq_alloc_disk(set, queuedata)					\
({										\
	static struct lock_class_key __kb_key;					\
	struct queue_limits __kb_lim = { .features = BLK_FEAT_ROTATIONAL };	\
										\
	__blk_mq_alloc_disk(set, &__kb_lim, queuedata, &__kb_key);		\
})
