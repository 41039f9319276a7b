/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The blk_mq_ops callbacks of the newer kernels on a kernel (5.10) that
 * declares them
 *
 *	enum blk_eh_timer_return (*timeout)(struct request *, bool);
 *	int (*poll)(struct blk_mq_hw_ctx *);
 *	void (*initialize_rq_fn)(struct request *rq);
 *	int (*map_queues)(struct blk_mq_tag_set *set);
 *
 * and has no queue_rqs. A driver for the newer kernel writes, in a static
 * const struct blk_mq_ops, .timeout(rq), .poll(hctx, iob), .map_queues
 * returning void and .queue_rqs(struct rq_list *); the kernel builds
 * modules with -Werror=incompatible-pointer-types and a const initializer
 * cannot be converted afterwards. So while the kernel's header is read,
 * each of those declaration lines becomes a union of the driver's type and
 * the kernel's at the kernel's place:
 *
 *	enum blk_eh_timer_return (*kb_bmo_pad0[0])(void);
 *	union {
 *		enum blk_eh_timer_return (*timeout)(struct request *);      <- the driver's view
 *		enum blk_eh_timer_return (*kb_timeout_reserved)(struct request *, bool); <- the kernel's
 *	};
 *	enum blk_eh_timer_return (*kb_bmo_pad1[0])(struct request *, bool);
 *
 * and the same for poll (kb_poll_hctx), map_queues (kb_map_queues_int) and
 * the kernel's initialize_rq_fn, in whose slot the driver's queue_rqs is
 * kept (the member does not exist on the newer kernels, so a driver written
 * for them never sets it). Each macro is the only identifier of its line
 * that occurs nowhere else in this kernel's <linux/blk-mq.h> (for timeout:
 * blk_eh_timer_return followed by '(', a function-like macro; the enum
 * itself is defined in <linux/blkdev.h>, read first); a macro does not
 * re-expand its own name, and zero-length GNU arrays take no room. The
 * static_asserts below prove that each member keeps the kernel's offset and
 * type and stop the build with a message on a kernel whose header differs.
 * What the kernel calls through those slots are trampolines of its own
 * types (rules/blk_mq_ops_newer_signatures/new_on_old.h), never the
 * driver's functions: the layer gives a tag set a copy of its ops when the
 * set is allocated.
 */
#include "kb_config.h"
#if !defined(KB_HAVE_BLK_MQ_OPS_NEWER_SIGNATURES) && !defined(KB_BMO_WRAP)
#define KB_BMO_WRAP
/* what the kernel's header includes, read before the macros exist */
#include <linux/blkdev.h>
#include <linux/sbitmap.h>
#include <linux/srcu.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>

struct request;
struct blk_mq_hw_ctx;
struct blk_mq_tag_set;
struct rq_list;
struct io_comp_batch;

#if defined(poll) || defined(map_queues) || defined(initialize_rq_fn) || defined(blk_eh_timer_return)
#error "kbridge: poll, map_queues, initialize_rq_fn or blk_eh_timer_return is already a macro; the blk_mq_ops_newer_signatures wrapper of <linux/blk-mq.h> cannot retype blk_mq_ops"
#endif
#define blk_eh_timer_return(x)	blk_eh_timer_return (*kb_bmo_pad0[0])(void); \
	union { enum blk_eh_timer_return (*timeout)(struct request *); \
		enum blk_eh_timer_return (*kb_timeout_reserved)(struct request *, bool); }; \
	enum blk_eh_timer_return (*kb_bmo_pad1[0])
#define poll	kb_bmo_pad2[0])(void); \
	union { int (*poll)(struct blk_mq_hw_ctx *, struct io_comp_batch *); \
		int (*kb_poll_hctx)(struct blk_mq_hw_ctx *); }; \
	int (*kb_bmo_pad3[0]
#define initialize_rq_fn	kb_bmo_pad4[0])(void); \
	union { void (*queue_rqs)(struct rq_list *); \
		void (*initialize_rq_fn)(struct request *rq); }; \
	void (*kb_bmo_pad5[0]
#define map_queues	kb_bmo_pad6[0])(void); \
	union { void (*map_queues)(struct blk_mq_tag_set *); \
		int (*kb_map_queues_int)(struct blk_mq_tag_set *set); }; \
	int (*kb_bmo_pad7[0]
#include_next <linux/blk-mq.h>
#undef blk_eh_timer_return
#undef poll
#undef initialize_rq_fn
#undef map_queues

#ifdef CONFIG_RANDSTRUCT
/* the randstruct plugin shuffles all-function-pointer structs by their declared shape */
#error "kbridge: blk_mq_ops_newer_signatures cannot retype blk_mq_ops on a kernel built with CONFIG_RANDSTRUCT"
#endif
#define KB_BMO_SLOT(m)	offsetof(struct blk_mq_ops, m)
#define KB_BMO_PTR	sizeof(void (*)(void))
static_assert(__builtin_types_compatible_p(typeof(((struct blk_mq_ops *)0)->kb_timeout_reserved),
					   enum blk_eh_timer_return (*)(struct request *, bool)) &&
	      __builtin_types_compatible_p(typeof(((struct blk_mq_ops *)0)->kb_poll_hctx),
					   int (*)(struct blk_mq_hw_ctx *)) &&
	      __builtin_types_compatible_p(typeof(((struct blk_mq_ops *)0)->initialize_rq_fn),
					   void (*)(struct request *)) &&
	      __builtin_types_compatible_p(typeof(((struct blk_mq_ops *)0)->kb_map_queues_int),
					   int (*)(struct blk_mq_tag_set *)),
	      "kbridge: this kernel's blk_mq_ops.timeout/poll/initialize_rq_fn/map_queues are not "
	      "5.10's; the blk_mq_ops_newer_signatures wrapper does not fit them");
static_assert(KB_BMO_SLOT(timeout) == KB_BMO_SLOT(kb_timeout_reserved) &&
	      KB_BMO_SLOT(timeout) == KB_BMO_SLOT(put_budget) + KB_BMO_PTR &&
	      KB_BMO_SLOT(poll) == KB_BMO_SLOT(kb_poll_hctx) &&
	      KB_BMO_SLOT(poll) == KB_BMO_SLOT(timeout) + KB_BMO_PTR &&
	      KB_BMO_SLOT(complete) == KB_BMO_SLOT(poll) + KB_BMO_PTR &&
	      KB_BMO_SLOT(queue_rqs) == KB_BMO_SLOT(initialize_rq_fn) &&
	      KB_BMO_SLOT(initialize_rq_fn) == KB_BMO_SLOT(exit_request) + KB_BMO_PTR &&
	      KB_BMO_SLOT(cleanup_rq) == KB_BMO_SLOT(initialize_rq_fn) + KB_BMO_PTR &&
	      KB_BMO_SLOT(map_queues) == KB_BMO_SLOT(kb_map_queues_int) &&
	      KB_BMO_SLOT(map_queues) == KB_BMO_SLOT(busy) + KB_BMO_PTR &&
	      sizeof(((struct blk_mq_ops *)0)->timeout) == KB_BMO_PTR &&
	      sizeof(((struct blk_mq_ops *)0)->poll) == KB_BMO_PTR &&
	      sizeof(((struct blk_mq_ops *)0)->queue_rqs) == KB_BMO_PTR &&
	      sizeof(((struct blk_mq_ops *)0)->map_queues) == KB_BMO_PTR &&
#ifdef CONFIG_BLK_DEBUG_FS
	      KB_BMO_SLOT(show_rq) == KB_BMO_SLOT(map_queues) + KB_BMO_PTR &&
	      sizeof(struct blk_mq_ops) == KB_BMO_SLOT(show_rq) + KB_BMO_PTR &&
#else
	      sizeof(struct blk_mq_ops) == KB_BMO_SLOT(map_queues) + KB_BMO_PTR &&
#endif
	      __alignof__(struct blk_mq_ops) == __alignof__(void (*)(void)),
	      "kbridge: retyping blk_mq_ops would move a member of this kernel's struct "
	      "blk_mq_ops; the blk_mq_ops_newer_signatures wrapper does not fit it");
#undef KB_BMO_SLOT
#undef KB_BMO_PTR
#else
#include_next <linux/blk-mq.h>
#endif
