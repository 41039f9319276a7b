/* SPDX-License-Identifier: GPL-2.0 */
/*
 * is_swiotlb_active(dev) on a kernel with one global swiotlb pool whose
 * exported swiotlb_nr_tbl() is non-zero exactly when the pool has slabs
 * (its own is_swiotlb_active(void) is not exported to modules). Upstream
 * made the same substitution the other way when it removed swiotlb_nr_tbl().
 */
#include <linux/swiotlb.h>

static inline bool kb_is_swiotlb_active(struct device *dev)
{
	return swiotlb_nr_tbl() != 0;
}

#undef is_swiotlb_active
#define is_swiotlb_active kb_is_swiotlb_active
