/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct p9_trans_module with the driver's own create callback beside the
 * kernel's slot (rule p9_trans_create_fs_context, either direction).
 *
 * While the kernel's header is read, its create slot is named
 * kb_kernel_create (same offset, the kernel's type: the layer's trampoline
 * goes there) and kb_drv_create -- the driver's callback, of the type the
 * driver was written for -- is appended after the last member, show_options
 * (a macro for show_options closes the kernel's declaration, adds the
 * members, and opens a pad pointer the rest of the declaration closes;
 * shared with p9_trans_pooled_rbuffers, whose bool comes first). The client
 * reaches the driver's struct only through client->trans_mod and its list of
 * transports, by address, never copying or sizing it; the static_asserts
 * prove every kernel member kept its offset. The headers the kernel's
 * <net/9p/transport.h> and the trampolines need are read first, so that the
 * macros see nothing but struct p9_trans_module (create is also a member of
 * struct inode_operations in <linux/fs.h>).
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

#if defined(create)
#error "kbridge: create is already a macro; p9_trans_create_fs_context cannot retype p9_trans_module.create"
#endif
#undef KB_P9_TAIL_CREATE
#define KB_P9_TAIL_CREATE	kb_p9_drv_create_t kb_drv_create;
#ifndef KB_P9_TAIL_POOLED
#define KB_P9_TAIL_POOLED
#endif
#ifndef KB_P9_TAIL_OWNED
#if defined(show_options)
#error "kbridge: show_options is already a macro; p9_trans_create_fs_context cannot append to struct p9_trans_module"
#endif
#define KB_P9_TAIL_OWNED
#define KB_P9_TAIL_OWNER_CREATE
#define show_options	show_options)(struct seq_file *, struct p9_client *);	\
	KB_P9_TAIL_POOLED KB_P9_TAIL_CREATE				\
	int (*kb_p9_show_options_pad
#endif
#define create		kb_kernel_create
#include_next <net/9p/transport.h>
#undef create
#ifdef KB_P9_TAIL_OWNER_CREATE
#undef show_options
#endif

#else
#include_next <net/9p/transport.h>
#endif
