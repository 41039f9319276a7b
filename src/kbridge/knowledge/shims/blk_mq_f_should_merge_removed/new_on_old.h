/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A driver of the newer kernel (no BLK_MQ_F_SHOULD_MERGE) on a kernel that
 * still has the flag.
 *
 * The newer kernel's blk_mq_sched_bio_merge() tries, for every tag set, to
 * merge a bio into a request still waiting in the software queue (when the
 * queue has no elevator of its own); the flag that once asked for it is gone
 * (cc76ace465d6, 6.14), and a tag set has no way to opt out: the only
 * opt-out left is the queue's nomerges (QUEUE_FLAG_NOMERGES, sysfs
 * queue/nomerges), which blk_mq_attempt_bio_merge() checks before any merge
 * on both kernels alike. This kernel tries that merge only for hardware
 * contexts whose flags carry BLK_MQ_F_SHOULD_MERGE, copied from set->flags
 * when the queue's contexts are made. So every tag set the driver allocates
 * gets the flag before this kernel's allocation -- as every tag set that
 * submits bios set it upstream -- and nothing else of set->flags changes.
 *
 * An earlier shim may have redefined the allocators already (rq_list_type
 * boxes the ops): the inline wrappers below call whatever the names mean at
 * this point, and then take the names over.
 */
#include <linux/blk-mq.h>

static inline int kb_merge_blk_mq_alloc_tag_set(struct blk_mq_tag_set *set)
{
	set->flags |= BLK_MQ_F_SHOULD_MERGE;
	return blk_mq_alloc_tag_set(set);
}

#ifndef blk_mq_alloc_sq_tag_set
/*
 * Declared again for kernels whose header lacks it (5.10's does not have it):
 * the wrapper below then references it only if the driver calls it, and such
 * a driver gets the function from the compat object (a macro by then).
 */
int blk_mq_alloc_sq_tag_set(struct blk_mq_tag_set *set, const struct blk_mq_ops *ops,
			    unsigned int queue_depth, unsigned int set_flags);
#endif

static inline int kb_merge_blk_mq_alloc_sq_tag_set(struct blk_mq_tag_set *set,
						   const struct blk_mq_ops *ops,
						   unsigned int queue_depth,
						   unsigned int set_flags)
{
	return blk_mq_alloc_sq_tag_set(set, ops, queue_depth, set_flags | BLK_MQ_F_SHOULD_MERGE);
}

#undef blk_mq_alloc_tag_set
#define blk_mq_alloc_tag_set(set)	kb_merge_blk_mq_alloc_tag_set(set)
#undef blk_mq_alloc_sq_tag_set
#define blk_mq_alloc_sq_tag_set(set, ops, queue_depth, set_flags) \
	kb_merge_blk_mq_alloc_sq_tag_set(set, ops, queue_depth, set_flags)
