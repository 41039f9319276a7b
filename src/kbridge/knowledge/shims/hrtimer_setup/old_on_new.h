/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hrtimer_init() on a kernel that removed it for hrtimer_setup(). The old
 * call set the timer up (clock, mode, base) without a callback; the driver
 * then assigned timer->function, which the newer kernel still has as a plain
 * member (__private is a sparse annotation only). The newer kernel insists on
 * a callback at set-up (a NULL one warns), so the shim passes a placeholder
 * that returns HRTIMER_NORESTART, and the driver's assignment replaces it as
 * before. A timer started before that assignment called NULL on the older
 * kernel and does nothing here.
 */
#include <linux/hrtimer.h>

static inline enum hrtimer_restart kb_hrtimer_unset_function(struct hrtimer *unused)
{
	return HRTIMER_NORESTART;
}

static inline void kb_hrtimer_init(struct hrtimer *timer, clockid_t clock_id,
				   enum hrtimer_mode mode)
{
	hrtimer_setup(timer, kb_hrtimer_unset_function, clock_id, mode);
}

#define hrtimer_init(timer, clock_id, mode)	kb_hrtimer_init(timer, clock_id, mode)
