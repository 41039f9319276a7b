/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_host_alloc(const struct scsi_host_template *, int) on a kernel whose
 * scsi_host_alloc() takes a writable template. The newer kernel made the
 * template const because the SCSI core no longer writes to it. This kernel
 * writes to it in one case only: hosts with a /proc/scsi entry (.show_info
 * set) count their instances and keep the proc directory in the template
 * (present, proc_dir). Otherwise it only reads it, so passing the driver's
 * const template is the same as before. For a template with .show_info the
 * shim hands the core a writable copy made once per template (the first
 * time it is used) and used for every host of that template, so the
 * counters the core keeps stay per template as they should; a driver with
 * more such templates than the shim's table gets -ENOMEM (NULL) loudly.
 */
#include <scsi/scsi_host.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#define KB_SCSI_SHT_COPIES 4

static inline struct Scsi_Host *kb_scsi_host_alloc_copy(const struct scsi_host_template *sht, int privsize)
{
	static DEFINE_MUTEX(lock);
	static const struct scsi_host_template *orig[KB_SCSI_SHT_COPIES];
	static struct scsi_host_template *copy[KB_SCSI_SHT_COPIES];
	struct scsi_host_template *use = NULL;
	int i;

	if (!sht->show_info)
		return scsi_host_alloc((struct scsi_host_template *)sht, privsize);
	mutex_lock(&lock);
	for (i = 0; i < KB_SCSI_SHT_COPIES && orig[i]; i++)
		if (orig[i] == sht)
			use = copy[i];
	if (!use && i < KB_SCSI_SHT_COPIES) {
		use = kmemdup(sht, sizeof(*sht), GFP_KERNEL);	/* lives as long as the module */
		if (use) {
			orig[i] = sht;
			copy[i] = use;
		}
	}
	mutex_unlock(&lock);
	if (WARN_ON(!use))
		return NULL;
	return scsi_host_alloc(use, privsize);
}

/*
 * KB_SCSI_HOST_ALLOC_COPY: this shim is on (scsi_sdev_configure's new_on_old, which
 * also hands the core a copy of some templates, calls kb_scsi_host_alloc_copy for
 * the others instead of copying a copy)
 */
#define KB_SCSI_HOST_ALLOC_COPY	1
#define scsi_host_alloc(sht, privsize)	kb_scsi_host_alloc_copy(sht, privsize)
