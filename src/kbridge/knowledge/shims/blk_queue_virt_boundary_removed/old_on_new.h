/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_virt_boundary(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (virt_boundary_mask), committed on the same queue, so it takes effect at once as the
 * old setter's did. Faithful: the old setter also lifted max_segment_size to UINT_MAX for a non-zero mask (segments are bounded by the boundary instead); the shim does the same in the same update. The old setter could
 * not fail; a commit the newer kernel refuses leaves the queue unchanged and
 * warns.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_virt_boundary(struct request_queue *q, unsigned long val)
{
	struct queue_limits __kb_lim = queue_limits_start_update(q);

	__kb_lim.virt_boundary_mask = val;
	if (val)
		__kb_lim.max_segment_size = UINT_MAX;	/* as the old setter did */
	WARN_ON_ONCE(queue_limits_commit_update(q, &__kb_lim));
}

#define blk_queue_virt_boundary(q, val)	kb_blk_queue_virt_boundary(q, val)
