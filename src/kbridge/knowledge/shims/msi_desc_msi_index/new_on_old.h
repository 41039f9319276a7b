/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct msi_desc.msi_index on a kernel whose PCI descriptors record the
 * same index in msi_attrib.entry_nr (the MSI-X table entry; 0 for the one
 * MSI descriptor). Applied after <linux/msi.h>, so the kernel's own
 * declarations (platform and fsl_mc descriptors have an msi_index of their
 * own) are read unchanged.
 */
#include <linux/msi.h>

#define msi_index	msi_attrib.entry_nr
