/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI_IRQ_LEGACY on a kernel that calls the same pci_alloc_irq_vectors() flag
 * PCI_IRQ_INTX: (1 << 0) on both, read at the same place with the same
 * meaning (INTx, when MSI-X and MSI are not allowed or fail, min_vecs is 1
 * and the device has an interrupt line). Only the name differs.
 */
#include <linux/pci.h>

#define PCI_IRQ_LEGACY	PCI_IRQ_INTX
