/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_alloc_disk(lim, node) -- the bio-based allocator with limits (6.9,
 * 74fa8f9c553f) -- on a kernel whose blk_alloc_disk(node) gives the queue
 * default limits and returns NULL on failure.
 *
 * Documented behaviour of the newer form: the disk's queue starts with the
 * limits *lim (NULL: defaults), validated in place; unlike blk-mq disks a
 * bio-based queue gets no feature the driver did not ask for (no
 * BLK_FEAT_IO_STAT: a bio-based driver accounts I/O itself if it wants to);
 * invalid limits or a failed allocation give an ERR_PTR, never NULL.
 *
 * Here the disk is allocated by the kernel's own __blk_alloc_disk() (with a
 * lockdep class per call site, as the kernel's macro does); NULL becomes
 * ERR_PTR(-ENOMEM), and the limits are applied through the kernel's setters
 * by kb_disk_apply_limits() (rule queue_limits_features, shared with
 * blk_mq_alloc_disk's shim) before anyone can see the disk, so e.g. a zeroed
 * struct makes the queue non-rotational as the newer default says.
 */
#include <linux/blkdev.h>
#include <linux/err.h>

static inline struct gendisk *kb_blk_alloc_disk_result(struct gendisk *disk)
{
	return disk ? disk : ERR_PTR(-ENOMEM);
}

#undef blk_alloc_disk
#define blk_alloc_disk(lim, node_id)						\
({										\
	static struct lock_class_key __kb_key;					\
										\
	kb_disk_apply_limits(kb_blk_alloc_disk_result(__blk_alloc_disk(node_id, &__kb_key)), \
			     lim, 0);						\
})
