/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swiotlb_nr_tbl() on a kernel that removed it (callers moved to
 * is_swiotlb_active(), which later took a device and lost its module export).
 *
 * It returned the number of slabs of the one global bounce-buffer pool (0
 * when the pool was not set up). The newer kernel keeps that pool as
 * io_tlb_default_mem (not exported) and points every device's
 * dma_io_tlb_mem at it when the device is initialized (device_initialize:
 * swiotlb_dev_init), unless a restricted pool from the firmware's device tree
 * replaces it for that device. platform_bus, the exported root of the
 * platform bus, is registered through device_initialize and never has a
 * restricted pool, so its dma_io_tlb_mem is the global pool and ->nslabs is
 * the count the old call returned.
 */
#include <linux/swiotlb.h>
#include <linux/device.h>
#include <linux/platform_device.h>

static inline unsigned long kb_swiotlb_nr_tbl(void)
{
#ifdef CONFIG_SWIOTLB
	struct io_tlb_mem *mem = READ_ONCE(platform_bus.dma_io_tlb_mem);

	return mem ? READ_ONCE(mem->nslabs) : 0;
#else
	return 0;
#endif
}

#undef swiotlb_nr_tbl
#define swiotlb_nr_tbl kb_swiotlb_nr_tbl
