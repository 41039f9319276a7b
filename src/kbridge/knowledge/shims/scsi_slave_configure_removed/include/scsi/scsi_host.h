/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_host_template.slave_configure (Linux up to 6.12) on a kernel whose
 * template has only
 *	int (*sdev_configure)(struct scsi_device *, struct queue_limits *lim);
 *
 * A driver writes `.slave_configure = fn` with fn(struct scsi_device *) in
 * its template. While the kernel's header is read, the kernel's member line
 * becomes a union at the same place:
 *
 *	int (*kb_sc_pad[0])(void);
 *	union {
 *		int (*sdev_configure)(struct scsi_device *, struct queue_limits *);  <- the kernel's
 *		int (*slave_configure)(struct scsi_device *);                       <- the driver's
 *	};
 *	int (*kb_sc_pad2[0])(struct scsi_device *, struct queue_limits *lim);
 *
 * (one macro for the member's name, which occurs nowhere else in the code of
 * <scsi/scsi_host.h> or what it includes; zero-length GNU arrays take no
 * room). The static_asserts below prove that the union is one pointer in the
 * kernel's slot. What the core calls through that slot is a trampoline of
 * the kernel's type (old_on_new.h), never the driver's function: the core
 * gets a copy of the template when the driver allocates a host.
 */
#include "kb_config.h"
#if defined(KB_HAVE_SCSI_SLAVE_CONFIGURE_REMOVED) && !defined(KB_SLAVE_CONFIGURE_WRAP)
#define KB_SLAVE_CONFIGURE_WRAP
#include <linux/build_bug.h>
#include <linux/stddef.h>

struct scsi_device;
struct queue_limits;

#if defined(sdev_configure) || defined(slave_configure)
#error "kbridge: sdev_configure or slave_configure is already a macro; the scsi_slave_configure_removed wrapper of <scsi/scsi_host.h> cannot retype the slot"
#endif
#define sdev_configure	kb_sc_pad[0])(void); union { \
		int (*sdev_configure)(struct scsi_device *, struct queue_limits *); \
		int (*slave_configure)(struct scsi_device *); }; int (*kb_sc_pad2[0]
#include_next <scsi/scsi_host.h>
#undef sdev_configure

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: scsi_slave_configure_removed cannot retype scsi_host_template.sdev_configure on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(__builtin_types_compatible_p(typeof(((struct scsi_host_template *)0)->sdev_configure),
					   int (*)(struct scsi_device *, struct queue_limits *)),
	      "kbridge: this kernel's scsi_host_template.sdev_configure has another type; "
	      "the scsi_slave_configure_removed wrapper does not fit it");
static_assert(offsetof(struct scsi_host_template, slave_configure) ==
	      offsetof(struct scsi_host_template, sdev_configure) &&
	      offsetof(struct scsi_host_template, kb_sc_pad) ==
	      offsetof(struct scsi_host_template, sdev_configure) &&
	      offsetof(struct scsi_host_template, kb_sc_pad2) ==
	      offsetof(struct scsi_host_template, sdev_configure) + sizeof(void (*)(void)),
	      "kbridge: retyping scsi_host_template.sdev_configure would move a member of this "
	      "kernel's struct scsi_host_template; the wrapper does not fit it");
#else
#include_next <scsi/scsi_host.h>
#endif
