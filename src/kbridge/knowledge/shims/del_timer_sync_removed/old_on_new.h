/* SPDX-License-Identifier: GPL-2.0 */
/*
 * del_timer_sync() on a kernel that removed it (6.15). From 6.2 on it was
 * the inline below in <linux/timer.h>: timer_delete_sync() under the old
 * name -- deactivate the timer, wait for a running callback to finish,
 * return 1 when a pending timer was deactivated and 0 when it was not
 * pending; the same lockdep annotation and the same warning in hard-IRQ
 * context, being the same function.
 */
#include <linux/timer.h>

static inline int kb_del_timer_sync(struct timer_list *timer)
{
	return timer_delete_sync(timer);
}

#define del_timer_sync(timer)	kb_del_timer_sync(timer)
