/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ->stop(hw) (a driver written for Linux up to 6.10) on a kernel whose mac80211
 * calls ->stop(hw, suspend) (6.11+): suspend is true when the device is stopped by
 * the wiphy's system-sleep callback (__ieee80211_suspend), false when the last
 * interface goes down (ieee80211_do_stop) or a start fails.
 *
 * The older core called ->stop(hw) at exactly those places, with nothing to tell
 * them apart: the driver's stop did the same in both. So the trampoline in the
 * kernel's slot (the copy of the table the core gets, fragment mac80211_ops_box)
 * calls the driver's stop(hw) and drops the flag, which is what the driver's own
 * kernel gave it.
 */
/* the table copy: knowledge/fragments/mac80211_ops_box.h (how and why) */
#include "kb_fragments/mac80211_ops_box.h"
#ifndef KB_M80211_STOP_WRAP
#error "kbridge: ieee80211_ops_stop_suspend needs its wrapper of <net/mac80211.h> (compat/include) first on the include path"
#endif

static void kb_m80211_stop_trampoline(struct ieee80211_hw *hw, bool suspend)
{
	const struct ieee80211_ops *drv = kb_m80211_driver(hw);

	if (drv)
		drv->stop(hw);
}

static __maybe_unused bool kb_m80211_patch_stop(const struct ieee80211_ops *drv,
						struct ieee80211_ops *copy)
{
	if (!drv->stop)
		return false;		/* NULL stays NULL (the core refuses such a table) */
	if (copy)
		copy->kb_k_stop = kb_m80211_stop_trampoline;
	return true;
}

#undef KB_M80211_PATCH_STOP
#define KB_M80211_PATCH_STOP	kb_m80211_patch_stop
