/* SPDX-License-Identifier: GPL-2.0 */
/*
 * del_timer() on a kernel that removed it (6.15). From 6.2 on it was the
 * inline below in <linux/timer.h>: timer_delete() under the old name --
 * deactivate a pending timer without waiting for a running callback, return
 * 1 when a pending timer was deactivated and 0 when it was not pending.
 */
#include <linux/timer.h>

static inline int kb_del_timer(struct timer_list *timer)
{
	return timer_delete(timer);
}

#define del_timer(timer)	kb_del_timer(timer)
