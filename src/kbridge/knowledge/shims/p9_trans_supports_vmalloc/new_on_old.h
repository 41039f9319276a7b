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
static_assert(offsetof(struct p9_trans_module, supports_vmalloc) ==
	      offsetof(struct p9_trans_module, pooled_rbuffers) + sizeof(bool),
	      "kbridge: the p9_trans_supports_vmalloc wrapper did not place supports_vmalloc after pooled_rbuffers");
#ifdef KB_HAVE_P9_TRANS_POOLED_RBUFFERS
/* pooled_rbuffers is the kernel's: supports_vmalloc must take only its padding */
static_assert(offsetof(struct p9_trans_module, def) ==
	      offsetof(struct p9_trans_module, pooled_rbuffers) + sizeof(int) &&
	      offsetof(struct p9_trans_module, pooled_rbuffers) % sizeof(int) == 0,
	      "kbridge: this kernel's struct p9_trans_module has no padding after pooled_rbuffers; "
	      "the p9_trans_supports_vmalloc wrapper does not fit it");
#endif
