/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct tty_ldisc_ops.receive_buf/receive_buf2: 6.6+ callbacks (const u8 *fp, size_t
 * count, size_t return) on a 5.14..6.5 kernel (const char *fp, int count, int return).
 * The wrapper of <linux/tty_ldisc.h> retypes the slots and installs these
 * trampolines at tty_register_ldisc(); they are defined here, once <linux/tty.h>
 * is complete (shim.toml `complete`), because they find the driver's function
 * through tty->ldisc->ops, the table the kernel called them from.
 */
#include <linux/tty.h>
#include <linux/limits.h>

/* in a trampoline: the driver's function of member m of the table the kernel called */
#define KB_TL_DRIVER_FN(tty, m)	\
	((typeof(((struct tty_ldisc_ops *)0)->m))kb_br_find(&(tty)->ldisc->ops->m))

/* 5.14..6.5 call receive_buf(tty, cp, fp, int count), count > 0; the driver's takes size_t */
static inline void kb_tl_receive_buf_tramp(struct tty_struct *tty, const unsigned char *cp, const char *fp, int count)
{
	void (*fn)(struct tty_struct *, const u8 *, const u8 *, size_t) =
		KB_TL_DRIVER_FN(tty, receive_buf);

	if (count < 0)
		return;
	fn(tty, cp, (const u8 *)fp, count);
}

static inline int kb_tl_receive_buf2_tramp(struct tty_struct *tty, const unsigned char *cp, const char *fp, int count)
{
	size_t (*fn)(struct tty_struct *, const u8 *, const u8 *, size_t) =
		KB_TL_DRIVER_FN(tty, receive_buf2);
	size_t got;

	if (count < 0)
		return 0;
	got = fn(tty, cp, (const u8 *)fp, count);
	return got > (size_t)count ? count : (int)got;
}
