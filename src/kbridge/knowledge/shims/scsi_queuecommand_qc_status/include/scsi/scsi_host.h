/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_host_template.queuecommand returning int (Linux up to 6.12) on a
 * kernel whose member is
 *	enum scsi_qc_status (*queuecommand)(struct Scsi_Host *, struct scsi_cmnd *);
 *
 * A driver writes `.queuecommand = fn` with an int-returning fn; gcc 16
 * refuses the initialization. While the kernel's header is read, the
 * member's declaration becomes a union at the same place:
 *
 *	enum scsi_qc_status (*kb_qc_pad[0])(void);
 *	union {
 *		int (*queuecommand)(struct Scsi_Host *, struct scsi_cmnd *);          <- the driver's
 *		enum scsi_qc_status (*kb_queuecommand_kernel)(struct Scsi_Host *,
 *							      struct scsi_cmnd *);   <- the kernel's
 *	};
 *	enum scsi_qc_status (*kb_qc_pad2[0])(struct Scsi_Host *, struct scsi_cmnd *);
 *
 * (one macro for the member's name, which occurs nowhere else in the code of
 * <scsi/scsi_host.h> or what it includes; zero-length GNU arrays take no
 * room). The static_asserts below prove that the union is one pointer in the
 * kernel's slot. What the core calls through that slot is a trampoline of
 * the kernel's type (old_on_new.h): the core gets a copy of the template when
 * the driver allocates a host.
 */
#include "kb_config.h"
#if defined(KB_HAVE_SCSI_QUEUECOMMAND_QC_STATUS) && defined(KB_SCSI_QC_STATUS_OLD_ON_NEW) && \
	!defined(KB_QUEUECOMMAND_WRAP)
#define KB_QUEUECOMMAND_WRAP
#include <linux/build_bug.h>
#include <linux/stddef.h>

struct Scsi_Host;
struct scsi_cmnd;

#if defined(queuecommand)
#error "kbridge: queuecommand is already a macro; the scsi_queuecommand_qc_status wrapper of <scsi/scsi_host.h> cannot retype the slot"
#endif
#define queuecommand	kb_qc_pad[0])(void); union { \
		int (*queuecommand)(struct Scsi_Host *, struct scsi_cmnd *); \
		enum scsi_qc_status (*kb_queuecommand_kernel)(struct Scsi_Host *, struct scsi_cmnd *); }; \
		enum scsi_qc_status (*kb_qc_pad2[0]
#include_next <scsi/scsi_host.h>
#undef queuecommand

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: scsi_queuecommand_qc_status cannot retype scsi_host_template.queuecommand on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(offsetof(struct scsi_host_template, queuecommand) ==
	      offsetof(struct scsi_host_template, kb_queuecommand_kernel) &&
	      offsetof(struct scsi_host_template, kb_qc_pad) ==
	      offsetof(struct scsi_host_template, queuecommand) &&
	      offsetof(struct scsi_host_template, kb_qc_pad2) ==
	      offsetof(struct scsi_host_template, queuecommand) + sizeof(void (*)(void)),
	      "kbridge: retyping scsi_host_template.queuecommand would move a member of this "
	      "kernel's struct scsi_host_template; the wrapper does not fit it");
#else
#include_next <scsi/scsi_host.h>
#endif
