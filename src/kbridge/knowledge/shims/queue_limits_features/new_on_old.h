/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct queue_limits of Linux >= 6.11 (with .features/.flags) on a kernel
 * whose queue limits are set one by one through blk_queue_*() setters and
 * whose features are request_queue flags (QUEUE_FLAG_*).
 *
 * After the kernel's <linux/blkdev.h> has used its own struct queue_limits,
 * the name the driver writes refers to struct kb_queue_limits, the newer
 * shape. kb_queue_limits_apply() gives a queue the limits of such a struct
 * through the kernel's own setters, with the defaults and the validation the
 * newer kernel documents for blk_validate_limits(): a zero field means "the
 * default", and impossible limits are refused with -EINVAL. The API boundary
 * shims (blk_mq_alloc_disk with limits, queue_limits_commit_update) call it.
 *
 * Features with a queue flag on this kernel are mapped (see KB_BLK_FEATURES);
 * features and fields with no meaning here (zoned, atomic writes, polling
 * managed by the driver, integrity) are not declared, so a driver using them
 * fails to build instead of silently losing them.
 *
 * Upstream release and commit: rule queue_limits_features (knowledge/rules).
 */
#include <linux/blkdev.h>
#include <linux/log2.h>

/*
 * Kernels 6.9 and 6.10 have the limits-taking blk_mq_alloc_disk and the
 * atomic update API but not .features; this shim's struct would then meet
 * the kernel's own functions. There is no shim for that combination yet:
 * say so instead of failing somewhere in the driver.
 */
#if defined(KB_HAVE_BLK_MQ_ALLOC_DISK_TAKES_LIMITS) || defined(KB_HAVE_QUEUE_LIMITS_UPDATE_API)
#error "kbridge: this kernel has the queue_limits update API without queue_limits.features (Linux 6.9/6.10); the layer cannot bridge that combination yet"
#endif

typedef unsigned int __bitwise blk_features_t;

#define BLK_FEAT_WRITE_CACHE	((__force blk_features_t)(1u << 0))
#define BLK_FEAT_FUA		((__force blk_features_t)(1u << 1))
#define BLK_FEAT_ROTATIONAL	((__force blk_features_t)(1u << 2))
#define BLK_FEAT_ADD_RANDOM	((__force blk_features_t)(1u << 3))
#define BLK_FEAT_IO_STAT	((__force blk_features_t)(1u << 4))
#define BLK_FEAT_STABLE_WRITES	((__force blk_features_t)(1u << 5))
#define BLK_FEAT_NOWAIT		((__force blk_features_t)(1u << 7))
#define BLK_FEAT_DAX		((__force blk_features_t)(1u << 8))
#define BLK_FEAT_PCI_P2PDMA	((__force blk_features_t)(1u << 12))

/* feature -> queue flag of this kernel (write cache and FUA go through blk_queue_write_cache) */
#define KB_BLK_FEATURES(X) \
	X(BLK_FEAT_ADD_RANDOM, QUEUE_FLAG_ADD_RANDOM) \
	X(BLK_FEAT_IO_STAT, QUEUE_FLAG_IO_STAT) \
	X(BLK_FEAT_STABLE_WRITES, QUEUE_FLAG_STABLE_WRITES) \
	X(BLK_FEAT_NOWAIT, QUEUE_FLAG_NOWAIT) \
	X(BLK_FEAT_DAX, QUEUE_FLAG_DAX) \
	X(BLK_FEAT_PCI_P2PDMA, QUEUE_FLAG_PCI_P2PDMA)

struct kb_queue_limits {
	blk_features_t		features;
	unsigned long		seg_boundary_mask;
	unsigned long		virt_boundary_mask;
	unsigned int		max_hw_sectors;
	unsigned int		max_dev_sectors;
	unsigned int		chunk_sectors;
	unsigned int		max_sectors;	/* read-only: computed by the kernel */
	unsigned int		max_segment_size;
	unsigned int		physical_block_size;
	unsigned int		logical_block_size;
	unsigned int		alignment_offset;
	unsigned int		io_min;
	unsigned int		io_opt;
	unsigned int		max_discard_sectors;	/* read-only: computed by the kernel */
	unsigned int		max_hw_discard_sectors;
	unsigned int		max_secure_erase_sectors;
	unsigned int		max_write_zeroes_sectors;
	unsigned int		discard_granularity;
	unsigned int		discard_alignment;
	unsigned short		max_segments;
	unsigned short		max_discard_segments;
	unsigned int		dma_alignment;
};

/* The limits a queue has now, in the newer shape (what queue_limits_start_update returns). */
static inline struct kb_queue_limits kb_queue_limits_read(struct request_queue *q)
{
	const struct queue_limits *l = &q->limits;
	struct kb_queue_limits lim = {
		.seg_boundary_mask = l->seg_boundary_mask,
		.virt_boundary_mask = l->virt_boundary_mask,
		.max_hw_sectors = l->max_hw_sectors,
		.max_dev_sectors = l->max_dev_sectors,
		.chunk_sectors = l->chunk_sectors,
		.max_sectors = l->max_sectors,
		.max_segment_size = l->max_segment_size,
		.physical_block_size = l->physical_block_size,
		.logical_block_size = l->logical_block_size,
		.alignment_offset = l->alignment_offset,
		.io_min = l->io_min,
		.io_opt = l->io_opt,
		.max_discard_sectors = l->max_discard_sectors,
		.max_hw_discard_sectors = l->max_hw_discard_sectors,
		.max_secure_erase_sectors = l->max_secure_erase_sectors,
		.max_write_zeroes_sectors = l->max_write_zeroes_sectors,
		.discard_granularity = l->discard_granularity,
		.discard_alignment = l->discard_alignment,
		.max_segments = l->max_segments,
		.max_discard_segments = l->max_discard_segments,
		.dma_alignment = l->dma_alignment,
	};

	if (test_bit(QUEUE_FLAG_WC, &q->queue_flags))
		lim.features |= BLK_FEAT_WRITE_CACHE;
	if (test_bit(QUEUE_FLAG_FUA, &q->queue_flags))
		lim.features |= BLK_FEAT_FUA;
	if (!test_bit(QUEUE_FLAG_NONROT, &q->queue_flags))
		lim.features |= BLK_FEAT_ROTATIONAL;
#define KB_READ_FEATURE(feat, flag) \
	if (test_bit(flag, &q->queue_flags)) \
		lim.features |= feat;
	KB_BLK_FEATURES(KB_READ_FEATURE)
#undef KB_READ_FEATURE
	return lim;
}

/*
 * Defaults and validation of the newer kernel (blk_validate_limits()): 0 means
 * the default; returns -EINVAL for limits the newer kernel refuses.
 */
static inline int kb_queue_limits_validate(struct kb_queue_limits *lim)
{
	if (!lim->logical_block_size)
		lim->logical_block_size = SECTOR_SIZE;
	else if (blk_validate_block_size(lim->logical_block_size))
		return -EINVAL;
	if (lim->physical_block_size < lim->logical_block_size)
		lim->physical_block_size = lim->logical_block_size;
	else if (!is_power_of_2(lim->physical_block_size))
		return -EINVAL;
	if (!lim->max_hw_sectors)
		lim->max_hw_sectors = BLK_SAFE_MAX_SECTORS;
	if (WARN_ON_ONCE(lim->max_hw_sectors < PAGE_SECTORS))
		return -EINVAL;
	if (WARN_ON_ONCE((lim->logical_block_size >> SECTOR_SHIFT) > lim->max_hw_sectors))
		return -EINVAL;
	if (!lim->max_segments)
		lim->max_segments = BLK_MAX_SEGMENTS;
	if (!lim->max_discard_segments)
		lim->max_discard_segments = 1;
	if (!lim->seg_boundary_mask)
		lim->seg_boundary_mask = BLK_SEG_BOUNDARY_MASK;
	if (WARN_ON_ONCE(lim->seg_boundary_mask < PAGE_SIZE - 1))
		return -EINVAL;
	if (lim->virt_boundary_mask) {
		if (!lim->max_segment_size)
			lim->max_segment_size = UINT_MAX;
	} else {
		if (!lim->max_segment_size)
			lim->max_segment_size = BLK_MAX_SEGMENT_SIZE;
		if (WARN_ON_ONCE(lim->max_segment_size < PAGE_SIZE))
			return -EINVAL;
	}
	if (!lim->dma_alignment)
		lim->dma_alignment = SECTOR_SIZE - 1;
	if (WARN_ON_ONCE(lim->dma_alignment > PAGE_SIZE))
		return -EINVAL;
	return 0;
}

static inline void kb_queue_flag_assign(struct request_queue *q, unsigned int flag, bool on)
{
	if (on)
		blk_queue_flag_set(flag, q);
	else
		blk_queue_flag_clear(flag, q);
}

/* Give queue *q* the limits *lim* through this kernel's own setters. */
static inline int kb_queue_limits_apply(struct request_queue *q, struct kb_queue_limits *lim)
{
	int err = kb_queue_limits_validate(lim);

	if (err)
		return err;
	blk_queue_logical_block_size(q, lim->logical_block_size);
	blk_queue_physical_block_size(q, lim->physical_block_size);
	if (lim->io_min)
		blk_queue_io_min(q, lim->io_min);
	if (lim->io_opt)
		blk_queue_io_opt(q, lim->io_opt);
	if (lim->alignment_offset)
		blk_queue_alignment_offset(q, lim->alignment_offset);
	blk_queue_max_hw_sectors(q, lim->max_hw_sectors);
	if (lim->max_dev_sectors)
		q->limits.max_dev_sectors = lim->max_dev_sectors;
	blk_queue_chunk_sectors(q, lim->chunk_sectors);
	blk_queue_max_segments(q, lim->max_segments);
	blk_queue_segment_boundary(q, lim->seg_boundary_mask);
	/*
	 * With a virt boundary, validation kept the driver's max_segment_size
	 * (UINT_MAX when unset) as the newer kernel does; this kernel's
	 * blk_queue_max_segment_size() warns on a queue with a virt boundary
	 * (its blk_queue_virt_boundary() sets UINT_MAX itself), so the
	 * validated value is stored directly. A 0 mask clears an old one.
	 */
	blk_queue_virt_boundary(q, lim->virt_boundary_mask);
	if (lim->virt_boundary_mask)
		q->limits.max_segment_size = lim->max_segment_size;
	else
		blk_queue_max_segment_size(q, lim->max_segment_size);
	blk_queue_dma_alignment(q, lim->dma_alignment);
	blk_queue_max_discard_sectors(q, lim->max_hw_discard_sectors);
	blk_queue_max_discard_segments(q, lim->max_discard_segments);
	q->limits.discard_granularity = lim->discard_granularity;
	q->limits.discard_alignment = lim->discard_alignment;
	blk_queue_max_secure_erase_sectors(q, lim->max_secure_erase_sectors);
	blk_queue_max_write_zeroes_sectors(q, lim->max_write_zeroes_sectors);

	blk_queue_write_cache(q, lim->features & BLK_FEAT_WRITE_CACHE,
			      lim->features & BLK_FEAT_FUA);
	kb_queue_flag_assign(q, QUEUE_FLAG_NONROT, !(lim->features & BLK_FEAT_ROTATIONAL));
#define KB_APPLY_FEATURE(feat, flag) \
	kb_queue_flag_assign(q, flag, lim->features & feat);
	KB_BLK_FEATURES(KB_APPLY_FEATURE)
#undef KB_APPLY_FEATURE
	/* what the kernel computed, as the newer kernel reports it back in *lim */
	lim->max_sectors = q->limits.max_sectors;
	lim->max_discard_sectors = q->limits.max_discard_sectors;
	return 0;
}

/* From here on the driver's struct queue_limits is the newer shape. */
#define queue_limits kb_queue_limits
