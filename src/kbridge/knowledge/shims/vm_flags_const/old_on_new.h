/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing vma->vm_flags directly (vma->vm_flags |= VM_MIXEDMAP) on a kernel
 * where the member is const and changes go through vm_flags_set/clear/mod.
 *
 * The newer struct vm_area_struct keeps the flags in a union of the const
 * vm_flags and its writable alias: __vm_flags (6.3 to 6.x), vma_flags_t flags
 * (7.x; shim.toml's anchors tell which). Naming the
 * alias makes the driver's write change the same flags as on the old
 * kernel. What the newer wrappers add is vma_start_write(), the per-VMA
 * lock against page faults running without the mmap lock; drivers change
 * vm_flags in their f_op->mmap / GEM mmap handler, where the VMA is not yet
 * in the tree and no page fault can see it, so the write is as safe as the
 * wrapper there. (Any read of vm_flags reads the same storage.)
 */
#include <linux/mm.h>

#ifdef KB_ANCHOR_VM_AREA_STRUCT___VM_FLAGS
#define vm_flags	__vm_flags
#else
/*
 * 7.x: the union's writable view is vma_flags_t flags, a bitmap whose first
 * word is the legacy vm_flags (the kernel's own vma_flags_to_legacy() reads
 * flags.__vma_flags[0]): the same storage again. That spelling is not a
 * name, so the headers that call a parameter vm_flags (7.3's include/linux:
 * vmalloc.h, sched/mm.h, huge_mm.h, pgtable.h, userfaultfd_k.h, ksm.h,
 * khugepaged.h; mm.h and mm_types.h are read already) are read first.
 */
#include <linux/vmalloc.h>
#include <linux/sched/mm.h>
#include <linux/huge_mm.h>
#include <linux/pgtable.h>
#include <linux/userfaultfd_k.h>
#include <linux/ksm.h>
#include <linux/khugepaged.h>
#define vm_flags	flags.__vma_flags[0]
#endif
