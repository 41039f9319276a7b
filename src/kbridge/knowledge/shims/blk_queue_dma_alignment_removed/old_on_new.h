/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_dma_alignment(q, val) on a kernel that sets queue limits only through
 * queue_limits_start_update()/queue_limits_commit_update(): the same limit
 * (dma_alignment), committed on the same queue, so it takes effect at once as the
 * old setter's did: the same limit.
 *
 * Not bridged: a mask of 0. The old setter stored it as given (O_DIRECT then
 * takes a user buffer at any address). The newer kernel holds no 0: its
 * validation turns 0 into 511 at every limits commit ("We require drivers to
 * at least do logical block aligned I/O"), this one and every later one (a
 * user's max_sectors_kb write, the driver's next setter), so a 0 stored after
 * the commit would last only until some unrelated update made it 511 again.
 * The newer kernel's floor is kept instead: dma_alignment reads 511 and
 * O_DIRECT needs a 512-byte-aligned buffer (EINVAL otherwise), as for any of
 * its own drivers that leave the mask unset -- stricter than asked, never
 * looser, so no buffer the driver cannot take reaches it.
 */
#include <linux/blkdev.h>

static inline void kb_blk_queue_dma_alignment(struct request_queue *q, int val)
{
	KB_QUEUE_LIMITS_UPDATE(q, dma_alignment, val);
}

#define blk_queue_dma_alignment(q, val)	kb_blk_queue_dma_alignment(q, val)
