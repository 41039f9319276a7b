/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_mq_alloc_disk() -- a disk that owns its blk-mq queue (5.14) -- on a
 * kernel where a driver allocated the queue (blk_mq_init_queue) and the disk
 * (alloc_disk) separately and cleaned the queue up itself
 * (blk_cleanup_queue).
 *
 * Allocation, as 5.14's __blk_mq_alloc_disk(): the queue from the tag set
 * (blk_mq_init_queue_data: ERR_PTR on failure), then a disk without minors on
 * the tag set's NUMA node (the driver sets minors, first_minor, major) with
 * the call site's lockdep class; no disk: the queue is cleaned up and
 * ERR_PTR(-ENOMEM) returned. The disk is marked as owning its queue
 * (KB_GD_OWNS_QUEUE: a bit of gendisk->state this kernel never uses -- it
 * has only GD_NEED_PART_SCAN, bit 0).
 *
 * Ownership, what the newer kernel does for such a disk:
 * - del_gendisk(): this kernel's del_gendisk(), then blk_cleanup_queue(): the
 *   newer del_gendisk() marks the queue dying, drains it and exits blk-mq, so
 *   the driver may free its tag set right after (6.1 block/genhd.c). The disk
 *   keeps the queue reference add_disk took until its last put (this
 *   kernel's disk_release puts it), so disk->queue stays valid for an opener
 *   that still holds the disk; its I/O fails (the queue is dead), as the
 *   newer kernel's does.
 * - put_disk() of a disk that was never added: the queue is cleaned up first
 *   and the disk's pointer to it dropped (the newer disk_release() exits
 *   blk-mq and puts the queue of a disk without GD_ADDED; this kernel's
 *   disk_release() would put a reference add_disk never took).
 * - put_disk() after del_gendisk(): only the put, the queue is already done.
 *
 * Both forms of the call: blk_mq_alloc_disk(set, queuedata) (5.14..6.8) and
 * blk_mq_alloc_disk(set, lim, queuedata) (6.9+), whose limits are applied by
 * kb_disk_apply_limits() (rule queue_limits_features) exactly as rule
 * blk_mq_alloc_disk_takes_limits does on 5.14..6.8.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/genhd.h>
#include <linux/err.h>
#include <linux/bitops.h>
#include <linux/lockdep.h>

#define KB_GD_OWNS_QUEUE	(BITS_PER_LONG - 1)	/* the disk owns disk->queue */
#define KB_GD_QUEUE_DONE	(BITS_PER_LONG - 2)	/* ... and has cleaned it up */

static inline struct gendisk *kb___blk_mq_alloc_disk(struct blk_mq_tag_set *set, void *queuedata,
						     struct lock_class_key *lkclass)
{
	struct request_queue *q;
	struct gendisk *disk;

	q = blk_mq_init_queue_data(set, queuedata);
	if (IS_ERR(q))
		return ERR_CAST(q);

	disk = __alloc_disk_node(0, set->numa_node);
	if (!disk) {
		blk_cleanup_queue(q);
		return ERR_PTR(-ENOMEM);
	}
	lockdep_init_map(&disk->lockdep_map, "(bio completion)", lkclass, 0);
	disk->queue = q;
	set_bit(KB_GD_OWNS_QUEUE, &disk->state);
	return disk;
}

static inline void kb_del_gendisk(struct gendisk *disk)
{
	del_gendisk(disk);
	if (test_bit(KB_GD_OWNS_QUEUE, &disk->state) &&
	    !test_and_set_bit(KB_GD_QUEUE_DONE, &disk->state))
		blk_cleanup_queue(disk->queue);
}

static inline void kb_put_disk(struct gendisk *disk)
{
	if (disk && test_bit(KB_GD_OWNS_QUEUE, &disk->state) &&
	    !(disk->flags & GENHD_FL_UP) &&
	    !test_and_set_bit(KB_GD_QUEUE_DONE, &disk->state)) {
		/* never added: the queue's one reference is the disk's */
		blk_cleanup_queue(disk->queue);
		disk->queue = NULL;
	}
	put_disk(disk);
}

#define __blk_mq_alloc_disk(set, queuedata, lkclass)	kb___blk_mq_alloc_disk(set, queuedata, lkclass)
#define del_gendisk(disk)				kb_del_gendisk(disk)
#define put_disk(disk)					kb_put_disk(disk)

#define KB_BLK_MQ_ALLOC_DISK_2(set, queuedata)					\
({										\
	static struct lock_class_key __kb_key;					\
										\
	kb___blk_mq_alloc_disk(set, queuedata, &__kb_key);			\
})
#define KB_BLK_MQ_ALLOC_DISK_3(set, lim, queuedata)				\
({										\
	static struct lock_class_key __kb_key;					\
										\
	kb_disk_apply_limits(kb___blk_mq_alloc_disk(set, queuedata, &__kb_key), lim, \
			     BLK_FEAT_IO_STAT | BLK_FEAT_NOWAIT);			\
})
#define KB_BLK_MQ_ALLOC_DISK_PICK(_1, _2, _3, name, ...)	name
/* already defined: rule blk_mq_alloc_disk_takes_limits's three-argument form, on this one */
#ifndef blk_mq_alloc_disk
#define blk_mq_alloc_disk(...)							\
	KB_BLK_MQ_ALLOC_DISK_PICK(__VA_ARGS__, KB_BLK_MQ_ALLOC_DISK_3,		\
				  KB_BLK_MQ_ALLOC_DISK_2, kb_none)(__VA_ARGS__)
#endif
