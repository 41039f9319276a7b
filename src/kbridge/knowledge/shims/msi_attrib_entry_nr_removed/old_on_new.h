/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct msi_desc.msi_attrib.entry_nr on a kernel that keeps the value in
 * msi_desc.msi_index: the work is done by this rule's wrapper of
 * <linux/msi.h> (include/linux/msi.h), which acts around the kernel's header
 * and finds this file to know the direction. Nothing more is needed after the
 * header.
 */
#include <linux/msi.h>
