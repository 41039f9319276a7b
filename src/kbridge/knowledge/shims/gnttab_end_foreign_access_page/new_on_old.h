/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gnttab_end_foreign_access(ref, struct page *page) (Linux >= 5.19,
 * 49f8b459fc1d) on a kernel whose function is
 *	gnttab_end_foreign_access(ref, int readonly, unsigned long page)
 * with the page given by its kernel virtual address (0: none).
 *
 * Both forms take over the caller's reference to the page: it is put at once
 * when the grant is no longer in use, else the grant and the page go to the
 * deferred list, which ends access later and puts the page then. The older
 * body turns the address back into the page with virt_to_page(); on x86-64
 * every page is in the direct map (no highmem), so page_address() gives the
 * address that virt_to_page() maps back to the same page. readonly was unused
 * by that kernel (both grant-table versions ignore it): 0.
 */
#include <xen/grant_table.h>
#include <linux/mm.h>

static inline void kb_gnttab_end_foreign_access(grant_ref_t ref, struct page *page)
{
	gnttab_end_foreign_access(ref, 0, page ? (unsigned long)page_address(page) : 0UL);
}
#define gnttab_end_foreign_access(ref, page)	kb_gnttab_end_foreign_access(ref, page)
