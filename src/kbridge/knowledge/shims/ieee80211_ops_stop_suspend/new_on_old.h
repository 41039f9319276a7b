/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ->stop(hw, suspend) (a driver written for Linux 6.11+) on a kernel whose mac80211
 * calls ->stop(hw) (up to 6.10).
 *
 * The newer core passes suspend = true from one place only: __ieee80211_suspend()
 * (ieee80211_stop_device(local, true)), which runs in the wiphy's system-sleep
 * callback (cfg80211's wiphy_suspend, the class PM op of the wiphy device for
 * suspend, freeze and poweroff alike); every other stop (the last interface down,
 * ieee80211_do_stop; a failed start) passes false. The older core stops the device
 * at the same places with the same ieee80211_stop_device(local), so the trampoline
 * in the kernel's slot (the copy of the table the core gets, fragment
 * mac80211_ops_box) tells them apart by the PM core's own state of the wiphy's
 * device: between the device's prepare and the end of its suspend callback the PM
 * core has power.is_prepared set and power.is_suspended clear (dpm_prepare sets the
 * first; device_suspend sets the second only after the callback returns; on resume
 * device_resume clears both BEFORE the resume callback runs). That is exactly the
 * window of __ieee80211_suspend. Limit: a stop of the last interface inside that
 * window from anywhere else (user space is frozen there; nothing in mac80211 does it)
 * would be told suspend = true.
 */
/* the table copy: knowledge/fragments/mac80211_ops_box.h (how and why) */
#include "kb_fragments/mac80211_ops_box.h"
#ifndef KB_M80211_STOP_WRAP
#error "kbridge: ieee80211_ops_stop_suspend needs its wrapper of <net/mac80211.h> (compat/include) first on the include path"
#endif

/* in the wiphy's system-sleep callback (see above) */
static inline bool kb_m80211_in_suspend(struct ieee80211_hw *hw)
{
	const struct device *dev = &hw->wiphy->dev;

	return dev->power.is_prepared && !dev->power.is_suspended;
}

static void kb_m80211_stop_trampoline(struct ieee80211_hw *hw)
{
	const struct ieee80211_ops *drv = kb_m80211_driver(hw);

	if (drv)
		drv->stop(hw, kb_m80211_in_suspend(hw));
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
