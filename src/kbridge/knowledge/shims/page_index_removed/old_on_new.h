/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct page.index on a kernel that calls the member __folio_index: the work
 * is done by this rule's wrapper of <linux/mm_types.h>
 * (include/linux/mm_types.h), which names the member index while the kernel's
 * header is read and finds this file to know the direction. Nothing more is
 * needed after the header. Who stores the value a driver reads there is the
 * caller's business: for deferred I/O, the layer's trampoline of
 * fb_deferred_io_pagereflist (the newer core no longer does).
 */
#include <linux/mm_types.h>
