/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct config_item_type's ct_item_ops and ct_group_ops as pointers to const
 * (Linux 7.2, 7.3) on a kernel that declares them as plain pointers (5.10 to
 * 6.12). A newer driver initializes them with its static const tables; the
 * kernel's configfs only reads through them. While the kernel's header is
 * read, each member's one declaration line becomes
 *
 *	struct configfs_item_operations *kb_cfs_ipad[0];
 *	union {
 *		const struct configfs_item_operations *ct_item_ops;
 *		struct configfs_item_operations *kb_ct_item_ops_kernel;
 *	};
 *	struct configfs_item_operations *kb_cfs_ipad2[0];
 *
 * (one macro per member name, which occurs nowhere else in <linux/configfs.h>
 * or what it includes; zero-length GNU arrays take no room). The
 * static_asserts below prove the union is the kernel's pointer in the
 * kernel's place and stop the build on a kernel whose header differs.
 * Upstream release and commit: rule configfs_type_ops_const (rules/fs.toml).
 */
#include "kb_config.h"
#if !defined(KB_CONFIGFS_TYPE_OPS_CONST_WRAP) && !defined(KB_HAVE_CONFIGFS_TYPE_OPS_CONST)
#define KB_CONFIGFS_TYPE_OPS_CONST_WRAP
#include <linux/build_bug.h>
#include <linux/stddef.h>

#if defined(ct_item_ops) || defined(ct_group_ops)
#error "kbridge: ct_item_ops or ct_group_ops is already a macro; the configfs_type_ops_const wrapper of <linux/configfs.h> cannot retype them"
#endif
struct configfs_item_operations;
struct configfs_group_operations;
#define ct_item_ops	kb_cfs_ipad[0]; union { const struct configfs_item_operations *ct_item_ops; \
		struct configfs_item_operations *kb_ct_item_ops_kernel; }; \
		struct configfs_item_operations *kb_cfs_ipad2[0]
#define ct_group_ops	kb_cfs_gpad[0]; union { const struct configfs_group_operations *ct_group_ops; \
		struct configfs_group_operations *kb_ct_group_ops_kernel; }; \
		struct configfs_group_operations *kb_cfs_gpad2[0]
#include_next <linux/configfs.h>
#undef ct_item_ops
#undef ct_group_ops

static_assert(__builtin_types_compatible_p(typeof(((struct config_item_type *)0)->kb_ct_item_ops_kernel),
					   struct configfs_item_operations *) &&
	      __builtin_types_compatible_p(typeof(((struct config_item_type *)0)->kb_ct_group_ops_kernel),
					   struct configfs_group_operations *),
	      "kbridge: this kernel's config_item_type ops members have another type; "
	      "the configfs_type_ops_const wrapper does not fit it");
static_assert(offsetof(struct config_item_type, ct_item_ops) ==
	      offsetof(struct config_item_type, kb_ct_item_ops_kernel) &&
	      offsetof(struct config_item_type, kb_cfs_ipad) ==
	      offsetof(struct config_item_type, ct_item_ops) &&
	      offsetof(struct config_item_type, kb_cfs_ipad2) ==
	      offsetof(struct config_item_type, ct_item_ops) + sizeof(void *) &&
	      offsetof(struct config_item_type, ct_group_ops) ==
	      offsetof(struct config_item_type, kb_ct_group_ops_kernel) &&
	      offsetof(struct config_item_type, kb_cfs_gpad) ==
	      offsetof(struct config_item_type, ct_group_ops) &&
	      offsetof(struct config_item_type, kb_cfs_gpad2) ==
	      offsetof(struct config_item_type, ct_group_ops) + sizeof(void *),
	      "kbridge: retyping config_item_type's ops members would move a member of this "
	      "kernel's struct config_item_type; the wrapper does not fit it");
#else
#include_next <linux/configfs.h>
#endif
