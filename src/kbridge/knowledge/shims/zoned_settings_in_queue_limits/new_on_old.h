/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The zoned-disk API of a driver written for a kernel that describes zoned
 * disks by queue limits, on a kernel with the old zoned setters.
 *
 * The limits themselves (BLK_FEAT_ZONED, chunk_sectors, max_zone_append_sectors,
 * zone_write_granularity, max_open_zones, max_active_zones) are part of the
 * newer struct queue_limits of rule queue_limits_features, validated and
 * applied there with this kernel's setters when the disk is allocated or the
 * limits are committed. What is left here:
 *
 * - blk_revalidate_disk_zones(disk): the newer one-argument form. Both
 *   kernels' versions check the zones the driver reports, set chunk_sectors
 *   and nr_zones and set up the block layer's per-zone state with the queue
 *   frozen; the newer form has no update_driver_data callback, so it is this
 *   kernel's function with none.
 * - queue_emulates_zone_append(q): documented as "zoned and no native zone
 *   append" (max_zone_append_sectors == 0). This kernel cannot emulate zone
 *   append, and the limits shim refuses such a disk, so on a zoned disk that
 *   exists here it is always false, which the same test says.
 */
#include <linux/blkdev.h>

#ifdef CONFIG_BLK_DEV_ZONED
static inline int kb_blk_revalidate_disk_zones(struct gendisk *disk)
{
	return blk_revalidate_disk_zones(disk, NULL);
}
#else
/* the newer kernel's stub without CONFIG_BLK_DEV_ZONED */
static inline int kb_blk_revalidate_disk_zones(struct gendisk *disk)
{
	return 0;
}
#endif

static inline bool kb_queue_emulates_zone_append(struct request_queue *q)
{
	return blk_queue_is_zoned(q) && !q->limits.max_zone_append_sectors;
}

#define blk_revalidate_disk_zones(disk)		kb_blk_revalidate_disk_zones(disk)
#define queue_emulates_zone_append(q)		kb_queue_emulates_zone_append(q)
