/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_host_template.sdev_configure(sdev, lim) (Linux 7.2, 7.3) on a kernel
 * whose template has only the older
 *	int (* slave_configure)(struct scsi_device *);
 * and no callback taking the queue limits (5.10, 6.1: no device_configure
 * either; a kernel with device_configure gets a plain rename, new_on_old.h).
 *
 * A driver writes `.sdev_configure = fn` with fn(sdev, lim). While the
 * kernel's header is read, the kernel's member line becomes a union at the
 * same place:
 *
 *	int (*kb_sdc_pad[0])(void);
 *	union {
 *		int (*slave_configure)(struct scsi_device *);                      <- the kernel's
 *		int (*sdev_configure)(struct scsi_device *, struct kb_queue_limits *); <- the driver's
 *	};
 *	int (*kb_sdc_pad2[0])(struct scsi_device *);
 *
 * (one macro for the member's name, which occurs nowhere else in the code of
 * <scsi/scsi_host.h> or what it includes, only in comments; zero-length GNU
 * arrays take no room). struct kb_queue_limits is what the driver's struct
 * queue_limits is on this kernel: the newer shape (rule queue_limits_features,
 * which this rule needs, in the layer by renaming the name after
 * <linux/blkdev.h>, in the inline variant in the driver's spots). The static_asserts prove that the union is one pointer in the
 * kernel's slot. What the core calls through that slot is a trampoline of
 * the kernel's type (new_on_old.h), never the driver's function: the core
 * gets a copy of the template when the driver allocates a host.
 */
#include "kb_config.h"
#if defined(KB_OLD_SCSI_SDEV_CONFIGURE) && !defined(KB_HAVE_SCSI_SDEV_CONFIGURE) && \
	!defined(KB_ANCHOR_SCSI_HOST_TEMPLATE_DEVICE_CONFIGURE) && !defined(KB_SDEV_CONFIGURE_WRAP)
#define KB_SDEV_CONFIGURE_WRAP
#include <linux/build_bug.h>
#include <linux/stddef.h>

struct scsi_device;
struct kb_queue_limits;

#if defined(sdev_configure) || defined(slave_configure)
#error "kbridge: sdev_configure or slave_configure is already a macro; the scsi_sdev_configure wrapper of <scsi/scsi_host.h> cannot retype the slot"
#endif
#define slave_configure	kb_sdc_pad[0])(void); union { \
		int (*slave_configure)(struct scsi_device *); \
		int (*sdev_configure)(struct scsi_device *, struct kb_queue_limits *); }; \
		int (*kb_sdc_pad2[0]
#include_next <scsi/scsi_host.h>
#undef slave_configure

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: scsi_sdev_configure cannot retype scsi_host_template.slave_configure on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(__builtin_types_compatible_p(typeof(((struct scsi_host_template *)0)->slave_configure),
					   int (*)(struct scsi_device *)),
	      "kbridge: this kernel's scsi_host_template.slave_configure has another type; "
	      "the scsi_sdev_configure wrapper does not fit it");
static_assert(offsetof(struct scsi_host_template, slave_configure) ==
	      offsetof(struct scsi_host_template, sdev_configure) &&
	      offsetof(struct scsi_host_template, kb_sdc_pad) ==
	      offsetof(struct scsi_host_template, slave_configure) &&
	      offsetof(struct scsi_host_template, kb_sdc_pad2) ==
	      offsetof(struct scsi_host_template, slave_configure) + sizeof(void (*)(void)),
	      "kbridge: retyping scsi_host_template.slave_configure would move a member of this "
	      "kernel's struct scsi_host_template; the wrapper does not fit it");
#else
#include_next <scsi/scsi_host.h>
#endif
