/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct tty_ldisc_ops.receive_buf / receive_buf2 with the other kernel's types
 * (rule tty_ldisc_ops_buf_u8_size_t, 6.6: const char *fp, int count and an int
 * receive_buf2 return became const u8 *fp, size_t count, size_t return), through the
 * bus_remove fragment's slot machinery (knowledge/fragments/bus_remove.h: how and why):
 *   new_on_old  the driver's callbacks are 6.6's, this kernel's slots 5.14..6.5's:
 *               the trampolines pass the int count (never negative here) as size_t and
 *               hand back receive_buf2's size_t, at most the count, as int
 *   old_on_new  the driver's callbacks are 5.14..6.5's, this kernel's 6.6's: the
 *               size_t count goes to the driver in pieces of at most INT_MAX (what
 *               the older kernel could pass), receive_buf2 stopping at the first
 *               piece it does not take whole; a negative or too large int return
 *               counts as 0 / the piece
 * The flag bytes (TTY_NORMAL .. TTY_OVERRUN, 0..4) are the same bytes either way; fp
 * NULL (every byte TTY_NORMAL) stays NULL.
 *
 * 1. while the kernel's header is read, each slot is retyped in place by a macro on its
 *    name: a zero-length view of the kernel's type (kb_kernel_<m>), the driver's
 *    member at the same offset and size, and a zero-length view with the header's own
 *    declaration (kb_kernel_<m>_decl: the static_asserts prove this kernel's slot is the
 *    type the rule's probe answered, and that nothing moved);
 * 2. tty_register_ldisc(ops) keeps the driver's functions in the module's list and
 *    puts trampolines of this kernel's type in the driver's own table, which the kernel
 *    stores as is (tty->ldisc->ops is the driver's struct: pointer identity kept); a
 *    failed registration and tty_unregister_ldisc(ops) put the driver's functions back.
 *    NULL slots stay NULL;
 * 3. a trampoline finds the driver's function through tty->ldisc->ops, the table the
 *    kernel called it from (tty_ldisc_receive_buf() and flush_to_ldisc() call through
 *    the tty's current ldisc).
 */
#include "kb_config.h"
#if !defined(KB_TL_BUF) && \
	defined(KB_HAVE_TTY_LDISC_OPS_BUF_U8_SIZE_T) && !defined(KB_OLD_TTY_LDISC_OPS_BUF_U8_SIZE_T) && \
	__has_include("rules/tty_ldisc_ops_buf_u8_size_t/old_on_new.h")
#define KB_TL_BUF	1	/* this kernel: const u8 *, size_t; the driver: const char *, int */
#define KB_TL_KFP	const u8 *
#define KB_TL_KCNT	size_t
#define KB_TL_DFP	const char *
#define KB_TL_DCNT	int
#elif !defined(KB_TL_BUF) && \
	!defined(KB_HAVE_TTY_LDISC_OPS_BUF_U8_SIZE_T) && defined(KB_OLD_TTY_LDISC_OPS_BUF_U8_SIZE_T) && \
	__has_include("rules/tty_ldisc_ops_buf_u8_size_t/new_on_old.h")
#define KB_TL_BUF	2	/* this kernel: const char *, int; the driver: const u8 *, size_t */
#define KB_TL_KFP	const char *
#define KB_TL_KCNT	int
#define KB_TL_DFP	const u8 *
#define KB_TL_DCNT	size_t
#endif

#if defined(KB_TL_BUF) && !defined(KB_TL_BUF_DONE)
#define KB_TL_BUF_DONE
/* what the kernel's header includes (6.1..7.3), first: the macros below must meet only its text */
#include <linux/types.h>
#include <linux/fs.h>
#include <linux/wait.h>
#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/seq_file.h>
#if defined(receive_buf) || defined(receive_buf2)
#error "kbridge: receive_buf is already a macro; tty_ldisc_ops_buf_u8_size_t cannot retype struct tty_ldisc_ops"
#endif
#define receive_buf	kb_kernel_receive_buf[0])(struct tty_struct *, const unsigned char *,	\
				KB_TL_KFP, KB_TL_KCNT);					\
	void (*receive_buf)(struct tty_struct *, const unsigned char *, KB_TL_DFP, KB_TL_DCNT);	\
	void (*kb_kernel_receive_buf_decl[0]
#define receive_buf2	kb_kernel_receive_buf2[0])(struct tty_struct *, const unsigned char *,	\
				 KB_TL_KFP, KB_TL_KCNT);				\
	KB_TL_DCNT (*receive_buf2)(struct tty_struct *, const unsigned char *, KB_TL_DFP, KB_TL_DCNT); \
	KB_TL_KCNT (*kb_kernel_receive_buf2_decl[0]
#include_next <linux/tty_ldisc.h>
#undef receive_buf
#undef receive_buf2

#include <linux/limits.h>
#include "kb_fragments/bus_remove.h"

#define KB_TL_SLOT_OK(m)									\
	static_assert(__builtin_types_compatible_p(typeof(((struct tty_ldisc_ops *)0)->kb_kernel_##m),	\
						   typeof(((struct tty_ldisc_ops *)0)->kb_kernel_##m##_decl)) && \
		      offsetof(struct tty_ldisc_ops, m) == offsetof(struct tty_ldisc_ops, kb_kernel_##m) && \
		      offsetof(struct tty_ldisc_ops, kb_kernel_##m##_decl) ==				\
		      offsetof(struct tty_ldisc_ops, m) + sizeof(void (*)(void)) &&			\
		      sizeof(((struct tty_ldisc_ops *)0)->m) == sizeof(void (*)(void)),			\
		      "kbridge tty_ldisc_ops_buf_u8_size_t: this kernel's " #m " slot is not the type the rule's probe answered, or moved")
KB_TL_SLOT_OK(receive_buf);
KB_TL_SLOT_OK(receive_buf2);
#undef KB_TL_SLOT_OK

/* the trampolines, of this kernel's types: defined by the rule's direction file, which the
 * layer reads once <linux/tty.h> is complete (shim.toml `complete`: they reach tty->ldisc) */
#if KB_TL_BUF == 1
static inline void kb_tl_receive_buf_tramp(struct tty_struct *tty, const u8 *cp, const u8 *fp, size_t count);
static inline size_t kb_tl_receive_buf2_tramp(struct tty_struct *tty, const u8 *cp, const u8 *fp, size_t count);
#else
static inline void kb_tl_receive_buf_tramp(struct tty_struct *tty, const unsigned char *cp, const char *fp, int count);
static inline int kb_tl_receive_buf2_tramp(struct tty_struct *tty, const unsigned char *cp, const char *fp, int count);
#endif
static_assert(__builtin_types_compatible_p(typeof(&kb_tl_receive_buf_tramp),
					   typeof(((struct tty_ldisc_ops *)0)->kb_kernel_receive_buf[0])) &&
	      __builtin_types_compatible_p(typeof(&kb_tl_receive_buf2_tramp),
					   typeof(((struct tty_ldisc_ops *)0)->kb_kernel_receive_buf2[0])),
	      "kbridge: a tty_ldisc_ops trampoline is not of the kernel's type");

static inline void kb_tl_restore(struct tty_ldisc_ops *ops)
{
	kb_br_restore_slot(&ops->receive_buf);
	kb_br_restore_slot(&ops->receive_buf2);
}

/* 1: a trampoline was installed; 0: nothing to do (NULL slots, or registered already); <0: error */
static inline int kb_tl_install(struct tty_ldisc_ops *ops)
{
	int a, b;

	a = kb_br_install_slot(&ops->receive_buf, (void (*)(void))kb_tl_receive_buf_tramp);
	if (a < 0)
		return a;
	b = kb_br_install_slot(&ops->receive_buf2, (void (*)(void))kb_tl_receive_buf2_tramp);
	if (b < 0) {
		if (a > 0)
			kb_br_restore_slot(&ops->receive_buf);
		return b;
	}
	return a | b;
}

#define tty_register_ldisc(ops) \
	KB_BR_REGISTER_FN(kb_tl_install, kb_tl_restore, tty_ldisc_ops, ops, (tty_register_ldisc)(__kb_d))
#define tty_unregister_ldisc(ops) \
	KB_BR_UNREGISTER_FN(kb_tl_restore, tty_ldisc_ops, ops, (tty_unregister_ldisc)(__kb_d))
#else
#include_next <linux/tty_ldisc.h>
#endif
