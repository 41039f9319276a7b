/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct ieee80211_ops.stop of the driver's kernel on a kernel whose slot has the
 * other type: void (*stop)(struct ieee80211_hw *) up to 6.10, void (*stop)(struct
 * ieee80211_hw *, bool suspend) from 6.11 (rule ieee80211_ops_stop_suspend).
 *
 * A driver writes `.stop = fn` with fn of its own kernel's type. While the kernel's
 * header is read, the kernel's member becomes a union at the same place:
 *
 *	void (*kb_stop_pad[0])(void);
 *	union {
 *		void (*kb_k_stop)(<the kernel's type>);		<- what the core calls
 *		void (*stop)(<the driver's type>);		<- the driver's designator
 *	};
 *	void (*kb_stop_pad2[0])(<the kernel's text>);
 *
 * (one macro for the member's name, `stop`, which occurs nowhere else in the code of
 * <net/mac80211.h>; the headers it includes are included first, so the macro meets
 * only <net/mac80211.h>'s own text; zero-length GNU arrays take no room). The
 * static_asserts prove the union is one pointer in the kernel's slot. What the core
 * calls through the slot is a trampoline of the kernel's type (the direction's .h),
 * never the driver's function: the core gets a copy of the table when the driver
 * allocates its hw (knowledge/fragments/mac80211_ops_box.h).
 */
#include "kb_config.h"
#if !defined(KB_M80211_STOP_WRAP) && \
	((defined(KB_HAVE_IEEE80211_OPS_STOP_SUSPEND) && \
	  __has_include("rules/ieee80211_ops_stop_suspend/old_on_new.h")) || \
	 (!defined(KB_HAVE_IEEE80211_OPS_STOP_SUSPEND) && \
	  __has_include("rules/ieee80211_ops_stop_suspend/new_on_old.h")))
#define KB_M80211_STOP_WRAP
/* what <net/mac80211.h> includes (5.10 .. 7.3), first: the macro below must meet its text only */
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/if_ether.h>
#include <linux/skbuff.h>
#include <linux/ieee80211.h>
#include <linux/lockdep.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <net/cfg80211.h>
#include <net/codel.h>
#include <net/ieee80211_radiotap.h>
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

struct ieee80211_hw;

#ifdef stop
#error "kbridge: stop is already a macro; the ieee80211_ops_stop_suspend wrapper of <net/mac80211.h> cannot retype the slot"
#endif
#ifdef KB_HAVE_IEEE80211_OPS_STOP_SUSPEND
#define KB_M80211_K_STOP_T	void (*)(struct ieee80211_hw *, bool)
#define stop	kb_stop_pad[0])(void); union { \
		void (*kb_k_stop)(struct ieee80211_hw *, bool); \
		void (*stop)(struct ieee80211_hw *); }; void (*kb_stop_pad2[0]
#else
#define KB_M80211_K_STOP_T	void (*)(struct ieee80211_hw *)
#define stop	kb_stop_pad[0])(void); union { \
		void (*kb_k_stop)(struct ieee80211_hw *); \
		void (*stop)(struct ieee80211_hw *, bool); }; void (*kb_stop_pad2[0]
#endif
#include_next <net/mac80211.h>
#undef stop

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: ieee80211_ops_stop_suspend cannot retype ieee80211_ops.stop on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(__builtin_types_compatible_p(typeof(((struct ieee80211_ops *)0)->kb_k_stop),
					   KB_M80211_K_STOP_T),
	      "kbridge: this kernel's ieee80211_ops.stop has another type; "
	      "the ieee80211_ops_stop_suspend wrapper does not fit it");
static_assert(offsetof(struct ieee80211_ops, stop) == offsetof(struct ieee80211_ops, kb_k_stop) &&
	      offsetof(struct ieee80211_ops, kb_stop_pad) == offsetof(struct ieee80211_ops, kb_k_stop) &&
	      offsetof(struct ieee80211_ops, kb_stop_pad2) ==
	      offsetof(struct ieee80211_ops, kb_k_stop) + sizeof(void (*)(void)) &&
	      offsetof(struct ieee80211_ops, kb_k_stop) ==
	      offsetof(struct ieee80211_ops, start) + sizeof(void (*)(void)),
	      "kbridge: retyping ieee80211_ops.stop would move a member of this kernel's "
	      "struct ieee80211_ops; the wrapper does not fit it");
#else
#include_next <net/mac80211.h>
#endif
