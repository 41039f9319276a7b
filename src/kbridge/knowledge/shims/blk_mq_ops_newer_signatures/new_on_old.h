/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The newer blk_mq_ops callbacks (timeout without the reserved flag, poll
 * with a struct io_comp_batch *, map_queues returning void, queue_rqs) and
 * the completion batch of the newer kernels (struct io_comp_batch,
 * blk_mq_add_to_batch(), blk_mq_end_request_batch()) on 5.10.
 *
 * The ops members are retyped by this rule's wrapper of <linux/blk-mq.h>;
 * this part, applied after the kernel's header:
 *
 * - struct io_comp_batch as the newer kernel declares it. This kernel never
 *   makes one: it polls with blk_poll() -> ops->poll(hctx), so the poll
 *   trampoline calls the driver's poll(hctx, NULL), which the newer kernel
 *   also does whenever its caller has no batch (bio_poll() without one);
 *   blk_mq_add_to_batch() is the newer kernel's, whose first rule is "no
 *   batch container: return false", so the driver completes each request
 *   itself, as it does there without a batch. With a batch (only a driver
 *   that makes its own could have one here) it applies the newer kernel's
 *   other rules with this kernel's fields: not for a request with scheduler
 *   tags (internal_tag set), nor, for a non-passthrough request, one with an
 *   end_io or an error; one complete function per batch; need_ts when this
 *   kernel would stamp the request (RQF_IO_STAT/RQF_STATS, or an elevator).
 *   blk_mq_end_request_batch() ends every request of the batch with
 *   BLK_STS_OK (a batch only ever holds successful requests), each through
 *   this kernel's blk_mq_end_request();
 *
 * - the trampolines: blk_mq_alloc_tag_set() gives the set a copy of its ops
 *   whose kernel slots hold trampolines of this kernel's types for the
 *   members the driver set, boxed with the driver's ops (this kernel has no
 *   blk_mq_alloc_sq_tag_set(): a copy of it, compiled with the layer's
 *   headers, calls this wrapper). timeout(rq, reserved) calls the driver's
 *   timeout(rq) and returns its answer (the newer driver asks
 *   blk_mq_is_reserved_rq() if it cares); poll(hctx) calls poll(hctx, NULL)
 *   and returns its count; map_queues(set) calls the driver's and returns 0
 *   (the newer kernel has no failure to report; this one's
 *   blk_mq_update_queue_map() returns what map_queues returns); the
 *   initialize_rq_fn slot, which held the driver's queue_rqs, is NULL in the
 *   copy, so this kernel issues every request through queue_rq one by one --
 *   what the newer kernel does for a driver without queue_rqs and for every
 *   request a queue_rqs leaves in its list (queue_rqs is only a batched
 *   entry to the same queue_rq work). blk_mq_free_tag_set() frees the copy
 *   after the kernel freed the set. Allocation failure is -ENOMEM with the
 *   set unchanged; if the kernel's allocation fails, the set gets the
 *   driver's ops back and the copy is freed.
 *
 * Every set allocated through the layer gets a copy (so the free knows it
 * has one).
 *
 * Not bridged: a driver that compares q->mq_ops (or set->ops) with its own
 * ops sees the copy; this kernel never hands poll a batch, so the batched
 * completion (and its single timestamp) is never used.
 */
#include <linux/blk-mq.h>
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/slab.h>

/*
 * Linux >= 6.13's list of requests, which the batch below holds: rule rq_list_type's
 * wrapper of <linux/blk-mq.h> defines it under the same guard when that rule is in the
 * layer too (a driver with .queue_rqs); a driver with only the newer .timeout, .poll or
 * .map_queues does not bring that rule, and this kernel has no struct rq_list.
 */
#ifndef KB_RQ_LIST_TYPE_LIST
#define KB_RQ_LIST_TYPE_LIST
struct rq_list {
	struct request *head;
	struct request *tail;
};
#endif

/* Linux >= 5.16's batch of completions (its <linux/blkdev.h>) */
struct io_comp_batch {
	struct rq_list req_list;
	bool need_ts;
	void (*complete)(struct io_comp_batch *);
	void *poll_ctx;
};

/*
 * The batch's list links requests through the first word of rq->queuelist,
 * where the newer kernels keep rq_next (a union with queuelist there); this
 * kernel has no rq_next member. The same link as rule rq_list_type's helpers.
 */
#define KB_BMO_NEXT(rq)	(*(struct request **)&(rq)->queuelist.next)

/* the newer kernel's blk_mq_add_to_batch(), its rules in its order */
static inline bool kb_blk_mq_add_to_batch(struct request *req, struct io_comp_batch *iob,
					  bool is_error,
					  void (*complete)(struct io_comp_batch *))
{
	if (!iob)
		return false;
	if (req->internal_tag != -1)	/* scheduler tags; -1 is block/blk-mq-tag.h's BLK_MQ_NO_TAG */
		return false;
	if (!blk_rq_is_passthrough(req)) {
		if (req->end_io)
			return false;
		if (is_error)
			return false;
	}
	if (!iob->complete)
		iob->complete = complete;
	else if (iob->complete != complete)
		return false;
	iob->need_ts |= !!(req->rq_flags & (RQF_IO_STAT | RQF_STATS)) || !!req->q->elevator;
	/* rq_list_add_tail() */
	KB_BMO_NEXT(req) = NULL;
	if (iob->req_list.tail)
		KB_BMO_NEXT(iob->req_list.tail) = req;
	else
		iob->req_list.head = req;
	iob->req_list.tail = req;
	return true;
}
#define blk_mq_add_to_batch(req, iob, is_error, complete) \
	kb_blk_mq_add_to_batch(req, iob, is_error, complete)

/* one per module (weak), so its address -- the batch's complete -- is one */
void kb_blk_mq_end_request_batch(struct io_comp_batch *iob);
void __weak kb_blk_mq_end_request_batch(struct io_comp_batch *iob)
{
	struct request *rq = iob->req_list.head, *next;

	iob->req_list.head = NULL;
	iob->req_list.tail = NULL;
	for (; rq; rq = next) {
		next = KB_BMO_NEXT(rq);
		INIT_LIST_HEAD(&rq->queuelist);
		blk_mq_end_request(rq, BLK_STS_OK);
	}
}
#define blk_mq_end_request_batch	kb_blk_mq_end_request_batch

/* A tag set's ops as this kernel calls them, and the driver's. */
struct kb_bmo_box {
	struct blk_mq_ops ops;
	const struct blk_mq_ops *driver_ops;
};

static inline const struct blk_mq_ops *kb_bmo_driver(const struct blk_mq_ops *ops)
{
	return container_of(ops, struct kb_bmo_box, ops)->driver_ops;
}

enum blk_eh_timer_return kb_bmo_timeout(struct request *rq, bool reserved);
enum blk_eh_timer_return __weak kb_bmo_timeout(struct request *rq, bool reserved)
{
	return kb_bmo_driver(rq->q->mq_ops)->timeout(rq);
}

int kb_bmo_poll(struct blk_mq_hw_ctx *hctx);
int __weak kb_bmo_poll(struct blk_mq_hw_ctx *hctx)
{
	return kb_bmo_driver(hctx->queue->mq_ops)->poll(hctx, NULL);
}

int kb_bmo_map_queues(struct blk_mq_tag_set *set);
int __weak kb_bmo_map_queues(struct blk_mq_tag_set *set)
{
	kb_bmo_driver(set->ops)->map_queues(set);
	return 0;
}

/*
 * The ops a set uses: always a box of the driver's (ERR_PTR(-ENOMEM)), so
 * that blk_mq_free_tag_set() knows a set's ops are a box without a marker.
 */
static inline const struct blk_mq_ops *kb_bmo_box_ops(const struct blk_mq_ops *ops)
{
	struct kb_bmo_box *box;

	if (!ops)
		return ops;
	box = kmalloc(sizeof(*box), GFP_KERNEL);
	if (!box)
		return ERR_PTR(-ENOMEM);
	box->ops = *ops;
	box->driver_ops = ops;
	box->ops.kb_timeout_reserved = ops->timeout ? kb_bmo_timeout : NULL;
	box->ops.kb_poll_hctx = ops->poll ? kb_bmo_poll : NULL;
	box->ops.kb_map_queues_int = ops->map_queues ? kb_bmo_map_queues : NULL;
	box->ops.initialize_rq_fn = NULL;	/* the slot held the driver's queue_rqs */
	return &box->ops;
}

static inline void kb_bmo_free_box(const struct blk_mq_ops *box_ops)
{
	if (box_ops)
		kfree(container_of(box_ops, struct kb_bmo_box, ops));
}

static inline int kb_blk_mq_alloc_tag_set(struct blk_mq_tag_set *set)
{
	const struct blk_mq_ops *driver = set->ops, *ops = kb_bmo_box_ops(driver);
	int err;

	if (IS_ERR(ops))
		return PTR_ERR(ops);
	set->ops = ops;
	err = blk_mq_alloc_tag_set(set);
	if (err) {
		set->ops = driver;
		kb_bmo_free_box(ops);
	}
	return err;
}

/* after the kernel, which may use set->ops until it has freed the set */
static inline void kb_blk_mq_free_tag_set(struct blk_mq_tag_set *set)
{
	const struct blk_mq_ops *box_ops = set->ops;

	blk_mq_free_tag_set(set);
	if (box_ops) {
		set->ops = kb_bmo_driver(box_ops);
		kb_bmo_free_box(box_ops);
	}
}

/* another shim may have wrapped them first (blk_mq_f_should_merge_removed): ours call it */
#undef blk_mq_alloc_tag_set
#define blk_mq_alloc_tag_set(set)	kb_blk_mq_alloc_tag_set(set)
#undef blk_mq_free_tag_set
#define blk_mq_free_tag_set(set)	kb_blk_mq_free_tag_set(set)
