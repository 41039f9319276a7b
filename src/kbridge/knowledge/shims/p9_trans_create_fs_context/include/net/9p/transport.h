/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct p9_trans_module with the driver's own create callback beside the
 * kernel's slot (rule p9_trans_create_fs_context, either direction).
 *
 * While the kernel's header is read, its create slot becomes an anonymous
 * union of the kernel's pointer (kb_kernel_create: same offset, the kernel's
 * type) and `create` of the type the driver was written for, so that the
 * driver's `.create = fn` compiles and lands in the kernel's slot; the union
 * is opened by a macro for create and closed by one for close, the next
 * member (zero-length pad arrays take no room). kb_drv_create is appended
 * after the last member, show_options (shared with p9_trans_pooled_rbuffers,
 * whose bool comes first). The after-shim wraps v9fs_register_trans(), a
 * function-like macro that meets only calls: before the kernel sees the
 * struct, the driver's callback moves to kb_drv_create and the kernel's slot
 * gets the trampoline (and back at v9fs_unregister_trans()). No object-like
 * macro for create outlives the kernel's header (create is a member of
 * struct header_ops, inode_operations, ... too). The client reaches the
 * driver's struct only through client->trans_mod and its list of transports,
 * by address, never copying or sizing it; the static_asserts (in the
 * after-shims) prove every kernel member kept its offset.
 */
#include "kb_config.h"
#if !defined(KB_P9_CREATE_FS_CONTEXT_WRAP) && \
	((!defined(KB_HAVE_P9_TRANS_CREATE_FS_CONTEXT) && \
	  __has_include("rules/p9_trans_create_fs_context/new_on_old.h")) || \
	 (defined(KB_HAVE_P9_TRANS_CREATE_FS_CONTEXT) && \
	  __has_include("rules/p9_trans_create_fs_context/old_on_new.h")))
#define KB_P9_CREATE_FS_CONTEXT_WRAP
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
struct p9_client;

#ifdef KB_HAVE_P9_TRANS_CREATE_FS_CONTEXT
/* old_on_new: the driver's callback has the older type */
typedef int (*kb_p9_drv_create_t)(struct p9_client *client, const char *devname, char *args);
#else
/* new_on_old: the driver's callback has the newer type */
typedef int (*kb_p9_drv_create_t)(struct p9_client *client, struct fs_context *fc);
#endif

#if defined(create) || defined(close)
#error "kbridge: create or close is already a macro; p9_trans_create_fs_context cannot retype p9_trans_module.create"
#endif
#undef KB_P9_TAIL_CREATE
#define KB_P9_TAIL_CREATE	kb_p9_drv_create_t kb_drv_create;
#ifndef KB_P9_TAIL_POOLED
#define KB_P9_TAIL_POOLED
#endif
#ifndef KB_P9_TAIL_TRACK
#define KB_P9_TAIL_TRACK
#endif
#ifndef KB_P9_TAIL_OWNED
#if defined(show_options)
#error "kbridge: show_options is already a macro; p9_trans_create_fs_context cannot append to struct p9_trans_module"
#endif
#define KB_P9_TAIL_OWNED
#define KB_P9_TAIL_OWNER_CREATE
#define show_options	show_options)(struct seq_file *, struct p9_client *);	\
	KB_P9_TAIL_POOLED KB_P9_TAIL_CREATE KB_P9_TAIL_TRACK		\
	int (*kb_p9_show_options_pad
#endif
#define create		kb_kernel_create_pad[0])(void);			\
	union { kb_p9_drv_create_t create; int (*kb_kernel_create
#define close		kb_close_pad[0])(void); }; void (*close
#include_next <net/9p/transport.h>
#undef create
#undef close
#ifdef KB_P9_TAIL_OWNER_CREATE
#undef show_options
#endif

#else
#include_next <net/9p/transport.h>
#endif
