/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vm_flags_mod(vma, set, clear) on a kernel where drivers write
 * vma->vm_flags directly. Documented behaviour: with the mmap lock held for
 * writing (asserted), set the flags *set* and clear the flags *clear* of the
 * VMA. The newer kernel also write-locks the VMA for its per-VMA locking,
 * which this kernel does not have (the mmap write lock is the only lock on
 * vm_flags here). So the shim asserts the same lock and makes the same
 * change.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>

static inline void kb_vm_flags_mod(struct vm_area_struct *vma, vm_flags_t set, vm_flags_t clear)
{
	mmap_assert_write_locked(vma->vm_mm);
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
}

#define vm_flags_mod(vma, set, clear)	kb_vm_flags_mod(vma, set, clear)
