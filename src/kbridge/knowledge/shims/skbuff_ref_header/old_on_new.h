/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The skb fragment reference helpers (__skb_frag_ref, skb_frag_ref,
 * __skb_frag_unref, skb_frag_unref) for a driver written when
 * <linux/skbuff.h> declared them: the newer kernel moved them, unchanged, into
 * <linux/skbuff_ref.h>, which is included right after <linux/skbuff.h> so the
 * driver sees the same functions where it expects them.
 */
#include <linux/skbuff_ref.h>
