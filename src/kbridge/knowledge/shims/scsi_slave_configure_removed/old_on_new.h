/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ->slave_configure(sdev) (the driver, Linux up to 6.12) on a kernel whose
 * core calls ->sdev_configure(sdev, &lim).
 *
 * 6.12's core calls a legacy ->slave_configure(sdev) exactly where the newer
 * core calls ->sdev_configure(sdev, &lim): in scsi_add_lun, inside the
 * queue-limits update it then commits; a non-zero return cancels the update
 * and the device is not added. The limits are not the callback's.
 *
 * The driver's slave_configure lies over the kernel's sdev_configure slot
 * (this rule's wrapper of <scsi/scsi_host.h>). scsi_host_alloc() hands the
 * core a copy of the driver's template -- made once per template, kept in
 * the module's data, so it lives as long as the driver's own template --
 * whose slot is kb_slave_configure_trampoline, of the kernel's type: it
 * finds the driver's template from the host's (sdev->host->hostt is the
 * copy) and calls its slave_configure(sdev), returning its result. A
 * template without slave_configure goes to the core unchanged. Past
 * KB_SHT_BOXES templates in one file, a copy is allocated per host and
 * never freed (a small leak on a path no driver takes, never a wrong call).
 */
#include <scsi/scsi_host.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#define KB_SHT_BOXES 4

struct kb_sht_box {
	struct scsi_host_template sht;			/* what the core sees */
	const struct scsi_host_template *driver;	/* the driver's own */
};

static inline int kb_slave_configure_trampoline(struct scsi_device *sdev, struct queue_limits *lim)
{
	const struct kb_sht_box *box = container_of(sdev->host->hostt, struct kb_sht_box, sht);

	return box->driver->slave_configure(sdev);
}

static inline struct Scsi_Host *kb_scsi_host_alloc_sc(const struct scsi_host_template *sht,
						      int privsize)
{
	static DEFINE_MUTEX(lock);
	static struct kb_sht_box boxes[KB_SHT_BOXES];
	struct kb_sht_box *use = NULL;
	int i;

	if (!sht->slave_configure || sht->sdev_configure == kb_slave_configure_trampoline)
		return scsi_host_alloc(sht, privsize);
	mutex_lock(&lock);
	for (i = 0; i < KB_SHT_BOXES && boxes[i].driver && !use; i++)
		if (boxes[i].driver == sht)
			use = &boxes[i];
	if (!use && i < KB_SHT_BOXES)
		use = &boxes[i];
	if (!use)
		use = kmalloc(sizeof(*use), GFP_KERNEL | __GFP_NOFAIL);
	if (use->driver != sht) {
		use->sht = *sht;
		use->sht.sdev_configure = kb_slave_configure_trampoline;
		use->driver = sht;
	}
	mutex_unlock(&lock);
	return scsi_host_alloc(&use->sht, privsize);
}

#define scsi_host_alloc(sht, privsize)	kb_scsi_host_alloc_sc(sht, privsize)
