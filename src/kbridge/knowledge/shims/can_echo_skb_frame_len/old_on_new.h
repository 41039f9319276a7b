/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The echo-skb calls of an older CAN driver on a kernel whose calls carry the
 * CAN frame length: the older driver keeps no byte-queue accounting, so the
 * frame length stored is 0 and none is asked back (NULL); the slot handling
 * is this kernel's own. can_get_echo_skb() returns its value without the
 * newer __must_check, as the older declaration did.
 */
#include <linux/can/skb.h>

#define can_put_echo_skb(skb, dev, idx) can_put_echo_skb(skb, dev, idx, 0)
#define can_get_echo_skb(dev, idx)					\
({									\
	unsigned int __kb_echo_len = can_get_echo_skb(dev, idx, NULL);	\
	__kb_echo_len;							\
})
#define can_free_echo_skb(dev, idx) can_free_echo_skb(dev, idx, NULL)
