/* SPDX-License-Identifier: GPL-2.0 */
/*
 * queue_limits_start_update() / queue_limits_commit_update() /
 * queue_limits_cancel_update() on a kernel that changes queue limits through
 * individual blk_queue_*() setters.
 *
 * Documented behaviour of the newer API: start_update takes the queue's
 * limits lock and returns a copy of the current limits; the caller changes
 * the copy; commit_update validates it, applies it and drops the lock
 * (returning -EINVAL, with nothing applied, for invalid limits); cancel_update
 * drops the lock without applying anything.
 *
 * Here the copy is read from the queue in the newer shape
 * (kb_queue_limits_read), applied through the kernel's setters
 * (kb_queue_limits_apply, rule queue_limits_features), and the lock is
 * q->sysfs_lock: on this kernel the sysfs attributes that change limits
 * (max_sectors_kb, discard_max_bytes, write_cache, rotational, ...) are
 * stored under that mutex, so holding it between start and commit serializes
 * the driver's update against them exactly as the newer limits_lock does.
 */
#include <linux/blkdev.h>
#include <linux/mutex.h>

static inline struct kb_queue_limits kb_queue_limits_start_update(struct request_queue *q)
{
	mutex_lock(&q->sysfs_lock);
	return kb_queue_limits_read(q);
}

static inline int kb_queue_limits_commit_update(struct request_queue *q,
						struct kb_queue_limits *lim)
{
	struct kb_queue_limits copy = *lim;
	int err = kb_queue_limits_validate(&copy);

	if (!err) {
		*lim = copy;
		err = kb_queue_limits_apply(q, lim);
	}
	mutex_unlock(&q->sysfs_lock);
	return err;
}

static inline void kb_queue_limits_cancel_update(struct request_queue *q)
{
	mutex_unlock(&q->sysfs_lock);
}

/* queue_limits_set(): the whole update in one call (newer kernels) */
static inline int kb_queue_limits_set(struct request_queue *q, struct kb_queue_limits *lim)
{
	kb_queue_limits_start_update(q);
	return kb_queue_limits_commit_update(q, lim);
}

#define queue_limits_start_update(q)		kb_queue_limits_start_update(q)
#define queue_limits_commit_update(q, lim)	kb_queue_limits_commit_update(q, lim)
#define queue_limits_cancel_update(q)		kb_queue_limits_cancel_update(q)
#define queue_limits_set(q, lim)		kb_queue_limits_set(q, lim)
