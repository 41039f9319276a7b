/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <linux/skbuff_ref.h> on a kernel that has no such header: there the
 * fragment reference helpers it declares (__skb_frag_ref, skb_frag_ref,
 * __skb_frag_unref, skb_frag_unref) are static inline functions of
 * <linux/skbuff.h>, with the same prototypes; the newer kernel moved them
 * into this header unchanged. Including <linux/skbuff.h> gives the driver the
 * same functions. On a kernel that has the real header this wrapper forwards
 * to it (and stops if the build-time probe disagrees with the compiler, which
 * means a stale compat/kb_config.h).
 */
#include "kb_config.h"
#ifdef KB_HAVE_SKBUFF_REF_HEADER
#include_next <linux/skbuff_ref.h>
#else
#if __has_include_next(<linux/skbuff_ref.h>)
#error "kbridge: this kernel has <linux/skbuff_ref.h> but compat/kb_config.h says it has not; run make clean"
#endif
#include <linux/skbuff.h>
#endif
