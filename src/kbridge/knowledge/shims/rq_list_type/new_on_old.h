/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct rq_list and its helpers (Linux >= 6.13, backported into stable
 * 6.12.25 and Debian's 6.12), and blk_mq_ops.queue_rqs(struct rq_list *), on a kernel whose
 * request lists are bare singly linked struct request * chains and which
 * calls queue_rqs(struct request **).
 *
 * The struct itself and the retyped ops member come from this rule's wrapper
 * of <linux/blk-mq.h> (compat/include); this part, applied after the
 * kernel's header:
 *
 * - the helpers, written from the newer kernel's documented behaviour: a
 *   list is { head, tail }, empty when head is NULL; add_tail/add_head keep
 *   tail; pop unlinks the head and clears its rq_next (the older kernel's
 *   pop left it set); peek returns the head. This kernel's rq_list_* macros
 *   take a struct request **; its own header is their only user and has
 *   been expanded by now, so they are replaced by the kb_ versions;
 *
 * - the calls: this kernel calls ops->queue_rqs(&plug->mq_list) with a
 *   non-empty chain of requests of one queue, and queues individually
 *   whatever the driver leaves in it. blk_mq_alloc_tag_set() (and
 *   blk_mq_alloc_sq_tag_set()) of a set whose ops have queue_rqs give the set
 *   a copy of the ops whose queue_rqs is kb_queue_rqs_trampoline, boxed with
 *   the driver's function. The trampoline finds the box from the first
 *   request's queue (q->mq_ops is the set's ops), turns the chain into a
 *   struct rq_list in submission order (this kernel's chain is newest first,
 *   the newer kernel's oldest first), calls the driver's function and hands
 *   back what the driver left in the list, which this kernel then issues one
 *   by one in list order -- what the newer kernel does with it. blk_mq_free_tag_set() frees the box after the kernel has
 *   freed the set, which is as long as the kernel itself may use set->ops.
 *   Allocation failure is -ENOMEM with nothing changed; if the kernel's
 *   allocation fails, the set gets the driver's ops back and the box is
 *   freed, so the driver sees the set as it left it.
 */
#include <linux/blk-mq.h>
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/slab.h>

/*
 * The link: rq_next, which the newer kernels (and 5.16+) keep in a union with
 * queuelist, i.e. in queuelist's first word; 5.10 has no rq_next member, so
 * the list uses that same word.
 */
#ifdef KB_HAVE_BLK_MQ_OPS_NEWER_SIGNATURES
#define KB_RQ_NEXT(rq)	((rq)->rq_next)
#else
#define KB_RQ_NEXT(rq)	(*(struct request **)&(rq)->queuelist.next)
#endif

static inline int kb_rq_list_empty(const struct rq_list *rl)
{
	return rl->head == NULL;
}

static inline void kb_rq_list_init(struct rq_list *rl)
{
	rl->head = NULL;
	rl->tail = NULL;
}

static inline void kb_rq_list_add_tail(struct rq_list *rl, struct request *rq)
{
	KB_RQ_NEXT(rq) = NULL;
	if (rl->tail)
		KB_RQ_NEXT(rl->tail) = rq;
	else
		rl->head = rq;
	rl->tail = rq;
}

static inline void kb_rq_list_add_head(struct rq_list *rl, struct request *rq)
{
	KB_RQ_NEXT(rq) = rl->head;
	rl->head = rq;
	if (!rl->tail)
		rl->tail = rq;
}

static inline struct request *kb_rq_list_pop(struct rq_list *rl)
{
	struct request *rq = rl->head;

	if (!rq)
		return NULL;
	rl->head = KB_RQ_NEXT(rq);
	if (!rl->head)
		rl->tail = NULL;
	KB_RQ_NEXT(rq) = NULL;
	return rq;
}

static inline struct request *kb_rq_list_peek(struct rq_list *rl)
{
	return rl->head;
}

#define kb_rq_list_for_each(rl, pos) \
	for (pos = kb_rq_list_peek(rl); pos; pos = KB_RQ_NEXT(pos))

#define kb_rq_list_for_each_safe(rl, pos, nxt) \
	for (pos = kb_rq_list_peek(rl), nxt = pos ? KB_RQ_NEXT(pos) : NULL; \
	     pos; pos = nxt, nxt = pos ? KB_RQ_NEXT(pos) : NULL)

#undef rq_list_empty
#undef rq_list_add_tail
#undef rq_list_pop
#undef rq_list_peek
#undef rq_list_for_each
#undef rq_list_for_each_safe
#define rq_list_empty(rl)			kb_rq_list_empty(rl)
#define rq_list_init(rl)			kb_rq_list_init(rl)
#define rq_list_add_tail(rl, rq)		kb_rq_list_add_tail(rl, rq)
#define rq_list_add_head(rl, rq)		kb_rq_list_add_head(rl, rq)
#define rq_list_pop(rl)				kb_rq_list_pop(rl)
#define rq_list_peek(rl)			kb_rq_list_peek(rl)
#define rq_list_for_each(rl, pos)		kb_rq_list_for_each(rl, pos)
#define rq_list_for_each_safe(rl, pos, nxt)	kb_rq_list_for_each_safe(rl, pos, nxt)

#ifdef KB_HAVE_BLK_MQ_OPS_NEWER_SIGNATURES
/* A tag set's ops as this kernel calls them, and the driver's queue_rqs. */
struct kb_rq_list_ops_box {
	struct blk_mq_ops ops;
	void (*queue_rqs)(struct rq_list *rl);
	const struct blk_mq_ops *driver_ops;
};

/*
 * One trampoline per module, not one per file (weak: the module's link keeps
 * one of the files' copies), so a set allocated in one file of the driver is
 * recognized as boxed when another file frees it.
 */
void kb_queue_rqs_trampoline(struct request **list);
void __weak kb_queue_rqs_trampoline(struct request **list)
{
	struct request *rq = *list, *next;
	const struct kb_rq_list_ops_box *box;
	struct rq_list rl = {};

	if (!rq)
		return;
	box = container_of(rq->q->mq_ops, struct kb_rq_list_ops_box, ops);
	/*
	 * This kernel's plug list is newest first (blk_add_rq_to_plug adds at
	 * the head); the newer kernel's is in submission order (it adds at the
	 * tail since "block: don't reorder requests in blk_add_rq_to_plug",
	 * e70c301faece, 6.13, with the rq_list type): hand the driver the
	 * requests in the order the newer kernel would.
	 */
	while (rq) {
		next = rq->rq_next;
		kb_rq_list_add_head(&rl, rq);
		rq = next;
	}
	box->queue_rqs(&rl);
	*list = rl.head;
}

/* The ops a set should use: *ops*, or a box of them when they have queue_rqs; ERR_PTR(-ENOMEM). */
static inline const struct blk_mq_ops *kb_rq_list_box_ops(const struct blk_mq_ops *ops)
{
	struct kb_rq_list_ops_box *box;

	if (!ops || !ops->queue_rqs)
		return ops;
	box = kmalloc(sizeof(*box), GFP_KERNEL);
	if (!box)
		return ERR_PTR(-ENOMEM);
	box->ops = *ops;
	box->queue_rqs = ops->queue_rqs;
	box->driver_ops = ops;
	box->ops.kb_queue_rqs_request_list = kb_queue_rqs_trampoline;
	return &box->ops;
}

/* Undo kb_rq_list_box_ops: the driver's ops back in the set, the box freed. */
static inline void kb_rq_list_unbox_ops(struct blk_mq_tag_set *set)
{
	struct kb_rq_list_ops_box *box;

	if (!set->ops || set->ops->kb_queue_rqs_request_list != kb_queue_rqs_trampoline)
		return;
	box = container_of(set->ops, struct kb_rq_list_ops_box, ops);
	set->ops = box->driver_ops;
	kfree(box);
}

static inline int kb_blk_mq_alloc_tag_set(struct blk_mq_tag_set *set)
{
	const struct blk_mq_ops *ops = kb_rq_list_box_ops(set->ops);
	int err;

	if (IS_ERR(ops))
		return PTR_ERR(ops);
	set->ops = ops;
	err = blk_mq_alloc_tag_set(set);
	if (err)
		kb_rq_list_unbox_ops(set);
	return err;
}

static inline int kb_blk_mq_alloc_sq_tag_set(struct blk_mq_tag_set *set,
					     const struct blk_mq_ops *ops,
					     unsigned int queue_depth,
					     unsigned int set_flags)
{
	const struct blk_mq_ops *use = kb_rq_list_box_ops(ops);
	int err;

	if (IS_ERR(use))
		return PTR_ERR(use);
	err = blk_mq_alloc_sq_tag_set(set, use, queue_depth, set_flags);
	if (err && set->ops == use)
		kb_rq_list_unbox_ops(set);
	else if (err && use != ops)
		kfree(container_of(use, struct kb_rq_list_ops_box, ops));
	return err;
}

static inline void kb_blk_mq_free_tag_set(struct blk_mq_tag_set *set)
{
	blk_mq_free_tag_set(set);
	kb_rq_list_unbox_ops(set);
}

/* another shim may have wrapped them first (blk_mq_f_should_merge_removed): ours call it */
#undef blk_mq_alloc_tag_set
#define blk_mq_alloc_tag_set(set)	kb_blk_mq_alloc_tag_set(set)
#undef blk_mq_alloc_sq_tag_set
#define blk_mq_alloc_sq_tag_set(set, ops, queue_depth, set_flags) \
	kb_blk_mq_alloc_sq_tag_set(set, ops, queue_depth, set_flags)
#define blk_mq_free_tag_set(set)	kb_blk_mq_free_tag_set(set)
#endif /* KB_HAVE_BLK_MQ_OPS_NEWER_SIGNATURES */
