/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct p9_trans_module.pooled_rbuffers on a kernel without it (5.10). The
 * member is a bool appended, while the kernel's header is read, after the
 * struct's last member, show_options (a macro for show_options, which occurs
 * once in the code of the kernel's <net/9p/transport.h>: it closes the
 * kernel's declaration, adds the bool, and opens a pad pointer that the rest
 * of the kernel's declaration closes). Every kernel member keeps its offset
 * (static_assert, in new_on_old.h); the kernel links the driver's struct into its list of
 * transports by address and never copies or sizes it. The older client reads
 * no such flag: it allocates every buffer of the full msize.
 */
#include "kb_config.h"
#if !defined(KB_P9_POOLED_RBUFFERS_WRAP) && !defined(KB_HAVE_P9_TRANS_POOLED_RBUFFERS) && \
	__has_include("rules/p9_trans_pooled_rbuffers/new_on_old.h")
#define KB_P9_POOLED_RBUFFERS_WRAP
/* what the kernel's header needs, first: the macro below must meet only its text */
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
struct p9_client;

/* the members appended after show_options: this rule's, p9_trans_create_fs_context's
 * kb_drv_create and p9_req_put_client's two callbacks when their wrappers apply too (each
 * wrapper sets its part; the first one read defines show_options, expanded only when the
 * kernel's header is read) */
#undef KB_P9_TAIL_POOLED
#define KB_P9_TAIL_POOLED	bool pooled_rbuffers;
#ifndef KB_P9_TAIL_CREATE
#define KB_P9_TAIL_CREATE
#endif
#ifndef KB_P9_TAIL_TRACK
#define KB_P9_TAIL_TRACK
#endif
#ifndef KB_P9_TAIL_OWNED
#if defined(show_options)
#error "kbridge: show_options is already a macro; p9_trans_pooled_rbuffers cannot add struct p9_trans_module.pooled_rbuffers"
#endif
#define KB_P9_TAIL_OWNED
#define KB_P9_TAIL_OWNER_POOLED
#define show_options	show_options)(struct seq_file *, struct p9_client *);	\
	KB_P9_TAIL_POOLED KB_P9_TAIL_CREATE KB_P9_TAIL_TRACK		\
	int (*kb_p9_show_options_pad
#endif
#include_next <net/9p/transport.h>
#ifdef KB_P9_TAIL_OWNER_POOLED
#undef show_options
#endif

#else
#include_next <net/9p/transport.h>
#endif
