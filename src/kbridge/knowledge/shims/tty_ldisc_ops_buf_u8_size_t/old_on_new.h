/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct tty_ldisc_ops.receive_buf/receive_buf2: 5.14..6.5 callbacks (const char *fp,
 * int count, int return) on a 6.6+ kernel (const u8 *fp, size_t count, size_t return).
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

/* 6.6+ calls receive_buf(tty, cp, fp, size_t count); the driver's takes an int count */
static inline void kb_tl_receive_buf_tramp(struct tty_struct *tty, const u8 *cp, const u8 *fp, size_t count)
{
	void (*fn)(struct tty_struct *, const unsigned char *, const char *, int) =
		KB_TL_DRIVER_FN(tty, receive_buf);

	do {
		int n = count > INT_MAX ? INT_MAX : (int)count;

		fn(tty, cp, (const char *)fp, n);
		cp += n;
		if (fp)
			fp += n;
		count -= n;
	} while (count);
}

/* the bytes taken: the sum over pieces, up to the first piece not taken whole */
static inline size_t kb_tl_receive_buf2_tramp(struct tty_struct *tty, const u8 *cp, const u8 *fp, size_t count)
{
	int (*fn)(struct tty_struct *, const unsigned char *, const char *, int) =
		KB_TL_DRIVER_FN(tty, receive_buf2);
	size_t done = 0;

	do {
		int n = count - done > INT_MAX ? INT_MAX : (int)(count - done);
		int got = fn(tty, cp + done, fp ? (const char *)fp + done : NULL, n);

		if (got <= 0)
			break;
		if (got > n)
			got = n;
		done += got;
		if (got < n)
			break;
	} while (done < count);
	return done;
}
