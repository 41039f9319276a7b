/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing vma->vm_flags directly (vma->vm_flags |= VM_MIXEDMAP) on a kernel
 * where the member is const and changes go through vm_flags_set/clear/mod.
 *
 * The newer struct vm_area_struct keeps the flags in a union of the const
 * vm_flags and its writable alias __vm_flags (same storage). Naming the
 * alias makes the driver's write change the same flags as on the old
 * kernel. What the newer wrappers add is vma_start_write(), the per-VMA
 * lock against page faults running without the mmap lock; drivers change
 * vm_flags in their f_op->mmap / GEM mmap handler, where the VMA is not yet
 * in the tree and no page fault can see it, so the write is as safe as the
 * wrapper there. (Any read of vm_flags reads the same storage.)
 */
#include <linux/mm.h>

#define vm_flags	__vm_flags
