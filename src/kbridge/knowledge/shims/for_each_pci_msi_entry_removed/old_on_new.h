/* SPDX-License-Identifier: GPL-2.0 */
/*
 * for_each_pci_msi_entry(desc, pdev) on a kernel that keeps a device's MSI
 * descriptors in a per-device store walked by msi_for_each_desc().
 *
 * The old macro walked every descriptor on the device's list, in index
 * order, associated with an interrupt or not: MSI_DESC_ALL. A device whose
 * MSI data was never set up had an empty list (no iteration); the newer
 * iterator would WARN on it, so the shim does not start the walk then.
 *
 * Locking: the newer iterator must run with the device's descriptor mutex
 * held. The old macro's users ran inside the MSI core's callbacks (arch and
 * front-end MSI set-up, e.g. xen-pcifront's enable_msix op), which the newer
 * core calls with that mutex already held (msi_lock_descs() around
 * pci_msi_setup_msi_irqs()); taking it again would deadlock, so the shim
 * does not, exactly as upstream's own conversion of those callers.
 */
#include <linux/pci.h>
#include <linux/msi.h>

#define kb_for_each_pci_msi_entry(desc, pdev)					\
	if (!(pdev)->dev.msi.data)						\
		(desc) = NULL;							\
	else									\
		msi_for_each_desc(desc, &(pdev)->dev, MSI_DESC_ALL)
#undef for_each_pci_msi_entry
#define for_each_pci_msi_entry kb_for_each_pci_msi_entry
