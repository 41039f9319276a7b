/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct p9_trans_module.supports_vmalloc on a kernel without it (before
 * 7.2). The member is a bool placed, while the kernel's header is read, right
 * after pooled_rbuffers (a macro for pooled_rbuffers): on 6.1 and 6.12 in the
 * padding between the bool pooled_rbuffers and int def, every kernel member
 * keeping its offset and the size the kernel's (static_asserts); on 5.10,
 * where rule p9_trans_pooled_rbuffers appends pooled_rbuffers after the last
 * member, right after that. The older client never gives a transport
 * vmalloc'd buffers, whatever the flag says.
 */
#include "kb_config.h"
#if !defined(KB_P9_SUPPORTS_VMALLOC_WRAP) && !defined(KB_HAVE_P9_TRANS_SUPPORTS_VMALLOC) && \
	__has_include("rules/p9_trans_supports_vmalloc/new_on_old.h")
#define KB_P9_SUPPORTS_VMALLOC_WRAP
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>

#if defined(pooled_rbuffers)
#error "kbridge: pooled_rbuffers is already a macro; p9_trans_supports_vmalloc cannot add struct p9_trans_module.supports_vmalloc"
#endif
#define pooled_rbuffers	pooled_rbuffers; bool supports_vmalloc
#include_next <net/9p/transport.h>
#undef pooled_rbuffers

#else
#include_next <net/9p/transport.h>
#endif
