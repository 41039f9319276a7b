/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ->getgeo(struct block_device *, struct hd_geometry *) (the driver, Linux
 * up to 6.12) on a kernel that calls ->getgeo(struct gendisk *, ...).
 *
 * Both kernels call ->getgeo only from the HDIO_GETGEO ioctl
 * (blkdev_getgeo): the geometry zeroed, geo->start set to the first sector
 * of the opened partition, then the callback; its result is the ioctl's.
 * The old kernel passed the opened bdev, the newer one passes bdev->bd_disk.
 *
 * The driver's ops slot has the driver's type (this rule's wrapper of
 * <linux/blkdev.h>). When the driver adds the disk, the disk's fops become a
 * copy of the driver's ops -- made once per ops table and kept in the
 * module's data, so it lives exactly as long as the driver's own ops --
 * whose slot is kb_getgeo_trampoline, of this kernel's type: it finds the
 * driver's ops from the copy and calls the driver's getgeo with the disk's
 * whole-device bdev (disk->part0, whose bd_disk is the disk). Not bridged:
 * for an ioctl on a partition the old kernel passed the partition's bdev; a
 * callback reading the bdev's own partition fields sees the whole disk's
 * (geo->start, the one the kernel hands over, is already the partition's).
 * Past KB_GETGEO_BOXES ops tables in one file, a copy is allocated per disk
 * and never freed (a small leak on a path no driver takes, never a wrong
 * call).
 */
#include <linux/blkdev.h>
#include <linux/kernel.h>	/* container_of (<linux/container_of.h> from 5.16) */
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/bug.h>

#define KB_GETGEO_BOXES 4

struct kb_getgeo_box {
	struct block_device_operations ops;		/* what the kernel sees */
	const struct block_device_operations *driver;	/* the driver's own */
};

static inline int kb_getgeo_trampoline(struct gendisk *disk, struct hd_geometry *geo)
{
	const struct kb_getgeo_box *box = container_of(disk->fops, struct kb_getgeo_box, ops);

	return box->driver->getgeo(disk->part0, geo);
}

static inline void kb_getgeo_box_disk(struct gendisk *disk)
{
	static DEFINE_MUTEX(lock);
	static struct kb_getgeo_box boxes[KB_GETGEO_BOXES];
	const struct block_device_operations *fops = disk->fops;
	struct kb_getgeo_box *use = NULL;
	int i;

	if (!fops || !fops->getgeo || fops->kb_getgeo_kernel == kb_getgeo_trampoline)
		return;
	mutex_lock(&lock);
	for (i = 0; i < KB_GETGEO_BOXES && boxes[i].driver && !use; i++)
		if (boxes[i].driver == fops)
			use = &boxes[i];
	if (!use && i < KB_GETGEO_BOXES)
		use = &boxes[i];
	if (!use)
		use = kmalloc(sizeof(*use), GFP_KERNEL | __GFP_NOFAIL);
	if (use->driver != fops) {
		use->ops = *fops;
		use->ops.kb_getgeo_kernel = kb_getgeo_trampoline;
		use->driver = fops;
	}
	mutex_unlock(&lock);
	disk->fops = &use->ops;
}

#define device_add_disk(parent, disk, groups)				\
({									\
	kb_getgeo_box_disk(disk);					\
	device_add_disk(parent, disk, groups);				\
})
#define add_disk_fwnode(parent, disk, groups, fwnode)			\
({									\
	kb_getgeo_box_disk(disk);					\
	add_disk_fwnode(parent, disk, groups, fwnode);			\
})
#define add_disk(disk)							\
({									\
	kb_getgeo_box_disk(disk);					\
	add_disk(disk);							\
})
