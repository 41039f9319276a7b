/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_write_cache(q, wc, fua) -- the old setter -- on a kernel where
 * blk_queue_write_cache(q) only reports the state and drivers declare a
 * volatile write cache and FUA support as BLK_FEAT_WRITE_CACHE /
 * BLK_FEAT_FUA in the queue limits.
 *
 * The old setter's documented effect: the device has (wc) or has no volatile
 * write cache, and does (fua) or does not support FUA; the block layer then
 * sends flushes / FUA writes accordingly. The shim sets or clears exactly
 * those two features through a limits update on the same queue. The
 * one-argument query keeps working: the macro dispatches on the number of
 * arguments.
 *
 * The old setter only changed queue flags (atomic bit operations), callable
 * anywhere: 6.1's xen-blkfront calls blk_queue_write_cache(q, false, false)
 * (xlvbd_flush() after a failed flush) from blkif_interrupt() under
 * spin_lock_irqsave. A limits update takes q->limits_lock, a mutex, so it
 * cannot be used there. Turning the cache off (wc false; FUA without a write
 * cache is dropped by the newer validation anyway) is therefore a plain clear
 * of both features in q->limits -- what a commit would store, and what the
 * newer kernel's own run-time disabling helpers do (blk_queue_disable_discard,
 * upstream 73e3715ed148); like them, a limits update running at the same
 * moment on another CPU may write back the features it read before. Turning
 * it on (probe time) is a committed update: process context only.
 */
#include <linux/blkdev.h>

static inline bool kb_blk_queue_write_cache_query(struct request_queue *q)
{
	return blk_queue_write_cache(q);
}

static inline void kb_blk_queue_write_cache_set(struct request_queue *q, bool wc, bool fua)
{
	struct queue_limits lim;

	if (!wc) {
		q->limits.features &= ~(BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA);
		return;
	}
	lim = queue_limits_start_update(q);

	lim.features &= ~(BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA);
	if (wc)
		lim.features |= BLK_FEAT_WRITE_CACHE;
	if (fua)
		lim.features |= BLK_FEAT_FUA;
	WARN_ON_ONCE(queue_limits_commit_update(q, &lim));
}

#define KB_BQWC_PICK(_1, _2, _3, name, ...) name
#define blk_queue_write_cache(...)						\
	KB_BQWC_PICK(__VA_ARGS__, kb_blk_queue_write_cache_set,		\
		     kb_blk_queue_write_cache_takes_1_or_3_args,			\
		     kb_blk_queue_write_cache_query)(__VA_ARGS__)
