/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ->bios_param(sdev, disk, capacity, geom) and the scsicam helpers taking a
 * struct gendisk * (a driver of 7.2/7.3) on a kernel whose core calls
 * ->bios_param(sdev, bdev, capacity, geom) and whose helpers take a struct
 * block_device *.
 *
 * Both kernels call the callback only from sd_getgeo() (HDIO_GETGEO), with
 * the same default geometry in geom and the same capacity, and read geom
 * back; this one hands the opened bdev, the newer the disk. The core gets a
 * copy of the driver's template (below) whose slot is kb_bios_param_trampoline, of this kernel's type: it calls
 * the driver's bios_param with bdev->bd_disk and returns its value. The
 * newer helpers read the partition table of the disk's whole device
 * (disk->part0's page cache); this kernel's read the whole device of the bdev
 * they get, so they get the disk's whole-device bdev: disk->part0 where the
 * disk has one (6.1, 6.12), bdget_disk(disk, 0) -- the same block_device
 * object this kernel opened under the bdev, released after the call --
 * where the disk's part0 is a struct hd_struct (5.10, whose <linux/genhd.h>
 * defines part_to_dev()): the same geometry from the same capacity and
 * table. Not bridged: on 5.10, bdget_disk() failing (out of memory) makes
 * scsi_bios_ptable() return NULL, scsi_partsize() false and
 * scsicam_bios_param() -ENOMEM with geom untouched.
 */
#include <scsi/scsi_host.h>
#include <linux/blkdev.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <scsi/scsi_device.h>
#include <scsi/scsicam.h>

/*
 * The template copy the core gets on this kernel: one per template, in the
 * module's data (it lives as long as the driver's own template), writable
 * -- which is also what scsi_host_template_const's copy gives a const
 * template here; a template without bios_param goes on to that copy, or to
 * the core unchanged. Past KB_BP_BOXES templates, scsi_host_alloc() fails
 * (NULL) with a warning. scsi_sdev_configure's new_on_old (5.10, 6.1; its
 * header comes after this one) hands the core one copy of its own for a
 * template with sdev_configure, and puts this shim's trampoline in that copy
 * too (its box has this one's layout, static_assert there); other templates
 * it passes to kb_bp_host_alloc().
 */
#if defined(KB_SDC_BOXES)
#error "kbridge: scsi_sdev_configure's header came before scsi_bios_param_gendisk's; the template copies cannot be merged"
#endif
#define KB_BP_HOST_ALLOC	1
#define KB_BP_BOXES	4

struct kb_bp_box {
	struct scsi_host_template sht;			/* what the core sees */
	const struct scsi_host_template *driver;	/* the driver's own */
	struct scsi_host_template src;			/* the driver's template the copy was made from */
	struct scsi_host_template made;			/* the copy as made, before the core wrote to it */
};

static inline int kb_bios_param_trampoline(struct scsi_device *sdev, struct block_device *bdev,
					   sector_t capacity, int geom[])
{
	const struct scsi_host_template *drv =
		container_of(sdev->host->hostt, struct kb_bp_box, sht)->driver;

	return drv->bios_param(sdev, bdev->bd_disk, capacity, geom);
}

static inline struct scsi_host_template *kb_bp_box(const struct scsi_host_template *sht)
{
	static DEFINE_MUTEX(lock);
	static struct kb_bp_box boxes[KB_BP_BOXES];
	struct kb_bp_box *use = NULL;
	int i;

	mutex_lock(&lock);
	for (i = 0; i < KB_BP_BOXES && boxes[i].driver && !use; i++)
		if (boxes[i].driver == sht)
			use = &boxes[i];
	if (!use && i < KB_BP_BOXES)
		use = &boxes[i];
	/* made again when the driver changed its template since (the core reads it at each
	 * scsi_host_alloc); a byte the core wrote in the copy (5.10's and 6.1's proc counter
	 * and directory, the module pointer) stays as it is */
	if (use && (use->driver != sht || memcmp(&use->src, sht, sizeof(*sht)))) {
		static struct scsi_host_template live, fresh;	/* under the lock */
		bool again = use->driver == sht;
		const unsigned char *l = (const unsigned char *)&live;
		const unsigned char *m = (const unsigned char *)&use->made;
		unsigned char *c = (unsigned char *)&use->sht;
		size_t b;

		if (again)
			live = use->sht;
		use->sht = *sht;
		use->sht.kb_bios_param_kernel = kb_bios_param_trampoline;
		fresh = use->sht;
		if (again)
			for (b = 0; b < sizeof(use->sht); b++)
				if (l[b] != m[b])
					c[b] = l[b];
		use->made = fresh;
		use->src = *sht;
		use->driver = sht;
	}
	mutex_unlock(&lock);
	return use ? &use->sht : NULL;
}

/* this kernel's scsi_host_alloc below, not the const shim's macro (which would copy the copy) */
#undef scsi_host_alloc
static inline struct Scsi_Host *kb_bp_host_alloc(const struct scsi_host_template *sht, int privsize)
{
	struct scsi_host_template *use;

	if (!sht->bios_param)
#ifdef KB_SCSI_HOST_ALLOC_COPY
		return kb_scsi_host_alloc_copy(sht, privsize);
#else
		return scsi_host_alloc((struct scsi_host_template *)sht, privsize);
#endif
	use = kb_bp_box(sht);
	if (WARN_ON(!use))
		return NULL;
	return scsi_host_alloc(use, privsize);
}

#ifdef part_to_dev	/* the disk's part0 is a struct hd_struct: no bdev in the disk */
static inline struct block_device *kb_bios_whole_get(struct gendisk *disk)
{
	return bdget_disk(disk, 0);
}

static inline void kb_bios_whole_put(struct block_device *bdev)
{
	bdput(bdev);
}
#else
static inline struct block_device *kb_bios_whole_get(struct gendisk *disk)
{
	return disk->part0;
}

static inline void kb_bios_whole_put(struct block_device *bdev)
{
}
#endif

static inline int kb_scsicam_bios_param(struct gendisk *disk, sector_t capacity, int *ip)
{
	struct block_device *bdev = kb_bios_whole_get(disk);
	int ret;

	if (!bdev)
		return -ENOMEM;
	ret = scsicam_bios_param(bdev, capacity, ip);
	kb_bios_whole_put(bdev);
	return ret;
}

static inline bool kb_scsi_partsize(struct gendisk *disk, sector_t capacity, int geom[3])
{
	struct block_device *bdev = kb_bios_whole_get(disk);
	bool ret;

	if (!bdev)
		return false;
	ret = scsi_partsize(bdev, capacity, geom);
	kb_bios_whole_put(bdev);
	return ret;
}

static inline unsigned char *kb_scsi_bios_ptable(struct gendisk *disk)
{
	struct block_device *bdev = kb_bios_whole_get(disk);
	unsigned char *ret;

	if (!bdev)
		return NULL;
	ret = scsi_bios_ptable(bdev);
	kb_bios_whole_put(bdev);
	return ret;
}

#define scsicam_bios_param(disk, capacity, ip)	kb_scsicam_bios_param(disk, capacity, ip)
#define scsi_partsize(disk, capacity, geom)	kb_scsi_partsize(disk, capacity, geom)
#define scsi_bios_ptable(disk)			kb_scsi_bios_ptable(disk)

#define scsi_host_alloc(sht, privsize)	kb_bp_host_alloc(sht, privsize)
