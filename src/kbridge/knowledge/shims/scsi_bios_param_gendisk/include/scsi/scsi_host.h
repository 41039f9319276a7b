/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_host_template.bios_param of the driver's kernel on a kernel whose
 * member takes the other argument: struct block_device * (Linux up to 6.12)
 * or struct gendisk * (7.2, 7.3):
 *
 *	int (*bios_param)(struct scsi_device *, struct block_device *, sector_t, int []);
 *	int (*bios_param)(struct scsi_device *, struct gendisk *, sector_t, int []);
 *
 * A driver writes `.bios_param = fn` with its kernel's type; gcc refuses (or
 * warns about) the initialization on the other. While the kernel's header is
 * read, the member's declaration becomes a union at the same place, the
 * driver's type named bios_param and the kernel's kb_bios_param_kernel, with
 * zero-length GNU arrays of pointers around it (no room taken); the member's
 * name occurs nowhere else in <scsi/scsi_host.h> or what it includes. The
 * static_asserts below prove the union is one pointer in the kernel's slot.
 * The core calls, through that slot, a trampoline of the kernel's type (the
 * direction's header): it gets a copy of the template when the driver
 * allocates a host.
 */
#include "kb_config.h"
#if ((defined(KB_SCSI_BIOS_PARAM_OLD_ON_NEW) && defined(KB_HAVE_SCSI_BIOS_PARAM_GENDISK)) || \
     (defined(KB_SCSI_BIOS_PARAM_NEW_ON_OLD) && !defined(KB_HAVE_SCSI_BIOS_PARAM_GENDISK))) && \
	!defined(KB_BIOS_PARAM_WRAP)
#define KB_BIOS_PARAM_WRAP
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

struct scsi_device;
struct block_device;
struct gendisk;

#ifdef KB_HAVE_SCSI_BIOS_PARAM_GENDISK
#define KB_BIOS_PARAM_DRIVER_ARG	struct block_device
#define KB_BIOS_PARAM_KERNEL_ARG	struct gendisk
#else
#define KB_BIOS_PARAM_DRIVER_ARG	struct gendisk
#define KB_BIOS_PARAM_KERNEL_ARG	struct block_device
#endif

#if defined(bios_param)
#error "kbridge: bios_param is already a macro; the scsi_bios_param_gendisk wrapper of <scsi/scsi_host.h> cannot retype the slot"
#endif
#define bios_param	kb_bp_pad[0])(void); union { \
		int (*bios_param)(struct scsi_device *, KB_BIOS_PARAM_DRIVER_ARG *, sector_t, int []); \
		int (*kb_bios_param_kernel)(struct scsi_device *, KB_BIOS_PARAM_KERNEL_ARG *, sector_t, \
					    int []); }; \
		int (*kb_bp_pad2[0]
#include_next <scsi/scsi_host.h>
#undef bios_param

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: scsi_bios_param_gendisk cannot retype scsi_host_template.bios_param on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(offsetof(struct scsi_host_template, bios_param) ==
	      offsetof(struct scsi_host_template, kb_bios_param_kernel) &&
	      offsetof(struct scsi_host_template, kb_bp_pad) ==
	      offsetof(struct scsi_host_template, bios_param) &&
	      offsetof(struct scsi_host_template, kb_bp_pad2) ==
	      offsetof(struct scsi_host_template, bios_param) + sizeof(void (*)(void)),
	      "kbridge: retyping scsi_host_template.bios_param would move a member of this "
	      "kernel's struct scsi_host_template; the wrapper does not fit it");
#else
#include_next <scsi/scsi_host.h>
#endif
