/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kfree_skb_reason(skb, reason) (c504e5c2f964 "net: skb: introduce kfree_skb_reason()",
 * 5.17) on an older kernel: kfree_skb(skb). The reason only reaches the newer kernel's
 * kfree_skb trace point; the skb's fate (reference dropped, freed with its destructor when
 * it was the last) is kfree_skb()'s on both kernels, and the older one reports the drop to
 * its own trace point without a reason. The reason argument is not evaluated, so a
 * subsystem's SKB_DROP_REASON_* constant the older kernel lacks is never compiled there.
 * enum skb_drop_reason gets the newer kernel's three generic values (same names, same
 * numbers: not dropped yet, consumed, not specified) for drivers that keep a reason in a
 * variable; its subsystem reasons are not declared (a driver naming one outside the call
 * fails to build, loudly).
 */
#include <linux/skbuff.h>

enum skb_drop_reason {
	SKB_NOT_DROPPED_YET = 0,
	SKB_CONSUMED,
	SKB_DROP_REASON_NOT_SPECIFIED,
};

#define kfree_skb_reason(skb, reason)	kfree_skb(skb)
