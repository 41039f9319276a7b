/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vm_flags_set(vma, flags) / vm_flags_clear(vma, flags) on a kernel where
 * drivers write vma->vm_flags directly. Documented behaviour: with the mmap
 * lock held for writing (asserted), set / clear those flags of the VMA. The
 * newer kernel also write-locks the VMA for per-VMA locking, which this
 * kernel does not have (the mmap write lock is the only lock on vm_flags
 * here), so the shim asserts the same lock and makes the same change.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>

static inline void kb_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	mmap_assert_write_locked(vma->vm_mm);
	vma->vm_flags |= flags;
}

static inline void kb_vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	mmap_assert_write_locked(vma->vm_mm);
	vma->vm_flags &= ~flags;
}

#define vm_flags_set(vma, flags)	kb_vm_flags_set(vma, flags)
#define vm_flags_clear(vma, flags)	kb_vm_flags_clear(vma, flags)
