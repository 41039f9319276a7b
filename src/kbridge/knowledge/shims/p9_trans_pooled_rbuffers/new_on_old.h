/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The member is added by this rule's wrapper of <net/9p/transport.h>
 * (include/net/9p/transport.h), which finds this file to know it applies.
 * After the header: only its layout checks.
 */
#include <net/9p/transport.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>

/* the wrapper's layout checks, here after the whole chain of wrappers of the header:
 * while it is read, other wrappers' member macros (show_options, pooled_rbuffers)
 * are still defined */
#ifdef CONFIG_RANDSTRUCT
#error "kbridge: p9_trans_pooled_rbuffers cannot append to struct p9_trans_module on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(offsetof(struct p9_trans_module, pooled_rbuffers) ==
	      offsetof(struct p9_trans_module, show_options) + sizeof(void (*)(void)),
	      "kbridge: show_options is not the last member of this kernel's struct p9_trans_module; "
	      "the p9_trans_pooled_rbuffers wrapper does not fit it");
