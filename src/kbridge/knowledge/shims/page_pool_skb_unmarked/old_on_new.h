/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A driver written before skb recycling (5.14, 6a5bcd84e886) that takes its
 * RX pages from a page_pool and hands them to the stack in skbs, never
 * marking them (5.10's xen-netfront), on a kernel with recycling: an
 * unmarked skb frees a pool page with put_page, and from 6.8 (dba1b8a7ab68)
 * the page allocator refuses it ("BUG: Bad page state ... page_pool leak").
 *
 * Upstream's fix of that driver (037965402a01, "xen-netfront: Add missing
 * skb_mark_for_recycle") marks the skb right after skb_add_rx_frag(); so
 * does this shim, for every skb the driver adds a fragment to. The mark
 * covers every later free of the skb (the stack's, and the driver's own
 * kfree_skb on error and teardown paths). An skb's memory that is not a
 * pool page is unaffected: napi_pp_put_page() answers false for a page
 * without the pool's signature and the kernel put_page()s it as before.
 */
#include <linux/skbuff.h>

static inline void kb_skb_add_rx_frag(struct sk_buff *skb, int i, struct page *page,
				      int off, int size, unsigned int truesize)
{
	skb_add_rx_frag(skb, i, page, off, size, truesize);
	skb_mark_for_recycle(skb);
}

#undef skb_add_rx_frag
#define skb_add_rx_frag kb_skb_add_rx_frag
