/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct p9_trans_module with two slots of the driver's own appended (rule
 * p9_req_put_client, old_on_new): kb_drv_track_create and kb_drv_track_close
 * keep the driver's create and close callbacks while v9fs_register_trans()
 * (wrapped in old_on_new.h) puts the layer's client-tracking trampolines in
 * the kernel's slots, so that the driver's p9_req_put(r) can find the client
 * of a request. Appended after the struct's last member, show_options (a
 * macro for show_options, which occurs once in the code of the kernel's
 * <net/9p/transport.h>: it closes the kernel's declaration, adds the members
 * of every wrapper of the header that applies -- pooled_rbuffers,
 * kb_drv_create, these -- and opens a pad pointer that the rest of the
 * kernel's declaration closes). Every kernel member keeps its offset
 * (static_assert, in old_on_new.h); the kernel links the driver's struct into
 * its list of transports by address and never copies or sizes it.
 */
#include "kb_config.h"
#if !defined(KB_P9_REQ_PUT_TRACK_WRAP) && defined(KB_HAVE_P9_REQ_PUT_CLIENT) && \
	__has_include("rules/p9_req_put_client/old_on_new.h")
#define KB_P9_REQ_PUT_TRACK_WRAP
/* what the kernel's header needs, first: the macro below must meet only its text */
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
struct p9_client;

/* the driver's callbacks have the older types: a driver that puts with p9_req_put(r) was
 * written before 6.0, its create(client, devname, args) */
#undef KB_P9_TAIL_TRACK
#define KB_P9_TAIL_TRACK						\
	int (*kb_drv_track_create)(struct p9_client *, const char *, char *);	\
	void (*kb_drv_track_close)(struct p9_client *);
#ifndef KB_P9_TAIL_POOLED
#define KB_P9_TAIL_POOLED
#endif
#ifndef KB_P9_TAIL_CREATE
#define KB_P9_TAIL_CREATE
#endif
#ifndef KB_P9_TAIL_OWNED
#if defined(show_options)
#error "kbridge: show_options is already a macro; p9_req_put_client cannot append to struct p9_trans_module"
#endif
#define KB_P9_TAIL_OWNED
#define KB_P9_TAIL_OWNER_TRACK
#define show_options	show_options)(struct seq_file *, struct p9_client *);	\
	KB_P9_TAIL_POOLED KB_P9_TAIL_CREATE KB_P9_TAIL_TRACK		\
	int (*kb_p9_show_options_pad
#endif
#include_next <net/9p/transport.h>
#ifdef KB_P9_TAIL_OWNER_TRACK
#undef show_options
#endif

#else
#include_next <net/9p/transport.h>
#endif
