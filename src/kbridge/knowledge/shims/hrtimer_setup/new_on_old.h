/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hrtimer_setup() on a kernel before 6.13 (908a1d775422 "hrtimers: Introduce
 * hrtimer_setup() to replace hrtimer_init()"). The newer kernel's
 * __hrtimer_setup() is the old hrtimer_init() -- zero the timer, turn a
 * relative CLOCK_REALTIME timer into CLOCK_MONOTONIC, pick the soft or hard
 * clock base from the mode -- and then stores the callback, with
 * WARN_ON_ONCE and a callback returning HRTIMER_NORESTART for a NULL one. The
 * shim is the kernel's own hrtimer_init() and the same store.
 */
#include <linux/bug.h>
#include <linux/hrtimer.h>

static inline enum hrtimer_restart kb_hrtimer_dummy_timeout(struct hrtimer *unused)
{
	return HRTIMER_NORESTART;
}

static inline void kb_hrtimer_setup(struct hrtimer *timer,
				    enum hrtimer_restart (*function)(struct hrtimer *),
				    clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	if (WARN_ON_ONCE(!function))
		timer->function = kb_hrtimer_dummy_timeout;
	else
		timer->function = function;
}

#define hrtimer_setup(timer, function, clock_id, mode) \
	kb_hrtimer_setup(timer, function, clock_id, mode)
