/* SPDX-License-Identifier: GPL-2.0 */
/*
 * .add_chanctx = ieee80211_emulate_add_chanctx (and remove/change/switch_vif: a
 * driver written for Linux 6.7+, whose mac80211 emulates channel contexts for a
 * driver that programs one channel through ->config) on a kernel without the
 * helpers (up to 6.6).
 *
 * The helpers do what the older core does itself for a table without chanctx ops:
 * set hw->conf.radar_enabled and configure the channel through ->config
 * (IEEE80211_CONF_CHANGE_CHANNEL). So each helper's name is a null pointer here:
 * the driver's slots are NULL and this kernel runs its own single-channel mode,
 * which the newer core emulates. A driver that calls a helper from its own code
 * does not build (a call of a null pointer constant is an error): not bridged.
 * (A table naming the helpers next to assign/unassign_vif_chanctx of its own does
 * not run on the newer kernel either: its ieee80211_alloc_hw_nm refuses it.)
 */
#include <net/mac80211.h>

#if defined(ieee80211_emulate_add_chanctx) || defined(ieee80211_emulate_remove_chanctx) || \
	defined(ieee80211_emulate_change_chanctx) || defined(ieee80211_emulate_switch_vif_chanctx)
#error "kbridge: an ieee80211_emulate_* helper is already a macro"
#endif
#define ieee80211_emulate_add_chanctx		((void *)0)
#define ieee80211_emulate_remove_chanctx	((void *)0)
#define ieee80211_emulate_change_chanctx	((void *)0)
#define ieee80211_emulate_switch_vif_chanctx	((void *)0)
