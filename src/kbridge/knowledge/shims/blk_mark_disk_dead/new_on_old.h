/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_mark_disk_dead() (5.17) on a kernel without it.
 *
 * Documented behaviour: mark a surprise-removed disk dead so that no new I/O
 * is accepted; the helper sets GD_DEAD (bio_queue_enter() then fails each new
 * bio with BLK_STS_IOERR) and starts draining the queue; the newer helper
 * (6.12's __blk_mark_disk_dead; 6.1's does not) also sets the capacity to 0
 * to stop buffered writers, which drivers of the older helper did
 * themselves right after it (6.1's xen-blkfront: blk_mark_disk_dead();
 * set_capacity(0)). The shim gives the
 * newer helper: a driver of 6.1 then sets 0 a second time, as it does on the
 * newer kernels.
 *
 * This kernel's own way, which the helper replaced one for one in drivers
 * (66fddc25ad8 "block: fix surprise removal for drivers calling
 * blk_set_queue_dying"; xen-blkfront called blk_set_queue_dying() and
 * set_capacity(0) from 5.14 to 5.16): blk_set_queue_dying() marks the queue
 * dying and starts its freeze, so no new I/O crosses blk_queue_enter() and
 * each new bio completes with EIO (bio_queue_enter -> bio_io_error); I/O
 * already in the driver completes as it would. Then the capacity 0: the newer
 * set_capacity() also sizes the whole-disk bdev (bdev_set_nr_sectors), so an
 * opener that has the disk open sees 0 bytes at once; this kernel's
 * set_capacity() only stores the number, and revalidate_disk_size() is what
 * brings the open bdev's size along (without a message, as set_capacity()
 * prints none). Once only: a second call changes nothing, as
 * __blk_mark_disk_dead()'s test_and_set_bit.
 *
 * Not bridged: the newer helper also tells the holder of each partition
 * (a mounted file system shuts down: bdev_mark_dead); this kernel has no
 * holder operations, a file system on the dead disk learns it from its I/O
 * errors.
 */
#include <linux/blkdev.h>
#include <linux/genhd.h>

static inline void kb_blk_mark_disk_dead(struct gendisk *disk)
{
	if (blk_queue_dying(disk->queue))
		return;
	blk_set_queue_dying(disk->queue);
	set_capacity(disk, 0);
	revalidate_disk_size(disk, false);
}

#define blk_mark_disk_dead(disk)	kb_blk_mark_disk_dead(disk)
