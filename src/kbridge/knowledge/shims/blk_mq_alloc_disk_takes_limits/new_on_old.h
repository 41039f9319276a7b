/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_mq_alloc_disk(set, lim, queuedata) -- the three-argument form -- on a
 * kernel whose blk_mq_alloc_disk(set, queuedata) gives the queue default
 * limits.
 *
 * Documented behaviour of the newer form: the disk's queue starts with the
 * limits *lim (NULL: defaults), validated; blk-mq queues always get
 * BLK_FEAT_IO_STAT and BLK_FEAT_NOWAIT added; invalid limits make the
 * allocation fail with ERR_PTR(-EINVAL).
 *
 * Here the disk is allocated by the kernel's own __blk_mq_alloc_disk() (with
 * a lockdep class per call site, as the kernel's macro does) and the limits
 * are then applied through the kernel's setters by kb_disk_apply_limits()
 * (rule queue_limits_features) before anyone can see the disk; on invalid
 * limits the disk is released with put_disk() and ERR_PTR(-EINVAL) returned.
 * With lim == NULL the queue keeps this kernel's defaults, except that it is
 * made non-rotational as the newer kernel's default (no BLK_FEAT_ROTATIONAL) says.
 */
#include <linux/blk-mq.h>
#include <linux/err.h>

#undef blk_mq_alloc_disk
#define blk_mq_alloc_disk(set, lim, queuedata)					\
({										\
	static struct lock_class_key __kb_key;					\
										\
	kb_disk_apply_limits(__blk_mq_alloc_disk(set, queuedata, &__kb_key), lim,	\
			     BLK_FEAT_IO_STAT | BLK_FEAT_NOWAIT);			\
})
