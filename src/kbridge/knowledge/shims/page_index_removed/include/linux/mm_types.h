/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct page.index (Linux <= 6.15) on a kernel that calls the same member
 * __folio_index (rule page_index_removed, old_on_new; 6.16, acc53a0b4c15
 * "mm: rename page->index to page->__folio_index").
 *
 * While the kernel's header is read, the name __folio_index is spelled index:
 * struct page's member keeps its type (pgoff_t), its offset and its place in
 * the union with share; only its name changes, so that the driver's
 * page->index is the kernel's page->__folio_index, read or written. The
 * header's own static_asserts that name it (FOLIO_MATCH(__folio_index, index),
 * TABLE_MATCH(__folio_index, pt_index)) pass their arguments through the
 * macro too and check offsetof(struct page, index): the same offset, still
 * proven equal to folio->index and ptdesc->pt_index. Every other struct's
 * index (struct folio's, struct console's, the driver's own variables) is
 * untouched: the macro renames the identifier __folio_index only, which no
 * other kernel header of 7.2 or 7.3 names (its other users, mm/zpdesc.h, are
 * internal to mm/). The ABI check reads the module's DWARF: struct page keeps
 * its size and every offset, the member stands under the other name in place
 * (the manifest's [abi] renames).
 *
 * The newer deferred-I/O core no longer stores the page offset in the page
 * (its fault handler leaves page->__folio_index alone); the layer's
 * trampoline of fb_deferred_io_pagereflist gives each page it hands the
 * driver the index the older core gave it (see its old_on_new.h).
 */
#include "kb_config.h"
#if !defined(KB_PAGE_INDEX_WRAP) && defined(KB_HAVE_PAGE_INDEX_REMOVED) && \
	__has_include("rules/page_index_removed/old_on_new.h")
#define KB_PAGE_INDEX_WRAP
#ifdef __folio_index
#error "kbridge: __folio_index is already a macro; page_index_removed cannot name struct page's member index"
#endif
#ifdef index
#error "kbridge: index is a macro; page_index_removed cannot name struct page's member index"
#endif
#define __folio_index index
#include_next <linux/mm_types.h>
#undef __folio_index
static_assert(sizeof(((struct page *)0)->index) == sizeof(pgoff_t));
static_assert(offsetof(struct page, index) == offsetof(struct folio, index));
#else
#include_next <linux/mm_types.h>
#endif
