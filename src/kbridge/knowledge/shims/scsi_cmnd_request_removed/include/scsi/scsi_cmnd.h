/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct scsi_cmnd's request (gone in 5.15, 2266a2def97c) and SCp (gone in
 * 5.18, 8264aee803a2) members for a driver written for 5.10, on a kernel
 * whose struct scsi_cmnd has neither.
 *
 * The driver's view of the struct gets them APPENDED after the kernel's last
 * member, every kernel member at its own offset: while the kernel's header
 * is read, the declarator of host_scribble (named nowhere else in the SCSI
 * headers or what they include) is followed by
 *
 *	int result;			<- the kernel's last member, in place
 *	struct request *request;	<- appended: offset sizeof(kernel's struct)
 *	struct scsi_pointer SCp;	<- appended
 *	void (*scsi_done)(struct scsi_cmnd *);	<- appended (5.10's completion pointer,
 *					   for scsi_queuecommand_lck_done_removed)
 *	};				<- the end of struct scsi_cmnd
 *	struct kb_scsi_cmnd_kernel_tail { unsigned char *kb_host_scribble
 *
 * and the kernel's own "; int result; };" then closes that second struct,
 * which only serves the static_asserts below: they prove that the kernel's
 * struct ended with "int result;" right after host_scribble (a member after
 * it would be in the tail struct, not in the driver's view), so the
 * appended members start at the kernel's sizeof. The appended bytes live in
 * the per-command private area the core allocates (sizeof(struct scsi_cmnd)
 * + cmd_size, the core's sizeof): this rule's old_on_new.h hands the core a
 * copy of the driver's template whose cmd_size is larger by
 * KB_SCSI_CMND_TAIL_SIZE, and the driver's scsi_cmd_priv() (cmd + 1 in its
 * view) starts after them, still inside the enlarged area. The core never
 * copies a struct scsi_cmnd nor embeds one in another struct; it reaches the
 * private area only as sizeof(its struct) + cmd_size.
 */
#include "kb_config.h"
#if defined(KB_HAVE_SCSI_CMND_REQUEST_REMOVED) && defined(KB_SCSI_CMND_TAIL_OLD_ON_NEW) && \
	!defined(KB_SCSI_CMND_TAIL_WRAP)
#define KB_SCSI_CMND_TAIL_WRAP
#include <linux/build_bug.h>
#include <linux/stddef.h>

struct request;

#if defined(host_scribble) || defined(request) || defined(SCp) || defined(result) || \
	defined(scsi_done)
#error "kbridge: host_scribble, request, SCp, result or scsi_done is already a macro; the scsi_cmnd_request_removed wrapper of <scsi/scsi_cmnd.h> cannot append to struct scsi_cmnd"
#endif
#define host_scribble	host_scribble; \
		int result; \
		struct request *request; \
		struct scsi_pointer SCp; \
		void (*scsi_done)(struct scsi_cmnd *); \
	}; \
	struct kb_scsi_cmnd_kernel_tail { \
		unsigned char *kb_host_scribble
#include_next <scsi/scsi_cmnd.h>
#undef host_scribble

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: scsi_cmnd_request_removed cannot append to struct scsi_cmnd on a kernel built with CONFIG_RANDSTRUCT"
#endif
struct kb_scsi_cmnd_kernel_end {
	unsigned char *kb_host_scribble;
	int result;
};
static_assert(__builtin_types_compatible_p(typeof(((struct kb_scsi_cmnd_kernel_tail *)0)->result), int) &&
	      sizeof(struct kb_scsi_cmnd_kernel_tail) == sizeof(struct kb_scsi_cmnd_kernel_end) &&
	      offsetof(struct kb_scsi_cmnd_kernel_tail, result) ==
	      offsetof(struct kb_scsi_cmnd_kernel_end, result),
	      "kbridge: this kernel's struct scsi_cmnd does not end with host_scribble and int result; "
	      "the scsi_cmnd_request_removed wrapper does not fit it");
static_assert(offsetof(struct scsi_cmnd, result) - offsetof(struct scsi_cmnd, host_scribble) ==
	      offsetof(struct kb_scsi_cmnd_kernel_end, result) &&
	      offsetof(struct scsi_cmnd, request) ==
	      offsetof(struct scsi_cmnd, host_scribble) + sizeof(struct kb_scsi_cmnd_kernel_end) &&
	      _Alignof(struct scsi_cmnd) == _Alignof(struct kb_scsi_cmnd_kernel_end),
	      "kbridge: the members appended to struct scsi_cmnd would not start at the kernel's "
	      "sizeof; the scsi_cmnd_request_removed wrapper does not fit it");
/* what the core must allocate per command beyond its own struct, before the driver's data */
#define KB_SCSI_CMND_TAIL_SIZE	(sizeof(struct scsi_cmnd) - offsetof(struct scsi_cmnd, request))
#else
#include_next <scsi/scsi_cmnd.h>
#endif
