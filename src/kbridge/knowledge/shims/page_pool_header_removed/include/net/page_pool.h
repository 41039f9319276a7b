/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <net/page_pool.h> on a kernel where it is gone: Linux 6.6 split it into
 * <net/page_pool/types.h> (types and the page_pool_create/destroy/... API)
 * and <net/page_pool/helpers.h> (the inline helpers), without changing any
 * declaration; the old header was the union of the two, so this wrapper
 * includes both. On a kernel that still has the header it forwards to it.
 */
#include "kb_config.h"
#ifdef KB_HAVE_PAGE_POOL_HEADER_REMOVED
#if __has_include_next(<net/page_pool.h>)
#error "kbridge: this kernel has <net/page_pool.h> but compat/kb_config.h says it has not; run make clean"
#endif
#include <net/page_pool/types.h>
#include <net/page_pool/helpers.h>
#else
#include_next <net/page_pool.h>
#endif
