/* SPDX-License-Identifier: GPL-2.0 */
/*
 * device_add_disk()/add_disk() returning int (5.15) on a kernel where they
 * return void.
 *
 * This kernel's __device_add_disk() has no error to give back: what can fail
 * in it (a device number, sysfs, the bdi) is reported with a WARN and the
 * disk is added as far as it goes. The shim adds the disk with the kernel's
 * function and returns 0, what the newer kernel returns for a disk it added.
 * Not bridged: a failure inside this kernel's add (its WARN) reads as
 * success; the driver's error path is not taken, as this kernel's own
 * drivers never could.
 *
 * A shim applied before this one (rule block_device_operations_getgeo_gendisk)
 * may wrap device_add_disk/add_disk as macros: kb_int_device_add_disk calls the
 * name as it stands here, so that wrapping is kept.
 */
#include <linux/blkdev.h>
#include <linux/genhd.h>

static inline int kb_int_device_add_disk(struct device *parent, struct gendisk *disk,
				     const struct attribute_group **groups)
{
	device_add_disk(parent, disk, groups);
	return 0;
}

static inline int kb_int_add_disk(struct gendisk *disk)
{
	add_disk(disk);
	return 0;
}

#undef device_add_disk
#undef add_disk
#define device_add_disk(parent, disk, groups)	kb_int_device_add_disk(parent, disk, groups)
#define add_disk(disk)				kb_int_add_disk(disk)
