/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vma_get_page_prot(vma) on a kernel without it (or, on 7.2, with a
 * vma_get_page_prot() that takes the vma_flags_t instead). Linux 7.3 returns
 * vm_get_page_prot() of the VMA's legacy flag word (vma_flags_to_legacy(
 * vma->flags)); that word is vma->vm_flags on the older kernels, so the shim
 * returns vm_get_page_prot(vma->vm_flags) -- the call drivers made before.
 */
#include <linux/mm.h>

static inline pgprot_t kb_vma_get_page_prot(const struct vm_area_struct *vma)
{
	return vm_get_page_prot(vma->vm_flags);
}

#define vma_get_page_prot(vma)	kb_vma_get_page_prot(vma)
