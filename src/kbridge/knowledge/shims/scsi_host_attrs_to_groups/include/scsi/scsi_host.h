/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_host_template.shost_attrs / .sdev_attrs (Linux up to 5.15: NULL-
 * terminated arrays of struct device_attribute *) on a kernel whose template
 * has only
 *	const struct attribute_group **shost_groups;
 *	const struct attribute_group **sdev_groups;
 *
 * A driver writes `.shost_attrs = foo_attrs` (and/or .sdev_attrs). While the
 * kernel's header is read, each of the kernel's two member lines becomes a
 * union at the same place:
 *
 *	const struct attribute_group **kb_shg_pad[0];
 *	union {
 *		const struct attribute_group **shost_groups;   <- the kernel's
 *		struct device_attribute **shost_attrs;         <- the driver's
 *	};
 *	const struct attribute_group **kb_shg_pad2[0];
 *
 * (and the same for sdev_groups/sdev_attrs; each name occurs once in the code
 * of <scsi/scsi_host.h> and nowhere in what it includes; zero-length GNU
 * arrays take no room). The static_asserts below prove that each union is one
 * pointer in the kernel's slot. What the core reads from those slots is never
 * the driver's array: the core gets a copy of the template when the driver
 * allocates a host, whose slots hold attribute groups made of the driver's
 * attributes (old_on_new.h).
 */
#include "kb_config.h"
#if defined(KB_HAVE_SCSI_HOST_ATTRS_TO_GROUPS) && !defined(KB_SCSI_ATTRS_WRAP)
#define KB_SCSI_ATTRS_WRAP
#include <linux/build_bug.h>
#include <linux/stddef.h>

struct attribute_group;
struct device_attribute;

#if defined(shost_groups) || defined(sdev_groups) || defined(shost_attrs) || defined(sdev_attrs)
#error "kbridge: shost_groups, sdev_groups, shost_attrs or sdev_attrs is already a macro; the scsi_host_attrs_to_groups wrapper of <scsi/scsi_host.h> cannot retype the slots"
#endif
#define shost_groups	kb_shg_pad[0]; union { \
		const struct attribute_group **shost_groups; \
		struct device_attribute **shost_attrs; }; \
		const struct attribute_group **kb_shg_pad2[0]
#define sdev_groups	kb_sdg_pad[0]; union { \
		const struct attribute_group **sdev_groups; \
		struct device_attribute **sdev_attrs; }; \
		const struct attribute_group **kb_sdg_pad2[0]
#include_next <scsi/scsi_host.h>
#undef shost_groups
#undef sdev_groups

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: scsi_host_attrs_to_groups cannot retype scsi_host_template's groups on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(__builtin_types_compatible_p(typeof(((struct scsi_host_template *)0)->shost_groups),
					   const struct attribute_group **) &&
	      __builtin_types_compatible_p(typeof(((struct scsi_host_template *)0)->sdev_groups),
					   const struct attribute_group **),
	      "kbridge: this kernel's scsi_host_template groups have another type; "
	      "the scsi_host_attrs_to_groups wrapper does not fit it");
static_assert(offsetof(struct scsi_host_template, shost_attrs) ==
	      offsetof(struct scsi_host_template, shost_groups) &&
	      offsetof(struct scsi_host_template, kb_shg_pad) ==
	      offsetof(struct scsi_host_template, shost_groups) &&
	      offsetof(struct scsi_host_template, kb_shg_pad2) ==
	      offsetof(struct scsi_host_template, shost_groups) + sizeof(void *) &&
	      offsetof(struct scsi_host_template, sdev_attrs) ==
	      offsetof(struct scsi_host_template, sdev_groups) &&
	      offsetof(struct scsi_host_template, kb_sdg_pad) ==
	      offsetof(struct scsi_host_template, sdev_groups) &&
	      offsetof(struct scsi_host_template, kb_sdg_pad2) ==
	      offsetof(struct scsi_host_template, sdev_groups) + sizeof(void *),
	      "kbridge: retyping scsi_host_template's groups would move a member of this "
	      "kernel's struct scsi_host_template; the wrapper does not fit it");
#else
#include_next <scsi/scsi_host.h>
#endif
