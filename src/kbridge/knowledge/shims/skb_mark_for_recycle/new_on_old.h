/* SPDX-License-Identifier: GPL-2.0 */
/*
 * skb_mark_for_recycle(skb) -- 5.14 (6a5bcd84e886) -- on a kernel without
 * the skb recycling path (no sk_buff.pp_recycle). The newer kernel's own
 * definition for a kernel without that path (!CONFIG_PAGE_POOL) does
 * nothing: the skb's pages are freed by put_page when the skb is freed.
 */
#include <linux/skbuff.h>

static inline void kb_skb_mark_for_recycle(struct sk_buff *skb)
{
}

#undef skb_mark_for_recycle
#define skb_mark_for_recycle kb_skb_mark_for_recycle
