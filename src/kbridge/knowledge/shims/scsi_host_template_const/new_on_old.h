/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_host_alloc(const struct scsi_host_template *, int) on a kernel whose
 * scsi_host_alloc() takes a writable template. The newer kernel made the
 * template const because its SCSI core no longer writes to it. This kernel
 * (5.10's and 6.1's drivers/scsi) writes to the host's template in two
 * places: scsi_device_dev_release() sets its module pointer to NULL when a
 * device of the host is released while the module is going (rmmod: the
 * driver's exit removes its hosts), for every template; and hosts with a
 * /proc/scsi entry (.show_info, CONFIG_SCSI_PROC_FS) count their instances and
 * keep the proc directory in the template (present, proc_dir). A const
 * template lies in the module's read-only data, where the first write oopses
 * (the removal that 6.1 does at every rmmod of a host with devices). So the
 * shim hands the core a writable copy of every template, made the first time
 * it is used and used for every host of that template, so the counters the
 * core keeps stay per template as they should; a driver with more templates
 * than the shim's table gets -ENOMEM (NULL) loudly. The core reads the
 * template at each scsi_host_alloc(), and a newer driver whose template is
 * not const changes it between two hosts (storvsc's can_queue, scsi_debug's
 * from a module parameter): when the driver's template differs from the one
 * its copy was made from, the copy is made again from it in place, and a byte
 * of the copy that changed since it was made (what this core wrote there: the
 * proc counter and directory, the module pointer) stays as it is -- as
 * knowledge/fragments/scsi_template_box.h does for the other SCSI shims. The copies are the module's data (a static table), as the driver's
 * own template is: they live exactly as long as it, and a module loaded again
 * starts with a fresh table (a heap copy would outlive the module: one leaked
 * per load). Not bridged: shost->hostt is the copy, so a driver comparing it
 * with the address of its own template finds them different.
 */
#include <scsi/scsi_host.h>
#include <linux/mutex.h>
#include <linux/string.h>

#define KB_SCSI_SHT_COPIES 8

static inline struct Scsi_Host *kb_scsi_host_alloc_copy(const struct scsi_host_template *sht, int privsize)
{
	static DEFINE_MUTEX(lock);
	static const struct scsi_host_template *orig[KB_SCSI_SHT_COPIES];
	static struct scsi_host_template copy[KB_SCSI_SHT_COPIES];
	static struct scsi_host_template src[KB_SCSI_SHT_COPIES];	/* what each copy was made from */
	static struct scsi_host_template made[KB_SCSI_SHT_COPIES];	/* each copy as made */
	struct scsi_host_template *use = NULL;
	int i;

	mutex_lock(&lock);
	for (i = 0; i < KB_SCSI_SHT_COPIES && orig[i]; i++)
		if (orig[i] == sht) {
			use = &copy[i];
			break;
		}
	if (!use && i < KB_SCSI_SHT_COPIES) {
		use = &copy[i];		/* the module's data: unloaded with it */
		*use = *sht;
		made[i] = *use;
		src[i] = *sht;
		orig[i] = sht;
	} else if (use && memcmp(&src[i], sht, sizeof(*sht))) {
		/* the driver changed its template since: made again, what the core wrote kept */
		const unsigned char *l = (const unsigned char *)use, *m = (const unsigned char *)&made[i];
		static struct scsi_host_template fresh;		/* under the lock */
		unsigned char *f = (unsigned char *)&fresh;
		size_t b;

		fresh = *sht;
		for (b = 0; b < sizeof(fresh); b++)
			if (l[b] != m[b])
				f[b] = l[b];
		made[i] = *sht;
		src[i] = *sht;
		*use = fresh;
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
