/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The zoned-device setters of the old kernel (disk_set_zoned(disk, model),
 * disk_set_max_open_zones/active_zones, blk_queue_max_zone_append_sectors,
 * QUEUE_FLAG_ZONE_RESETALL, blk_queue_required_elevator_features and the
 * two-argument blk_revalidate_disk_zones) on a kernel where a zoned disk is
 * described by its queue limits (BLK_FEAT_ZONED, chunk_sectors,
 * max_open_zones, max_active_zones, max_zone_append_sectors).
 *
 * Each setter writes the same limit through queue_limits_start_update()/
 * queue_limits_commit_update() on the same queue, so it takes effect at once
 * as the old one did:
 * - disk_set_zoned: HM is zoned; HA is zoned unless the disk has partitions
 *   (the old rule); NONE is not zoned and, on a disk that was zoned, drops
 *   the zone limits as the old kernel's disk_clear_zone_settings() did; a
 *   disk that was never zoned is left alone (the old disk_set_zoned() called
 *   disk_clear_zone_settings() only when the old model was not NONE, so a
 *   chunk_sectors set for striping stays).
 * - blk_queue_max_zone_append_sectors: the old setter clamped to
 *   chunk_sectors and max_hw_sectors; the newer validation does the same.
 * - blk_revalidate_disk_zones(disk, cb): the old kernel learned the zone
 *   size from the first zone the driver reports and set chunk_sectors from
 *   it; the newer one requires chunk_sectors first. So when chunk_sectors is
 *   still 0 the shim asks the driver's ->report_zones for zone 0 and sets
 *   chunk_sectors to its length, then revalidates; on success it calls cb
 *   with the queue frozen, as the old kernel did.
 * - QUEUE_FLAG_ZONE_RESETALL said "this driver handles REQ_OP_ZONE_RESET_ALL";
 *   the newer kernel sends that operation to every zoned driver, so setting
 *   it changes nothing. Clearing it (a driver without reset-all) cannot be
 *   expressed there: that is a build error, not a silent loss.
 * - blk_queue_required_elevator_features(q, ELEVATOR_F_ZBD_SEQ_WRITE) made
 *   the old kernel pick an elevator that keeps a zone's writes in order; the
 *   newer kernel keeps them in order itself (zone write plugging, so it
 *   dropped the requirement). That is the only feature the old kernel
 *   defined; any other (constant) value is a build error.
 * Upstream release and commit: rule zoned_settings_in_queue_limits.
 */
#include <linux/blkdev.h>
#include <linux/blk-mq.h>

enum kb_blk_zoned_model {
	BLK_ZONED_NONE = 0,	/* regular block device */
	BLK_ZONED_HA,		/* host-aware zoned block device */
	BLK_ZONED_HM,		/* host-managed zoned block device */
};

#define ELEVATOR_F_ZBD_SEQ_WRITE	(1U << 0)
#define QUEUE_FLAG_ZONE_RESETALL	KB_QUEUE_FLAG_ZONE_RESETALL

extern void kb_unknown_elevator_feature(void)
	__compiletime_error("kbridge: the old kernel defined only ELEVATOR_F_ZBD_SEQ_WRITE");

/* the old kernel's test (block/blk-settings.c, static there): any partition in the table */
static inline bool kb_disk_has_partitions(struct gendisk *disk)
{
	unsigned long idx;
	struct block_device *part;
	bool ret = false;

	rcu_read_lock();
	xa_for_each(&disk->part_tbl, idx, part) {
		if (bdev_is_partition(part)) {
			ret = true;
			break;
		}
	}
	rcu_read_unlock();
	return ret;
}

static inline void kb_disk_set_zoned(struct gendisk *disk, enum kb_blk_zoned_model model)
{
	struct request_queue *q = disk->queue;
	struct queue_limits lim = queue_limits_start_update(q);

	if (model == BLK_ZONED_HM || (model == BLK_ZONED_HA && !kb_disk_has_partitions(disk))) {
		lim.features |= BLK_FEAT_ZONED;
	} else if (lim.features & BLK_FEAT_ZONED) {
		lim.features &= ~BLK_FEAT_ZONED;
		lim.chunk_sectors = 0;
		lim.max_open_zones = 0;
		lim.max_active_zones = 0;
		lim.max_zone_append_sectors = 0;
		lim.zone_write_granularity = 0;
	}
	WARN_ON_ONCE(queue_limits_commit_update(q, &lim));
}

static inline void kb_disk_set_max_open_zones(struct gendisk *disk, unsigned int n)
{
	struct queue_limits lim = queue_limits_start_update(disk->queue);

	lim.max_open_zones = n;
	WARN_ON_ONCE(queue_limits_commit_update(disk->queue, &lim));
}

static inline void kb_disk_set_max_active_zones(struct gendisk *disk, unsigned int n)
{
	struct queue_limits lim = queue_limits_start_update(disk->queue);

	lim.max_active_zones = n;
	WARN_ON_ONCE(queue_limits_commit_update(disk->queue, &lim));
}

static inline void kb_blk_queue_max_zone_append_sectors(struct request_queue *q, unsigned int n)
{
	struct queue_limits lim = queue_limits_start_update(q);

	lim.max_zone_append_sectors = n;
	WARN_ON_ONCE(!n);	/* the old setter warned on a zero result too */
	WARN_ON_ONCE(queue_limits_commit_update(q, &lim));
}

static __always_inline void kb_blk_queue_required_elevator_features(struct request_queue *q,
							   unsigned int features)
{
	if (features & ~ELEVATOR_F_ZBD_SEQ_WRITE)
		kb_unknown_elevator_feature();
}

static inline int kb_first_zone_len(struct blk_zone *zone, unsigned int idx, void *data)
{
	*(sector_t *)data = zone->len;
	return 0;
}

static inline int kb_blk_revalidate_disk_zones(struct gendisk *disk,
					       void (*update_driver_data)(struct gendisk *disk))
{
	struct request_queue *q = disk->queue;
	int ret;

	if (!q->limits.chunk_sectors && disk->fops->report_zones) {
		sector_t len = 0;
		struct queue_limits lim;

		ret = disk->fops->report_zones(disk, 0, 1, kb_first_zone_len, &len);
		if (ret < 0)
			return ret;
		lim = queue_limits_start_update(q);
		lim.chunk_sectors = len;
		ret = queue_limits_commit_update(q, &lim);
		if (ret)
			return ret;
	}
	ret = blk_revalidate_disk_zones(disk);
	if (!ret && update_driver_data) {
		blk_mq_freeze_queue(q);
		update_driver_data(disk);
		blk_mq_unfreeze_queue(q);
	}
	return ret;
}

#define disk_set_zoned(disk, model)	kb_disk_set_zoned(disk, model)
#define disk_set_max_open_zones(disk, n)	kb_disk_set_max_open_zones(disk, n)
#define disk_set_max_active_zones(disk, n)	kb_disk_set_max_active_zones(disk, n)
#define blk_queue_max_zone_append_sectors(q, n)	kb_blk_queue_max_zone_append_sectors(q, n)
#define blk_queue_required_elevator_features(q, f)	kb_blk_queue_required_elevator_features(q, f)
#define blk_revalidate_disk_zones(disk, cb)	kb_blk_revalidate_disk_zones(disk, cb)
