/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_mq_ops.queue_rqs taking a struct rq_list * (Linux >= 6.13, backported
 * into stable 6.12.25 and Debian's 6.12) on a kernel whose member is
 *	void (*queue_rqs)(struct request **rqlist);
 *
 * A driver for the newer kernel writes `.queue_rqs = fn` with
 * fn(struct rq_list *) in a static const struct blk_mq_ops; the kernel
 * builds modules with -Werror=incompatible-pointer-types, and a const
 * initializer cannot be converted afterwards. So while the kernel's header
 * is read, the member's one declaration line becomes a union of the two
 * types at the same place:
 *
 *	void (*kb_qr_pad[0])(void);
 *	union {
 *		void (*queue_rqs)(struct rq_list *);                   <- the driver's view
 *		void (*kb_queue_rqs_request_list)(struct request **rqlist); <- the kernel's
 *	};
 *	void (*kb_qr_pad2[0])(void);
 *
 * (two macros for the only two identifiers of that line that occur nowhere
 * else in the kernel's include/ tree; zero-length GNU arrays take no room,
 * and a macro does not re-expand its own name). The static_asserts below
 * prove that every member keeps the kernel's offset and type -- the union
 * is one pointer in the kernel's slot between commit_rqs and get_budget --
 * and stop the build with a message on a kernel whose header differs.
 * What the kernel calls through that slot is a trampoline of the kernel's
 * type (rules/rq_list_type/new_on_old.h), never the driver's function: the
 * layer swaps the ops a tag set uses when the set is allocated.
 */
#include "kb_config.h"
#if !defined(KB_HAVE_RQ_LIST_TYPE) && !defined(KB_RQ_LIST_TYPE_LIST)
#define KB_RQ_LIST_TYPE_LIST
struct request;
/* Linux >= 6.13's list of requests (documented in its <linux/blkdev.h>) */
struct rq_list {
	struct request *head;
	struct request *tail;
};
#endif
/*
 * A kernel without any queue_rqs slot (5.10: rule blk_mq_ops_newer_signatures
 * says "old", and its wrapper keeps the driver's queue_rqs) has nothing to retype.
 */
#if !defined(KB_HAVE_RQ_LIST_TYPE) && defined(KB_HAVE_BLK_MQ_OPS_NEWER_SIGNATURES) && \
	!defined(KB_RQ_LIST_TYPE_WRAP)
#define KB_RQ_LIST_TYPE_WRAP
#include <linux/build_bug.h>
#include <linux/stddef.h>

#if defined(queue_rqs) || defined(rqlist)
#error "kbridge: queue_rqs or rqlist is already a macro; the rq_list_type wrapper of <linux/blk-mq.h> cannot retype blk_mq_ops.queue_rqs"
#endif
#define queue_rqs	kb_qr_pad[0])(void); union { void (*queue_rqs)(struct rq_list *); void (*kb_queue_rqs_request_list
#define rqlist		rqlist); }; void (*kb_qr_pad2[0])(void
#include_next <linux/blk-mq.h>
#undef queue_rqs
#undef rqlist

#ifdef CONFIG_RANDSTRUCT
/* the randstruct plugin shuffles all-function-pointer structs by their declared shape */
#error "kbridge: rq_list_type cannot retype blk_mq_ops.queue_rqs on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(__builtin_types_compatible_p(typeof(((struct blk_mq_ops *)0)->kb_queue_rqs_request_list),
					   void (*)(struct request **)),
	      "kbridge: this kernel's blk_mq_ops.queue_rqs is not void (*)(struct request **); "
	      "the rq_list_type wrapper does not fit it");
static_assert(offsetof(struct blk_mq_ops, queue_rqs) ==
	      offsetof(struct blk_mq_ops, kb_queue_rqs_request_list) &&
	      offsetof(struct blk_mq_ops, queue_rqs) ==
	      offsetof(struct blk_mq_ops, commit_rqs) + sizeof(void (*)(void)) &&
	      offsetof(struct blk_mq_ops, get_budget) ==
	      offsetof(struct blk_mq_ops, queue_rqs) + sizeof(void (*)(void)) &&
	      sizeof(((struct blk_mq_ops *)0)->queue_rqs) == sizeof(void (*)(void)) &&
	      __alignof__(struct blk_mq_ops) == __alignof__(void (*)(void)),
	      "kbridge: retyping blk_mq_ops.queue_rqs would move a member of this kernel's "
	      "struct blk_mq_ops; the rq_list_type wrapper does not fit it");
#else
#include_next <linux/blk-mq.h>
#endif
