/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_flag_set(QUEUE_FLAG_VIRT, q) / QUEUE_FLAG_NONROT on a kernel
 * where "rotational" is the BLK_FEAT_ROTATIONAL feature of the queue limits
 * and the queue flags no longer carry it.
 *
 * On the old kernel QUEUE_FLAG_VIRT is an alias of QUEUE_FLAG_NONROT:
 * setting it marks the device non-rotational (no seek penalty: the I/O
 * schedulers and the "rotational" sysfs attribute say 0); clearing it marks
 * it rotational. The shim keeps exactly that: the two names are private
 * values that no kernel flag uses, and blk_queue_flag_set/clear turn them
 * into clearing/setting BLK_FEAT_ROTATIONAL through a limits update on the
 * same queue; every other flag goes to the kernel's own function unchanged.
 * (On the newer kernel a queue allocated without BLK_FEAT_ROTATIONAL is
 * already non-rotational; the old driver's blk_mq_alloc_disk shim asks for
 * the old kernel's rotational default, so the explicit call matters.)
 */
#include <linux/blkdev.h>

#define KB_QUEUE_FLAG_NONROT	0x4b420001u	/* not a kernel queue flag */
#ifndef QUEUE_FLAG_NONROT
#define QUEUE_FLAG_NONROT	KB_QUEUE_FLAG_NONROT
#endif
#define QUEUE_FLAG_VIRT		KB_QUEUE_FLAG_NONROT

static inline void kb_queue_set_rotational(struct request_queue *q, bool rotational)
{
	struct queue_limits lim = queue_limits_start_update(q);

	if (rotational)
		lim.features |= BLK_FEAT_ROTATIONAL;
	else
		lim.features &= ~BLK_FEAT_ROTATIONAL;
	WARN_ON_ONCE(queue_limits_commit_update(q, &lim));
}

/*
 * The other old flags that became features of the limits name private values
 * too (rules queue_flag_add_random_removed, zoned_settings_in_queue_limits
 * define the public names); they are dispatched here, in the one pair of
 * wrappers, so that both strategies (the inline one expands a call to the
 * first wrapper it finds) reach the same code and no private value ever gets
 * to the kernel's bit operations.
 */
#define KB_QUEUE_FLAG_ADD_RANDOM	0x4b420002u	/* not a kernel queue flag */
#define KB_QUEUE_FLAG_ZONE_RESETALL	0x4b420003u	/* not a kernel queue flag */

static inline void kb_queue_set_add_random(struct request_queue *q, bool on)
{
	struct queue_limits lim = queue_limits_start_update(q);

	if (on)
		lim.features |= BLK_FEAT_ADD_RANDOM;
	else
		lim.features &= ~BLK_FEAT_ADD_RANDOM;
	WARN_ON_ONCE(queue_limits_commit_update(q, &lim));
}

static inline void kb_blk_queue_flag_set(unsigned int flag, struct request_queue *q)
{
	if (flag == KB_QUEUE_FLAG_NONROT)
		kb_queue_set_rotational(q, false);
	else if (flag == KB_QUEUE_FLAG_ADD_RANDOM)
		kb_queue_set_add_random(q, true);
	else if (flag == KB_QUEUE_FLAG_ZONE_RESETALL)
		;	/* this kernel sends REQ_OP_ZONE_RESET_ALL to every zoned driver */
	else
		blk_queue_flag_set(flag, q);
}

static inline void kb_blk_queue_flag_clear(unsigned int flag, struct request_queue *q)
{
	if (flag == KB_QUEUE_FLAG_NONROT)
		kb_queue_set_rotational(q, true);
	else if (flag == KB_QUEUE_FLAG_ADD_RANDOM)
		kb_queue_set_add_random(q, false);
	else if (flag == KB_QUEUE_FLAG_ZONE_RESETALL)
		/* "no reset-all" has no equivalent here: say so, loudly */
		WARN_ONCE(1, "kbridge: this kernel sends REQ_OP_ZONE_RESET_ALL to every zoned driver; clearing QUEUE_FLAG_ZONE_RESETALL has no equivalent\n");
	else
		blk_queue_flag_clear(flag, q);
}

#define blk_queue_flag_set(flag, q)	kb_blk_queue_flag_set(flag, q)
#define blk_queue_flag_clear(flag, q)	kb_blk_queue_flag_clear(flag, q)
