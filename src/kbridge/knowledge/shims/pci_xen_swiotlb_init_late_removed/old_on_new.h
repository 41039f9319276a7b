/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci_xen_swiotlb_init_late() on a kernel that removed it. It set up
 * swiotlb-xen late, when pcifront found a device and swiotlb was not active
 * yet. Newer kernels always set swiotlb-xen up at boot in a PV guest that can
 * have pcifront devices, and have no late set-up any more; so when the
 * driver finds swiotlb inactive (the only case in which it calls this), it
 * cannot be made active. The shim reports exactly that, the way the old
 * kernel itself did when built without late swiotlb-xen support: -ENXIO
 * (the old header's stub), so the driver's own error path runs.
 *
 * The same change left is_swiotlb_active() without a module export (its
 * modular user was this late set-up). The driver asks it whether the
 * device's bounce-buffer pool is set up; the shim answers the documented
 * question from the device: it has a swiotlb pool (dev->dma_io_tlb_mem) and
 * that pool has slabs.
 */
#include <asm/xen/swiotlb-xen.h>
#include <linux/swiotlb.h>
#include <linux/device.h>
#include <linux/errno.h>

static inline int kb_pci_xen_swiotlb_init_late(void)
{
	return -ENXIO;
}

static inline bool kb_is_swiotlb_active(struct device *dev)
{
#ifdef CONFIG_SWIOTLB
	return dev->dma_io_tlb_mem && dev->dma_io_tlb_mem->nslabs;
#else
	return false;
#endif
}

#define pci_xen_swiotlb_init_late()	kb_pci_xen_swiotlb_init_late()
#define is_swiotlb_active(dev)		kb_is_swiotlb_active(dev)
