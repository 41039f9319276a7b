/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BLK_MQ_F_SHOULD_MERGE on a kernel without it.
 *
 * On the old kernel the tag-set flag made blk_mq_sched_bio_merge() try to
 * merge a bio into a request still waiting in the software queue; without
 * it that merge was skipped. The newer kernel tries that merge for every tag
 * set and removed the flag. A driver that sets the flag asks for what the
 * newer kernel always does, so the flag is 0 here: no bit of this kernel's
 * set->flags is touched.
 */
#include <linux/blk-mq.h>

#ifndef BLK_MQ_F_SHOULD_MERGE
#define BLK_MQ_F_SHOULD_MERGE	0
#endif
