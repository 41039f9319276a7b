/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge fragment scsi_template_box: the copy of a SCSI host template that
 * the core gets, for the old_on_new shims of scsi_slave_configure_removed,
 * scsi_queuecommand_qc_status, scsi_host_attrs_to_groups and
 * scsi_cmnd_request_removed, and both of scsi_bios_param_gendisk (manifest
 * `fragments = ["scsi_template_box"]`; each includes this file, the first one
 * defines it). scsi_host_alloc() hands the core a copy of the driver's
 * template -- made once per template and kept in the module's data, so it
 * lives as long as the driver's own template -- in which each shim that is on
 * has put its trampoline or its groups (KB_SHT_PATCH_*: a shim #undefs the
 * NULL default and names its patch function; the macros are expanded where
 * the driver calls scsi_host_alloc, after every shim). A trampoline finds the
 * driver's own template from the host's (shost->hostt is the copy). A template
 * no shim needs to patch goes to the core unchanged. Past KB_SHT_BOXES
 * templates in one file, a copy is allocated per host and never freed (a
 * small leak on a path no driver takes, never a wrong call).
 *
 * The core reads the template at each scsi_host_alloc(), and drivers change
 * theirs between two hosts (storvsc's can_queue from the device's channels,
 * aic7xxx's name, scsi_debug's can_queue from a module parameter): when the
 * driver's template differs from the one its copy was made from, the copy is
 * made again from it, in place (the hosts of the template keep one copy, as
 * they share the driver's own), with every shim's patch -- and a byte of the
 * copy that changed since it was made (what the core, or the driver through
 * shost->hostt, wrote there: 6.1's proc counter and directory) stays as it is.
 */
#ifndef KB_SHT_BOX_H
#define KB_SHT_BOX_H
#include <scsi/scsi_host.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#define KB_SHT_BOXES 4
#define KB_SHT_ATTRS 32

/* an attribute group made of a NULL-terminated array of device attributes */
struct kb_sht_group {
	const struct attribute_group *groups[2];
	struct attribute_group group;
	struct attribute *attrs[KB_SHT_ATTRS + 1];
};

struct kb_sht_box {
	struct scsi_host_template sht;			/* what the core sees */
	const struct scsi_host_template *driver;	/* the driver's own */
	struct kb_sht_group shost, sdev;		/* scsi_host_attrs_to_groups */
	struct scsi_host_template cmnd_next;		/* scsi_cmnd_request_removed: the slots it wraps */
	struct scsi_host_template src;			/* the driver's template the copy was made from */
	struct scsi_host_template made;			/* the copy as made, before anyone wrote to it */
};

/*
 * After the copy *box->sht was made again from the driver's changed template:
 * the bytes of *live (the copy before) that differ from box->made (written since
 * it was made) go back, the copy as made is remembered. Under the box's lock.
 */
static inline void kb_sht_keep_written(struct scsi_host_template *copy,
				       const struct scsi_host_template *live,
				       struct scsi_host_template *made)
{
	static struct scsi_host_template fresh;		/* under the caller's lock */
	const unsigned char *l = (const unsigned char *)live, *m = (const unsigned char *)made;
	unsigned char *c = (unsigned char *)copy;
	size_t i;

	fresh = *copy;
	for (i = 0; i < sizeof(*copy); i++)
		if (l[i] != m[i])
			c[i] = l[i];
	*made = fresh;
}

/* the driver's own template of a host whose template is a kb_sht_box copy */
static inline const struct scsi_host_template *kb_sht_driver(const struct scsi_host_template *hostt)
{
	return container_of(hostt, struct kb_sht_box, sht)->driver;
}

/*
 * A shim's patch: true when the driver's template *drv needs it (a slot of the
 * driver's type is set); with *copy*, it also puts its trampoline in the copy.
 */
typedef bool (*kb_sht_patch_t)(const struct scsi_host_template *drv, struct scsi_host_template *copy);

static inline struct scsi_host_template *kb_sht_box(const struct scsi_host_template *sht,
						     kb_sht_patch_t p1, kb_sht_patch_t p2,
						     kb_sht_patch_t p3, kb_sht_patch_t p4,
						     kb_sht_patch_t p5)
{
	static DEFINE_MUTEX(lock);
	static struct kb_sht_box boxes[KB_SHT_BOXES];
	struct kb_sht_box *use = NULL;
	int i;

	if (!((p1 && p1(sht, NULL)) || (p2 && p2(sht, NULL)) || (p3 && p3(sht, NULL)) ||
	      (p4 && p4(sht, NULL)) || (p5 && p5(sht, NULL))))
		return (struct scsi_host_template *)sht;
	mutex_lock(&lock);
	for (i = 0; i < KB_SHT_BOXES && boxes[i].driver && !use; i++)
		if (boxes[i].driver == sht)
			use = &boxes[i];
	if (!use && i < KB_SHT_BOXES)
		use = &boxes[i];
	if (!use)
		use = kzalloc(sizeof(*use), GFP_KERNEL | __GFP_NOFAIL);
	if (use->driver != sht || memcmp(&use->src, sht, sizeof(*sht))) {
		static struct scsi_host_template live;	/* under the lock */
		bool again = use->driver == sht;

		if (again)
			live = use->sht;
		use->sht = *sht;
		if (p1)
			p1(sht, &use->sht);
		if (p2)
			p2(sht, &use->sht);
		if (p3)
			p3(sht, &use->sht);
		if (p5)
			p5(sht, &use->sht);
		if (p4)		/* last: it wraps the slots as the others left them */
			p4(sht, &use->sht);
		if (again)
			kb_sht_keep_written(&use->sht, &live, &use->made);
		else
			use->made = use->sht;
		use->src = *sht;
		use->driver = sht;
	}
	mutex_unlock(&lock);
	return &use->sht;
}

#define scsi_host_alloc(sht, privsize)	\
	scsi_host_alloc(kb_sht_box(sht, KB_SHT_PATCH_SLAVE_CONFIGURE, KB_SHT_PATCH_QUEUECOMMAND, \
				   KB_SHT_PATCH_ATTRS, KB_SHT_PATCH_CMND, KB_SHT_PATCH_BIOS_PARAM), \
			privsize)
#endif
#ifndef KB_SHT_PATCH_SLAVE_CONFIGURE
#define KB_SHT_PATCH_SLAVE_CONFIGURE	NULL
#endif
#ifndef KB_SHT_PATCH_QUEUECOMMAND
#define KB_SHT_PATCH_QUEUECOMMAND	NULL
#endif
#ifndef KB_SHT_PATCH_ATTRS
#define KB_SHT_PATCH_ATTRS	NULL
#endif
#ifndef KB_SHT_PATCH_CMND
#define KB_SHT_PATCH_CMND	NULL
#endif
#ifndef KB_SHT_PATCH_BIOS_PARAM
#define KB_SHT_PATCH_BIOS_PARAM	NULL
#endif
