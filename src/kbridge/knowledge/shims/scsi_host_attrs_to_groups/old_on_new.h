/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ->shost_attrs / ->sdev_attrs (the driver, Linux up to 5.15: NULL-terminated
 * arrays of struct device_attribute *) on a kernel whose core takes
 * ->shost_groups / ->sdev_groups (attribute groups).
 *
 * The older core created each of the driver's attributes with
 * device_create_file() on the host's class device (scsi_sysfs_add_host) and
 * on each SCSI device (scsi_sysfs_add_sdev): a file of the attribute's name
 * and mode directly in the device's directory, read and written through
 * device_attribute.show/store. The newer core creates the template's groups
 * with the device itself (shost_dev.groups at scsi_host_alloc,
 * sdev_gendev.groups at the device's allocation); a group with no name and
 * no is_visible gives each of its attributes a file of the attribute's name
 * and mode directly in the device's directory, read and written through the
 * same device_attribute.show/store (the device's sysfs ops). So the copy of
 * the driver's template the core gets (the template box below, shared with
 * the other old_on_new SCSI template shims) holds, in each slot, one such
 * group made of the driver's attributes, in the driver's order; the arrays
 * live in the module's data with the copy (past KB_SHT_ATTRS attributes the
 * array is allocated once per template and kept until the module goes).
 * Differences: the files appear before the device's uevent instead of just
 * after it (what the newer kernel does for its own drivers); a driver that
 * also sets .sdev_groups is refused (its slot is the one sdev_attrs lies
 * over). Not bridged: a driver comparing shost->hostt with its own template
 * sees the copy.
 */
/* the template copy: knowledge/fragments/scsi_template_box.h (how and why) */
#include "kb_fragments/scsi_template_box.h"

static inline const struct attribute_group **kb_sht_groups(struct kb_sht_group *g,
							    struct device_attribute **attrs)
{
	struct attribute **a = g->attrs;
	int n, i;

	for (n = 0; attrs[n]; n++)
		;
	if (n > KB_SHT_ATTRS)
		a = kcalloc(n + 1, sizeof(*a), GFP_KERNEL | __GFP_NOFAIL);
	for (i = 0; i < n; i++)
		a[i] = &attrs[i]->attr;
	a[n] = NULL;
	g->group.name = NULL;
	g->group.is_visible = NULL;
	g->group.attrs = a;
	g->groups[0] = &g->group;
	g->groups[1] = NULL;
	return g->groups;
}

static inline bool kb_sht_patch_attrs(const struct scsi_host_template *drv,
				      struct scsi_host_template *copy)
{
	struct kb_sht_box *box;

	if (!drv->shost_attrs && !drv->sdev_attrs)
		return false;
	if (!copy)
		return true;
	box = container_of(copy, struct kb_sht_box, sht);
	copy->shost_groups = drv->shost_attrs ? kb_sht_groups(&box->shost, drv->shost_attrs) : NULL;
	copy->sdev_groups = drv->sdev_attrs ? kb_sht_groups(&box->sdev, drv->sdev_attrs) : NULL;
	return true;
}

#undef KB_SHT_PATCH_ATTRS
#define KB_SHT_PATCH_ATTRS	kb_sht_patch_attrs
