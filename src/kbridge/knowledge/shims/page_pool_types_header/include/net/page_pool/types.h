/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <net/page_pool/types.h> on a kernel that has no such header: there the
 * page_pool API -- types and helpers alike -- is declared by <net/page_pool.h>,
 * the header Linux 6.6 split into <net/page_pool/types.h> and
 * <net/page_pool/helpers.h> without changing any declaration. Including it
 * gives the driver the same declarations. On a kernel that has the real
 * header this wrapper forwards to it (and stops if the build-time probe
 * disagrees with the compiler, which means a stale compat/kb_config.h).
 */
#include "kb_config.h"
#ifdef KB_HAVE_PAGE_POOL_TYPES_HEADER
#include_next <net/page_pool/types.h>
#else
#if __has_include_next(<net/page_pool/types.h>)
#error "kbridge: this kernel has <net/page_pool/types.h> but compat/kb_config.h says it has not; run make clean"
#endif
#include <net/page_pool.h>
#endif
