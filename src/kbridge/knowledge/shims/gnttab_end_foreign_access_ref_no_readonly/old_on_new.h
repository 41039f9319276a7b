/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gnttab_end_foreign_access_ref(ref, readonly) (Linux < 5.18) on a kernel
 * whose function takes the reference only. readonly was unused by the older
 * kernel too (both grant-table versions ignored it); it is evaluated and
 * dropped, and the kernel's function gives the same answer and warning.
 */
#include <xen/grant_table.h>

static inline int kb_gnttab_end_foreign_access_ref(grant_ref_t ref, int readonly)
{
	(void)readonly;
	return gnttab_end_foreign_access_ref(ref);
}
#define gnttab_end_foreign_access_ref(ref, readonly)	kb_gnttab_end_foreign_access_ref(ref, readonly)
