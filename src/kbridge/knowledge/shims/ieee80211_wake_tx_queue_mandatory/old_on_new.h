/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A driver written for Linux up to 6.1 without .wake_tx_queue on a kernel whose
 * mac80211 refuses such a table (6.2+: ieee80211_alloc_hw_nm() WARNs and returns
 * NULL unless ops->wake_tx_queue is set; the core has only the internal TX queues).
 *
 * Up to 6.1, a table without wake_tx_queue had the core push each frame to the
 * driver's ->tx() itself. When the push path was dropped, upstream gave every such
 * driver .wake_tx_queue = ieee80211_handle_wake_tx_queue (a790cc3a4fad), the core's
 * own handler that dequeues the internal queues and hands each frame to the same
 * ->tx() with the same control (the station): that is what the newer core does for
 * a driver without a TX scheduler of its own. So the copy of the table the core
 * gets (fragment mac80211_ops_box) has the kernel's ieee80211_handle_wake_tx_queue
 * in a NULL slot; a driver with its own wake_tx_queue keeps it.
 */
/* the table copy: knowledge/fragments/mac80211_ops_box.h (how and why) */
#include "kb_fragments/mac80211_ops_box.h"

static __maybe_unused bool kb_m80211_patch_txq(const struct ieee80211_ops *drv,
					       struct ieee80211_ops *copy)
{
	if (drv->wake_tx_queue)
		return false;
	if (copy)
		copy->wake_tx_queue = ieee80211_handle_wake_tx_queue;
	return true;
}

#undef KB_M80211_PATCH_TXQ
#define KB_M80211_PATCH_TXQ	kb_m80211_patch_txq
