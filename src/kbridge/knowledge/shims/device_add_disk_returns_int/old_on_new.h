/* SPDX-License-Identifier: GPL-2.0 */
/*
 * device_add_disk()/add_disk() as statements (void, before 5.15) on a kernel
 * where they return an error and are __must_check.
 *
 * The old driver cannot take an error. The disk is added with the kernel's
 * function; when that fails, the newer kernel has undone its partial add (the
 * disk is not live) and the shim warns once with the error, as the old
 * kernel reported its own add failures with a WARN and went on. The driver's
 * later del_gendisk() of that disk is refused by the newer kernel with its own
 * WARN; put_disk() frees it as usual.
 *
 * A shim applied before this one (rule block_device_operations_getgeo_gendisk)
 * may wrap device_add_disk/add_disk as macros: kb_void_device_add_disk calls the
 * name as it stands here, so that wrapping is kept.
 */
#include <linux/blkdev.h>
#include <linux/bug.h>

static inline void kb_void_device_add_disk(struct device *parent, struct gendisk *disk,
				      const struct attribute_group **groups)
{
	int err = device_add_disk(parent, disk, groups);

	WARN_ONCE(err, "%s: adding the disk failed: %d\n", disk->disk_name, err);
}

static inline void kb_void_add_disk(struct gendisk *disk)
{
	int err = add_disk(disk);

	WARN_ONCE(err, "%s: adding the disk failed: %d\n", disk->disk_name, err);
}

#undef device_add_disk
#undef add_disk
#define device_add_disk(parent, disk, groups)	kb_void_device_add_disk(parent, disk, groups)
#define add_disk(disk)				kb_void_add_disk(disk)
