/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_host_template.sdev_configure(sdev, lim) (Linux 7.2, 7.3) on an older
 * kernel.
 *
 * The newer core (7.3's scsi_add_lun) starts a queue-limits update of the
 * device's queue (the current limits, with a blacklist's max_hw_sectors put
 * in), hands the copy to ->sdev_configure(sdev, &lim), cancels the update on
 * a non-zero return ("failed to configure device" unless -ENXIO; the LUN is
 * not added), else commits it: validated and applied, or, refused, "failed
 * to apply queue limits." and the LUN is not added.
 *
 * A kernel with ->device_configure(sdev, lim) (6.10 .. 6.13) calls the same
 * callback at the same point under that name: the driver's .sdev_configure
 * designates that slot.
 *
 * A kernel with only ->slave_configure(sdev) (5.10, 6.1) calls it at the same
 * point of scsi_add_lun, on the same return-value contract, with the
 * blacklist's limit already applied to the queue, but hands it no limits. The
 * driver's function lies over the kernel's slot (this rule's wrapper of
 * <scsi/scsi_host.h>); scsi_host_alloc() gives the core a module-lifetime copy
 * of the driver's template (made again when the driver changed it), whose slot is
 * kb_sdev_configure_trampoline, of the kernel's type. The trampoline does
 * what the newer core does around the callback, with the atomic limits API
 * of rule queue_limits_update_api (start: the queue's current limits in the
 * newer shape under the lock this kernel's limit-changing sysfs stores take;
 * commit: the newer kernel's validation, then this kernel's setters; rule
 * queue_limits_features): so what the driver did to *lim reaches the queue
 * before the LUN is added, or nothing does. A refused commit prints the
 * newer core's message and returns -ENXIO, which this core takes for "not
 * present": the LUN is not added and nothing else is printed, as there.
 * The copy also serves scsi_host_template_const (a writable template per
 * driver template, for .show_info's counters); a template without
 * .sdev_configure goes that shim's way (or to the core unchanged).
 * Not bridged: a driver comparing shost->hostt with its own template sees
 * the copy.
 */
#include <scsi/scsi_host.h>
#include <scsi/scsi_device.h>

#ifdef KB_ANCHOR_SCSI_HOST_TEMPLATE_DEVICE_CONFIGURE
#define sdev_configure	device_configure
/* the inline variant's name for the driver's call: the kernel's own here */
static inline struct Scsi_Host *kb_scsi_host_alloc(const struct scsi_host_template *sht, int privsize)
{
	return scsi_host_alloc(sht, privsize);
}
#else
#include <linux/blkdev.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#define KB_SDC_BOXES 4

struct kb_sdc_box {
	struct scsi_host_template sht;			/* what the core sees */
	const struct scsi_host_template *driver;	/* the driver's own */
	struct scsi_host_template src;			/* the driver's template the copy was made from */
	struct scsi_host_template made;			/* the copy as made, before anyone wrote to it */
};
#ifdef KB_BP_HOST_ALLOC
/* kb_bios_param_trampoline finds the driver's template as in its own box */
static_assert(offsetof(struct kb_sdc_box, sht) == offsetof(struct kb_bp_box, sht) &&
	      offsetof(struct kb_sdc_box, driver) == offsetof(struct kb_bp_box, driver),
	      "kbridge: scsi_sdev_configure's and scsi_bios_param_gendisk's template boxes differ");
#endif

static inline int kb_sdev_configure_trampoline(struct scsi_device *sdev)
{
	const struct scsi_host_template *drv =
		container_of(sdev->host->hostt, struct kb_sdc_box, sht)->driver;
	struct request_queue *q = sdev->request_queue;
	struct kb_queue_limits lim = kb_queue_limits_start_update(q);
	int ret = drv->sdev_configure(sdev, &lim);

	if (ret) {
		kb_queue_limits_cancel_update(q);
		return ret;
	}
	ret = kb_queue_limits_commit_update(q, &lim);
	if (ret) {
		sdev_printk(KERN_ERR, sdev, "failed to apply queue limits.\n");
		return -ENXIO;
	}
	return 0;
}

static inline struct scsi_host_template *kb_sdc_box(const struct scsi_host_template *sht)
{
	static DEFINE_MUTEX(lock);
	static struct kb_sdc_box boxes[KB_SDC_BOXES];
	struct kb_sdc_box *use = NULL;
	int i;

	mutex_lock(&lock);
	for (i = 0; i < KB_SDC_BOXES && boxes[i].driver && !use; i++)
		if (boxes[i].driver == sht)
			use = &boxes[i];
	if (!use && i < KB_SDC_BOXES)
		use = &boxes[i];
	if (!use)	/* past KB_SDC_BOXES templates in one file: one copy per host, never freed */
		use = kzalloc(sizeof(*use), GFP_KERNEL | __GFP_NOFAIL);
	/*
	 * made again when the driver changed its template since (the core reads it at each
	 * scsi_host_alloc(); storvsc and scsi_debug change can_queue between hosts), a byte
	 * the core wrote in the copy since it was made kept (6.1's proc counter and
	 * directory, the module pointer): knowledge/fragments/scsi_template_box.h's rule
	 */
	if (use->driver != sht || memcmp(&use->src, sht, sizeof(*sht))) {
		static struct scsi_host_template live;	/* under the lock */
		bool again = use->driver == sht;

		if (again)
			live = use->sht;
		use->sht = *sht;
		use->sht.slave_configure = kb_sdev_configure_trampoline;
#ifdef KB_BP_HOST_ALLOC
		/* scsi_bios_param_gendisk's new_on_old: its slot in this one copy (same box layout) */
		if (sht->bios_param)
			use->sht.kb_bios_param_kernel = kb_bios_param_trampoline;
#endif
		if (again) {
			static struct scsi_host_template fresh;	/* under the lock */
			const unsigned char *l = (const unsigned char *)&live;
			const unsigned char *m = (const unsigned char *)&use->made;
			unsigned char *c = (unsigned char *)&use->sht;
			size_t b;

			fresh = use->sht;
			for (b = 0; b < sizeof(use->sht); b++)
				if (l[b] != m[b])
					c[b] = l[b];
			use->made = fresh;
		} else {
			use->made = use->sht;
		}
		use->src = *sht;
		use->driver = sht;
	}
	mutex_unlock(&lock);
	return &use->sht;
}

#undef scsi_host_alloc
static inline struct Scsi_Host *kb_scsi_host_alloc(const struct scsi_host_template *sht, int privsize)
{
	if (sht->sdev_configure)
		return scsi_host_alloc(kb_sdc_box(sht), privsize);
#if defined(KB_BP_HOST_ALLOC)
	return kb_bp_host_alloc(sht, privsize);	/* bios_param's copy, or the const shim's */
#elif defined(KB_SCSI_HOST_ALLOC_COPY)
	return kb_scsi_host_alloc_copy(sht, privsize);
#else
	return scsi_host_alloc((struct scsi_host_template *)sht, privsize);
#endif
}
#define scsi_host_alloc(sht, privsize)	kb_scsi_host_alloc(sht, privsize)
#endif
