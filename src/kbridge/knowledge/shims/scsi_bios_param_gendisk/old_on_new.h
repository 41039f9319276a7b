/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ->bios_param(sdev, bdev, capacity, geom) and the scsicam helpers taking a
 * struct block_device * (a driver of Linux up to 6.12) on a kernel whose
 * core calls ->bios_param(sdev, disk, capacity, geom) and whose helpers take
 * the struct gendisk *.
 *
 * Both kernels call the callback only from sd_getgeo() (HDIO_GETGEO), with
 * the same default geometry (64 heads, 32 sectors, capacity >> 11
 * cylinders) in geom and the same capacity, and read geom back; the older
 * one handed the opened bdev, the newer the disk. The core gets a copy of
 * the driver's template (knowledge/fragments/scsi_template_box.h) whose slot
 * is kb_bios_param_trampoline, of the kernel's type: it calls the driver's
 * bios_param with the disk's whole-device bdev, disk->part0 (bd_disk the
 * disk), and returns its value. The helpers read the partition table of the
 * whole disk on both kernels (6.12: bdev_whole(bdev)'s page cache; 7.3:
 * disk->part0's), so scsicam_bios_param/scsi_partsize/scsi_bios_ptable of a
 * bdev are the newer ones of bdev->bd_disk: the same geometry from the same
 * capacity and table.
 */
/* the template copy: knowledge/fragments/scsi_template_box.h (how and why) */
#include "kb_fragments/scsi_template_box.h"
#include <linux/blkdev.h>
#include <scsi/scsi_device.h>
#include <scsi/scsicam.h>

static inline int kb_bios_param_trampoline(struct scsi_device *sdev, struct gendisk *disk,
					   sector_t capacity, int geom[])
{
	return kb_sht_driver(sdev->host->hostt)->bios_param(sdev, disk->part0, capacity, geom);
}

static inline bool kb_sht_patch_bios_param(const struct scsi_host_template *drv,
					   struct scsi_host_template *copy)
{
	if (!drv->bios_param)
		return false;
	if (copy)
		copy->kb_bios_param_kernel = kb_bios_param_trampoline;
	return true;
}

#undef KB_SHT_PATCH_BIOS_PARAM
#define KB_SHT_PATCH_BIOS_PARAM	kb_sht_patch_bios_param

static inline int kb_scsicam_bios_param(struct block_device *bdev, sector_t capacity, int *ip)
{
	return scsicam_bios_param(bdev->bd_disk, capacity, ip);
}

static inline bool kb_scsi_partsize(struct block_device *bdev, sector_t capacity, int geom[3])
{
	return scsi_partsize(bdev->bd_disk, capacity, geom);
}

static inline unsigned char *kb_scsi_bios_ptable(struct block_device *bdev)
{
	return scsi_bios_ptable(bdev->bd_disk);
}

#define scsicam_bios_param(bdev, capacity, ip)	kb_scsicam_bios_param(bdev, capacity, ip)
#define scsi_partsize(bdev, capacity, geom)	kb_scsi_partsize(bdev, capacity, geom)
#define scsi_bios_ptable(bdev)			kb_scsi_bios_ptable(bdev)
