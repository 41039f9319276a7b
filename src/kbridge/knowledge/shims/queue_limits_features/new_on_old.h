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
 * features and fields with no meaning here (atomic writes, polling managed by
 * the driver, integrity) are not declared, so a driver using them fails to
 * build instead of silently losing them.
 *
 * Zoned disks (BLK_FEAT_ZONED with chunk_sectors = the zone size,
 * max_zone_append_sectors, zone_write_granularity, max_open_zones,
 * max_active_zones) are validated as blk_validate_zoned_limits() documents
 * and applied through this kernel's zoned setters, the way a zoned driver of
 * this kernel sets them up (6.1's null_register_zoned_dev() calls the same
 * setters): disk_set_zoned(disk, BLK_ZONED_HM) (which also sets the
 * write granularity to the logical block size), the write granularity,
 * blk_queue_max_zone_append_sectors() (min of max_hw_sectors, the request and
 * chunk_sectors, as the newer kernel computes it), disk_set_max_open_zones()/
 * disk_set_max_active_zones(), and two things the newer block layer does by
 * itself for every zoned disk: it orders writes per zone (zone write
 * plugging, Linux 6.10), here done by the elevator's zone write locking, so
 * ELEVATOR_F_ZBD_SEQ_WRITE is required (this kernel then picks mq-deadline);
 * and it always sends REQ_OP_ZONE_RESET_ALL for a whole-disk reset, which
 * here the driver must announce with QUEUE_FLAG_ZONE_RESETALL.
 * Zone append emulation (a zoned disk with max_zone_append_sectors == 0:
 * the newer block layer turns zone appends into writes) does not exist on
 * this kernel; such limits are refused with -EOPNOTSUPP and a message rather
 * than giving the disk a zone append it does not have.
 *
 * What the newer kernel keeps across updates, kept here too (6.12's
 * block/blk-settings.c blk_validate_limits(), block/blk-sysfs.c):
 * - max_sectors is derived at every commit from max_hw_sectors, max_dev_sectors
 *   (min_not_zero), the user's max_sectors_kb (max_user_sectors), else io_opt/
 *   io_min above BLK_DEF_MAX_SECTORS_CAP, else that cap; max_discard_sectors is
 *   min(max_hw_discard_sectors, max_user_discard_sectors). This kernel stores
 *   a user's sysfs write straight into max_sectors / max_discard_sectors, so
 *   kb_queue_limits_read() recovers the user's value as the one that differs
 *   from what the limits alone give (a user value equal to the derived one is
 *   indistinguishable from none: it is then re-derived when the hardware
 *   limits change, where the newer kernel would keep it; and a discard
 *   turned off with blk_queue_disable_discard() -- max_discard_sectors 0,
 *   the same store there and here -- reads as the user's 0 and stays off
 *   across later updates, where the newer kernel's next commit turns it
 *   back on from the hardware limit).
 * - BLK_FEAT_WRITE_CACHE is the device's cache (QUEUE_FLAG_HW_WC here), the
 *   user's "write through" a separate choice (BLK_FLAG_WRITE_CACHE_DISABLED
 *   there, QUEUE_FLAG_WC cleared with QUEUE_FLAG_HW_WC kept here): an update
 *   keeps the user's choice, and "write back" stays possible (upstream
 *   1122c0c1cc71 "block: move cache control settings out of queue->flags").
 *   Limit: while the driver withdraws the cache there is no place here to
 *   remember an earlier "write through"; re-announced, the cache is on.
 * - io_opt, alignment_offset and max_dev_sectors are stored as given, 0
 *   included; readahead only grows with io_opt (blk_apply_bdi_limits());
 *   physical_block_size need not be a power of two.
 *
 * On 5.10 (before 5.15 the queue has no ->disk and keeps the bdi itself:
 * rule request_queue_disk; before 5.19 secure erase is QUEUE_FLAG_SECERASE
 * on top of the discard limits and discard needs QUEUE_FLAG_DISCARD: rules
 * queue_flag_secerase_removed and queue_flag_discard_removed, whose setters
 * this shim calls): the readahead goes to q->backing_dev_info; the secure
 * erase limit reads back as the discard limit when the flag is set (this
 * kernel splits secure erases by it), else 0; dma_alignment is read with
 * queue_dma_alignment() (a queue field there, a limit from 6.0); and a zoned
 * disk is refused with -EOPNOTSUPP and a message: this kernel has no zone
 * write granularity (5.12) and keeps zoned state the setters reach only
 * through the disk, which a queue update cannot find.
 *
 * Upstream release and commit: rule queue_limits_features (knowledge/rules).
 */
#include <linux/backing-dev-defs.h>
#include <linux/blkdev.h>
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/pagemap.h>
#include <linux/printk.h>

#ifndef PAGE_SECTORS
#define PAGE_SECTORS		(PAGE_SIZE >> SECTOR_SHIFT)
#endif

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
#define BLK_FEAT_ZONED		((__force blk_features_t)(1u << 10))
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
	unsigned int		max_user_sectors;	/* the user's max_sectors_kb, 0: none */
	unsigned int		max_segment_size;
	unsigned int		physical_block_size;
	unsigned int		logical_block_size;
	unsigned int		alignment_offset;
	unsigned int		io_min;
	unsigned int		io_opt;
	unsigned int		max_discard_sectors;	/* read-only: computed by the kernel */
	unsigned int		max_hw_discard_sectors;
	unsigned int		max_user_discard_sectors;	/* the user's discard_max_bytes, UINT_MAX: none */
	unsigned int		max_secure_erase_sectors;
	unsigned int		max_write_zeroes_sectors;
	unsigned int		discard_granularity;
	unsigned int		discard_alignment;
	unsigned int		zone_write_granularity;
	unsigned int		max_zone_append_sectors;
	unsigned int		max_open_zones;
	unsigned int		max_active_zones;
	unsigned short		max_segments;
	unsigned short		max_discard_segments;
	unsigned int		dma_alignment;
};

/* the newer kernel's BLK_DEF_MAX_SECTORS_CAP (this kernel's BLK_DEF_MAX_SECTORS, the same 2560) */
#define KB_BLK_DEF_MAX_SECTORS_CAP	2560u

/* max_sectors as the newer blk_validate_limits() derives it */
static inline unsigned int kb_queue_limits_max_sectors(const struct kb_queue_limits *lim)
{
	unsigned int max_hw_sectors = min_not_zero(lim->max_hw_sectors, lim->max_dev_sectors);
	unsigned int max_sectors;

	if (lim->max_user_sectors)
		max_sectors = min(max_hw_sectors, lim->max_user_sectors);
	else if (lim->io_opt > (KB_BLK_DEF_MAX_SECTORS_CAP << SECTOR_SHIFT))
		max_sectors = min(max_hw_sectors, lim->io_opt >> SECTOR_SHIFT);
	else if (lim->io_min > (KB_BLK_DEF_MAX_SECTORS_CAP << SECTOR_SHIFT))
		max_sectors = min(max_hw_sectors, lim->io_min >> SECTOR_SHIFT);
	else
		max_sectors = min(max_hw_sectors, KB_BLK_DEF_MAX_SECTORS_CAP);
	return round_down(max_sectors, lim->logical_block_size >> SECTOR_SHIFT);
}

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
#ifdef KB_HAVE_QUEUE_FLAG_SECERASE_REMOVED
		.max_secure_erase_sectors = l->max_secure_erase_sectors,
#else
		.max_secure_erase_sectors = test_bit(QUEUE_FLAG_SECERASE, &q->queue_flags) ?
					    l->max_hw_discard_sectors : 0,
#endif
		.max_write_zeroes_sectors = l->max_write_zeroes_sectors,
		.discard_granularity = l->discard_granularity,
		.discard_alignment = l->discard_alignment,
		.max_segments = l->max_segments,
		.max_discard_segments = l->max_discard_segments,
		.dma_alignment = queue_dma_alignment(q),
	};

	/*
	 * The user's sysfs writes went straight into max_sectors and
	 * max_discard_sectors: a value other than the one the limits alone
	 * give is the user's (this kernel's stores keep it at or below them).
	 */
	if (lim.max_sectors != kb_queue_limits_max_sectors(&lim))
		lim.max_user_sectors = lim.max_sectors;
	lim.max_user_discard_sectors = lim.max_discard_sectors != lim.max_hw_discard_sectors ?
				       lim.max_discard_sectors : UINT_MAX;
	/* the device's write cache, not the user's current choice */
#ifdef QUEUE_FLAG_HW_WC
	if (test_bit(QUEUE_FLAG_HW_WC, &q->queue_flags))
		lim.features |= BLK_FEAT_WRITE_CACHE;
#else
	if (test_bit(QUEUE_FLAG_WC, &q->queue_flags))
		lim.features |= BLK_FEAT_WRITE_CACHE;
#endif
	if (test_bit(QUEUE_FLAG_FUA, &q->queue_flags))
		lim.features |= BLK_FEAT_FUA;
	if (!test_bit(QUEUE_FLAG_NONROT, &q->queue_flags))
		lim.features |= BLK_FEAT_ROTATIONAL;
#define KB_READ_FEATURE(feat, flag) \
	if (test_bit(flag, &q->queue_flags)) \
		lim.features |= feat;
	KB_BLK_FEATURES(KB_READ_FEATURE)
#undef KB_READ_FEATURE
#if defined(CONFIG_BLK_DEV_ZONED) && defined(KB_HAVE_REQUEST_QUEUE_DISK)
	if (blk_queue_is_zoned(q)) {
		lim.features |= BLK_FEAT_ZONED;
		lim.zone_write_granularity = l->zone_write_granularity;
		lim.max_zone_append_sectors = l->max_zone_append_sectors;
		if (q->disk) {
			lim.max_open_zones = q->disk->max_open_zones;
			lim.max_active_zones = q->disk->max_active_zones;
		}
	}
#endif
	return lim;
}

/* blk_validate_zoned_limits() of the newer kernel, and no zone append emulation here. */
static inline int kb_queue_limits_validate_zoned(struct kb_queue_limits *lim)
{
	if (!(lim->features & BLK_FEAT_ZONED)) {
		if (WARN_ON_ONCE(lim->max_open_zones) ||
		    WARN_ON_ONCE(lim->max_active_zones) ||
		    WARN_ON_ONCE(lim->zone_write_granularity) ||
		    WARN_ON_ONCE(lim->max_zone_append_sectors))
			return -EINVAL;
		return 0;
	}
	if (WARN_ON_ONCE(!IS_ENABLED(CONFIG_BLK_DEV_ZONED)))
		return -EINVAL;
#ifndef KB_HAVE_REQUEST_QUEUE_DISK
	pr_err("kbridge: a zoned disk through queue limits is not bridged on this kernel "
	       "(no zone write granularity, zoned state only reachable through the disk)\n");
	return -EOPNOTSUPP;
#endif
	if (lim->max_active_zones && lim->max_open_zones > lim->max_active_zones)
		return -EINVAL;
	if (lim->zone_write_granularity < lim->logical_block_size)
		lim->zone_write_granularity = lim->logical_block_size;
	if (!lim->max_zone_append_sectors) {
		pr_err("kbridge: zone append emulation (max_zone_append_sectors = 0 on a zoned disk) "
		       "does not exist on this kernel\n");
		return -EOPNOTSUPP;
	}
	lim->max_zone_append_sectors = min3(lim->max_hw_sectors, lim->max_zone_append_sectors,
					    lim->chunk_sectors);
	return 0;
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
	/* the minimum I/O size is at least a physical block; the optimal one a multiple of it */
	if (lim->io_min < lim->physical_block_size)
		lim->io_min = lim->physical_block_size;
	lim->io_opt = round_down(lim->io_opt, lim->physical_block_size);
	if (!lim->max_hw_sectors)
		lim->max_hw_sectors = BLK_SAFE_MAX_SECTORS;
	if (WARN_ON_ONCE(lim->max_hw_sectors < PAGE_SECTORS))
		return -EINVAL;
	if (WARN_ON_ONCE((lim->logical_block_size >> SECTOR_SHIFT) > lim->max_hw_sectors))
		return -EINVAL;
	lim->max_hw_sectors = round_down(lim->max_hw_sectors,
					 lim->logical_block_size >> SECTOR_SHIFT);
	if (lim->max_user_sectors && lim->max_user_sectors < PAGE_SIZE / SECTOR_SIZE)
		return -EINVAL;
	lim->max_sectors = kb_queue_limits_max_sectors(lim);
	lim->max_discard_sectors = min(lim->max_hw_discard_sectors, lim->max_user_discard_sectors);
	/* discard granularity: at least a physical block, and 0 when there is no discard */
	if (lim->max_discard_sectors)
		lim->discard_granularity = max(lim->discard_granularity, lim->physical_block_size);
	else
		lim->discard_granularity = 0;
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
	if (lim->alignment_offset)
		lim->alignment_offset &= (lim->physical_block_size - 1);
	if (!(lim->features & BLK_FEAT_WRITE_CACHE))
		lim->features &= ~BLK_FEAT_FUA;
	return kb_queue_limits_validate_zoned(lim);
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
	bool wc = lim->features & BLK_FEAT_WRITE_CACHE;
	bool user_wt = false;

	if (err)
		return err;
	/* this kernel keeps a zoned disk's open/active zone limits in the gendisk */
#ifdef KB_HAVE_REQUEST_QUEUE_DISK
	if ((lim->features & BLK_FEAT_ZONED) && WARN_ON_ONCE(!q->disk))
		return -EINVAL;
#endif
	blk_queue_logical_block_size(q, lim->logical_block_size);
	blk_queue_physical_block_size(q, lim->physical_block_size);
	blk_queue_io_min(q, lim->io_min);
	q->limits.io_opt = lim->io_opt;
	q->limits.alignment_offset = lim->alignment_offset;
	if (lim->alignment_offset)
		q->limits.misaligned = 0;
	/* the hardware limit through the setter, then what the newer kernel derives */
	blk_queue_max_hw_sectors(q, lim->max_hw_sectors);
	q->limits.max_dev_sectors = lim->max_dev_sectors;
	q->limits.max_sectors = lim->max_sectors;
#ifdef KB_HAVE_REQUEST_QUEUE_DISK
	if (q->disk) {
		/* blk_apply_bdi_limits(): readahead never shrinks, I/O size follows max_sectors */
		q->disk->bdi->ra_pages = max3(q->disk->bdi->ra_pages,
					      lim->io_opt * 2 / PAGE_SIZE, VM_READAHEAD_PAGES);
		q->disk->bdi->io_pages = lim->max_sectors >> (PAGE_SHIFT - SECTOR_SHIFT);
	}
#else
	/* the same, in the queue's own bdi (before 5.15) */
	q->backing_dev_info->ra_pages = max3(q->backing_dev_info->ra_pages,
					     lim->io_opt * 2 / PAGE_SIZE, VM_READAHEAD_PAGES);
	q->backing_dev_info->io_pages = lim->max_sectors >> (PAGE_SHIFT - SECTOR_SHIFT);
#endif
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
	q->limits.max_discard_sectors = lim->max_discard_sectors;	/* the user's limit kept */
	blk_queue_max_discard_segments(q, lim->max_discard_segments);
	q->limits.discard_granularity = lim->discard_granularity;
	q->limits.discard_alignment = lim->discard_alignment;
	blk_queue_max_secure_erase_sectors(q, lim->max_secure_erase_sectors);
	blk_queue_max_write_zeroes_sectors(q, lim->max_write_zeroes_sectors);

#ifdef QUEUE_FLAG_HW_WC
	/* the user's "write through": the device's cache (HW_WC) with QUEUE_FLAG_WC cleared */
	user_wt = test_bit(QUEUE_FLAG_HW_WC, &q->queue_flags) &&
		  !test_bit(QUEUE_FLAG_WC, &q->queue_flags);
#endif
	blk_queue_write_cache(q, wc && !user_wt, lim->features & BLK_FEAT_FUA);
#ifdef QUEUE_FLAG_HW_WC
	if (wc && user_wt)
		blk_queue_flag_set(QUEUE_FLAG_HW_WC, q);
#endif
	kb_queue_flag_assign(q, QUEUE_FLAG_NONROT, !(lim->features & BLK_FEAT_ROTATIONAL));
#define KB_APPLY_FEATURE(feat, flag) \
	kb_queue_flag_assign(q, flag, lim->features & feat);
	KB_BLK_FEATURES(KB_APPLY_FEATURE)
#undef KB_APPLY_FEATURE
#if defined(CONFIG_BLK_DEV_ZONED) && defined(KB_HAVE_REQUEST_QUEUE_DISK)
	if (lim->features & BLK_FEAT_ZONED) {
		disk_set_zoned(q->disk, BLK_ZONED_HM);
		blk_queue_zone_write_granularity(q, lim->zone_write_granularity);
		blk_queue_max_zone_append_sectors(q, lim->max_zone_append_sectors);
		disk_set_max_open_zones(q->disk, lim->max_open_zones);
		disk_set_max_active_zones(q->disk, lim->max_active_zones);
		blk_queue_flag_set(QUEUE_FLAG_ZONE_RESETALL, q);
		blk_queue_required_elevator_features(q, ELEVATOR_F_ZBD_SEQ_WRITE);
	} else if (q->disk && blk_queue_is_zoned(q)) {
		disk_set_zoned(q->disk, BLK_ZONED_NONE);
		blk_queue_flag_clear(QUEUE_FLAG_ZONE_RESETALL, q);
		blk_queue_required_elevator_features(q, 0);
	}
#endif
	/* what the kernel computed, as the newer kernel reports it back in *lim */
	lim->max_sectors = q->limits.max_sectors;
	lim->max_discard_sectors = q->limits.max_discard_sectors;
	return 0;
}

/*
 * A just-allocated disk gets the newer allocators' limits: *lim (NULL: the
 * defaults of the newer shape, i.e. a zeroed struct), plus *features* the
 * allocator adds itself, validated and applied before anyone can see the
 * disk. On invalid limits the disk is released and ERR_PTR(-EINVAL) returned,
 * as the newer allocators do; the validated limits are written back to *lim
 * (the newer kernel validates the caller's struct in place).
 */
static inline struct gendisk *kb_disk_apply_limits(struct gendisk *disk, struct kb_queue_limits *lim,
						   blk_features_t features)
{
	struct kb_queue_limits copy = {};
	int err;

	if (IS_ERR_OR_NULL(disk))
		return disk;
	if (lim)
		copy = *lim;
	copy.features |= features;
	/* blk_set_default_limits(): no user discard limit on a new queue */
	copy.max_user_discard_sectors = UINT_MAX;
	err = kb_queue_limits_apply(disk->queue, &copy);
	if (err) {
		put_disk(disk);
		return ERR_PTR(err);
	}
	if (lim)
		*lim = copy;
	return disk;
}

/* From here on the driver's struct queue_limits is the newer shape. */
#define queue_limits kb_queue_limits
