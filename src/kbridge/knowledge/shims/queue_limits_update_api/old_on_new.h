/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the shims of the old blk_queue_*() setters on a kernel that
 * changes a live queue's limits only through queue_limits_start_update()/
 * queue_limits_commit_update(): each of them needs this rule, so this helper
 * comes first in the layer and is written once.
 *
 * KB_QUEUE_LIMITS_UPDATE(q, field, val) changes one limit the way the newer
 * kernel wants it done: start an update (limits lock held, current limits
 * copied), change the copy, commit (validated, applied at once, as the old
 * setter's assignment was). The old setters could not fail; a commit the
 * newer kernel refuses leaves the queue unchanged and warns, instead of
 * silently dropping the limit.
 */
#include <linux/blkdev.h>

#define KB_QUEUE_LIMITS_UPDATE(q, field, val)					\
do {										\
	struct queue_limits __kb_lim = queue_limits_start_update(q);		\
										\
	__kb_lim.field = (val);							\
	WARN_ON_ONCE(queue_limits_commit_update(q, &__kb_lim));			\
} while (0)
