/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct p9_trans_module.pooled_rbuffers on a kernel without it (5.10). The
 * member is a bool appended, while the kernel's header is read, after the
 * struct's last member, show_options (a macro for show_options, which occurs
 * once in the code of the kernel's <net/9p/transport.h>: it closes the
 * kernel's declaration, adds the bool, and opens a pad pointer that the rest
 * of the kernel's declaration closes). Every kernel member keeps its offset
 * (static_assert); the kernel links the driver's struct into its list of
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

#if defined(show_options)
#error "kbridge: show_options is already a macro; p9_trans_pooled_rbuffers cannot add struct p9_trans_module.pooled_rbuffers"
#endif
#define show_options	show_options)(struct seq_file *, struct p9_client *);	\
	bool pooled_rbuffers;						\
	int (*kb_p9_show_options_pad
#include_next <net/9p/transport.h>
#undef show_options

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: p9_trans_pooled_rbuffers cannot append to struct p9_trans_module on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(offsetof(struct p9_trans_module, pooled_rbuffers) ==
	      offsetof(struct p9_trans_module, show_options) + sizeof(void (*)(void)),
	      "kbridge: show_options is not the last member of this kernel's struct p9_trans_module; "
	      "the p9_trans_pooled_rbuffers wrapper does not fit it");
#else
#include_next <net/9p/transport.h>
#endif
