/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct msi_desc.msi_attrib.entry_nr (Linux <= 5.16) on a kernel whose
 * descriptor keeps the same value in msi_desc.msi_index (rule
 * msi_attrib_entry_nr_removed, old_on_new; 5.17, 173ffad79d17 "PCI/MSI: Use
 * msi_desc::msi_index", after 20c6d424cfe6 "genirq/msi: Consolidate MSI
 * descriptor data" gave every descriptor msi_index).
 *
 * While the kernel's header is read, its member `u16 msi_index;` becomes
 *     u16 :0; union { u16 msi_index; struct { u16 entry_nr; } msi_attrib; };
 * an unnamed zero-width bit-field (after a member that is not a bit-field it
 * moves nothing) and an anonymous union of the kernel's member -- its name,
 * type and offset unchanged -- with a one-member struct named msi_attrib at
 * the same offset, so that the driver's desc->msi_attrib.entry_nr is
 * desc->msi_index, read or written. struct msi_desc keeps its size and every
 * offset (static_asserts below; the ABI check reads the module's DWARF).
 * The name msi_attrib is new in struct msi_desc itself (the newer kernel's
 * msi_attrib is a member of struct pci_msi_desc, desc->pci.msi_attrib, a
 * separate struct: member names do not collide across structs). The older
 * msi_attrib's other fields (is_msix, multiple, ...) live in desc->pci there
 * at another offset and are not aliased: a driver reading them does not
 * compile (named by gcc), it is not given wrong data.
 *
 * msi_index occurs in no other kernel header <linux/msi.h> reads (every
 * header it includes is included first, below), so the macro meets only the
 * member's declaration and is removed right after the header.
 */
#include "kb_config.h"
#if !defined(KB_MSI_ATTRIB_ENTRY_NR_WRAP) && defined(KB_HAVE_MSI_ATTRIB_ENTRY_NR_REMOVED) && \
	__has_include("rules/msi_attrib_entry_nr_removed/old_on_new.h")
#define KB_MSI_ATTRIB_ENTRY_NR_WRAP
/* what the kernel's <linux/msi.h> includes, first: the macro must meet only its text */
#include <linux/types.h>
#include <linux/cpumask.h>
#include <linux/xarray.h>
#include <linux/mutex.h>
#include <linux/list.h>
#if __has_include(<linux/irqdomain_defs.h>)
#include <linux/irqdomain_defs.h>
#endif
#if __has_include(<linux/msi_api.h>)
#include <linux/msi_api.h>
#endif
#include <linux/irq.h>
#include <linux/irqhandler.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <asm/msi.h>
#ifdef msi_index
#error "kbridge: msi_index is already a macro; msi_attrib_entry_nr_removed cannot alias struct msi_desc.msi_index"
#endif
#define msi_index :0; union { u16 msi_index; struct { u16 entry_nr; } msi_attrib; }
#include_next <linux/msi.h>
#undef msi_index
static_assert(offsetof(struct msi_desc, msi_attrib.entry_nr) == offsetof(struct msi_desc, msi_index));
static_assert(sizeof(((struct msi_desc *)0)->msi_attrib) == sizeof(u16));
#else
#include_next <linux/msi.h>
#endif
