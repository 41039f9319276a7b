/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netdev_change_proto_down, old_on_new only: <linux/netdev_features.h> as the
 * kernel has it, plus one macro that widens the driver's view of priv_flags
 * when <linux/netdevice.h> declares struct net_device (which it does after
 * including this header, so the macro is in place whichever header the
 * driver includes first). On any other kernel, or for a driver bridged the
 * other way, it is the kernel's header unchanged: the macro is defined only
 * when this OUT carries rules/netdev_change_proto_down/old_on_new.h.
 *
 * Why: 6.1 kept priv_flags in an unsigned long long with
 * IFF_CHANGE_PROTO_DOWN = BIT_ULL(32). 6.12 has
 *
 *	struct_group(priv_flags_fast,
 *		unsigned long	priv_flags:32;		(bits 0..31, all 32 in use)
 *		unsigned long	lltx:1;			(bit 32)
 *	);					(bits 33..63: padding)
 *
 * so `dev->priv_flags |= IFF_CHANGE_PROTO_DOWN`, whatever bit it names, would
 * be truncated to the 32-bit field and lost before registration could see it.
 * struct_group() expands its NAME argument, and `priv_flags_fast` occurs
 * nowhere else in the kernel's include/ tree: the group's union gets one more
 * member, `unsigned long kb_priv_flags`, the whole word. old_on_new.h (after
 * <linux/netdevice.h>) proves with static_asserts that every member keeps the
 * kernel's offset and that the word is exactly the group, and makes the
 * driver's `priv_flags` mean that word.
 */
#include "kb_config.h"
#if defined(KB_HAVE_NETDEV_CHANGE_PROTO_DOWN) && !defined(priv_flags_fast) && \
	__has_include("rules/netdev_change_proto_down/old_on_new.h")
#define priv_flags_fast	priv_flags_fast; unsigned long kb_priv_flags
#endif
#include_next <linux/netdev_features.h>
