/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A driver written for Linux up to 6.6 without channel-context ops on a kernel
 * whose mac80211 has no other mode (6.7+: ieee80211_alloc_hw_nm() WARNs and
 * returns NULL unless the table has add/remove/change_chanctx and
 * assign/unassign_vif_chanctx, or the core's ieee80211_emulate_* helpers in
 * add/remove/change_chanctx).
 *
 * Up to 6.6 a table without any chanctx op made the core program one channel
 * through ->config (hw->conf.chandef, IEEE80211_CONF_CHANGE_CHANNEL, radar_enabled);
 * the newer core does exactly that for a table with the emulation helpers
 * (local->emulate_chanctx: ieee80211_emulate_add/remove/change/switch_vif_chanctx
 * set hw->conf.radar_enabled and configure the channel through ->config), and
 * upstream gave those helpers to every such driver when it removed the old mode.
 * So the copy of the table the core gets (fragment mac80211_ops_box) has the four
 * helpers when the driver's table has none of the five chanctx ops; a driver with
 * chanctx ops of its own keeps its table as written (the core then judges it as
 * the older one did).
 */
/* the table copy: knowledge/fragments/mac80211_ops_box.h (how and why) */
#include "kb_fragments/mac80211_ops_box.h"

static __maybe_unused bool kb_m80211_patch_chanctx(const struct ieee80211_ops *drv,
						   struct ieee80211_ops *copy)
{
	if (drv->add_chanctx || drv->remove_chanctx || drv->change_chanctx ||
	    drv->assign_vif_chanctx || drv->unassign_vif_chanctx || drv->switch_vif_chanctx)
		return false;
	if (copy) {
		copy->add_chanctx = ieee80211_emulate_add_chanctx;
		copy->remove_chanctx = ieee80211_emulate_remove_chanctx;
		copy->change_chanctx = ieee80211_emulate_change_chanctx;
		copy->switch_vif_chanctx = ieee80211_emulate_switch_vif_chanctx;
	}
	return true;
}

#undef KB_M80211_PATCH_CHANCTX
#define KB_M80211_PATCH_CHANCTX	kb_m80211_patch_chanctx
