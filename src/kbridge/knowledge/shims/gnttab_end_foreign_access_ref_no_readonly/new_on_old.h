/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gnttab_end_foreign_access_ref(ref) (Linux >= 5.18, c94b731da21f) on a kernel
 * whose function also takes "readonly". That argument was unused there: the
 * v1 and v2 grant-table implementations ignore it. So 0 is passed, and the
 * answer (1: ended; 0: still in use, with the kernel's warning) is the same.
 */
#include <xen/grant_table.h>

static inline int kb_gnttab_end_foreign_access_ref(grant_ref_t ref)
{
	return gnttab_end_foreign_access_ref(ref, 0);
}
#define gnttab_end_foreign_access_ref(ref)	kb_gnttab_end_foreign_access_ref(ref)
