/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_queue_flag_set/clear(QUEUE_FLAG_ADD_RANDOM, q) on a kernel where
 * "this disk's I/O timings feed the entropy pool" is the BLK_FEAT_ADD_RANDOM
 * feature of the queue limits and the queue flags no longer carry it.
 *
 * Setting the old flag sets the feature, clearing it clears the feature,
 * through a limits update on the same queue, so the "add_random" sysfs
 * attribute and the block layer's entropy feeding change at once, as they
 * did with the old flag. QUEUE_FLAG_ADD_RANDOM names a private value that no
 * kernel flag uses; the blk_queue_flag_set/clear wrappers of rule
 * queue_flag_virt_removed (which this shim needs) dispatch it, so there is
 * one pair of wrappers for every old flag that became a feature.
 */
#include <linux/blkdev.h>

#define QUEUE_FLAG_ADD_RANDOM	KB_QUEUE_FLAG_ADD_RANDOM
