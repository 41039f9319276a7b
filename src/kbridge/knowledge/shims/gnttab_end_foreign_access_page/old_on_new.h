/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gnttab_end_foreign_access(ref, readonly, unsigned long page) (Linux < 5.18)
 * on a kernel whose function takes a struct page * (NULL: none). The older
 * body did virt_to_page(page) itself before putting the page or deferring it
 * with the grant; the shim does the same conversion and the kernel then puts
 * or defers that page, taking over the caller's reference exactly as before.
 * readonly was unused by the older kernel (ignored by both grant-table
 * versions).
 */
#include <xen/grant_table.h>
#include <linux/mm.h>

static inline void kb_gnttab_end_foreign_access(grant_ref_t ref, int readonly, unsigned long page)
{
	(void)readonly;
	gnttab_end_foreign_access(ref, page ? virt_to_page((void *)page) : NULL);
}
#define gnttab_end_foreign_access(ref, readonly, page)	kb_gnttab_end_foreign_access(ref, readonly, page)
