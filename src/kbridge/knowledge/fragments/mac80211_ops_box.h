/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge fragment mac80211_ops_box: the copy of a driver's struct ieee80211_ops
 * that mac80211 gets, for the shims of ieee80211_ops_stop_suspend (both
 * directions), ieee80211_wake_tx_queue_mandatory and ieee80211_chanctx_emulated
 * (old_on_new; manifest `fragments = ["mac80211_ops_box"]`, each includes this
 * file, the first one defines it).
 *
 * ieee80211_alloc_hw() / ieee80211_alloc_hw_nm() hand the core a copy of the
 * driver's table, kept in the module's data (one per table of the driver, made
 * again from the driver's table at each allocation, so the hws of one table see
 * one table as they do on the kernel, local->ops == the table), in which each
 * shim that is on has put its trampoline or the newer core's default (KB_M80211_
 * PATCH_*: a shim #undefs the NULL default and names its patch function; the
 * macros are expanded where the driver calls ieee80211_alloc_hw, after every
 * shim). mac80211 only ever calls through local->ops, never compares or frees it:
 * the copy is what it sees. A trampoline gets only the hw, so each allocated hw
 * is recorded with the driver's own table (removed by ieee80211_free_hw()).
 * Past KB_M80211_BOXES tables or KB_M80211_HWS live hws, the allocation fails
 * (NULL, the kernel's own answer for a table it refuses) with a warning: never a
 * wrong call. A table no shim needs to patch goes to the core unchanged.
 */
#ifndef KB_M80211_BOX_H
#define KB_M80211_BOX_H
#include <net/mac80211.h>
#include <linux/bug.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#define KB_M80211_BOXES 4
#define KB_M80211_HWS 16

struct kb_m80211_box {
	struct ieee80211_ops ops;			/* what the core sees */
	const struct ieee80211_ops *driver;		/* the driver's own */
};

static struct kb_m80211_box kb_m80211_boxes[KB_M80211_BOXES];
static struct {
	struct ieee80211_hw *hw;
	const struct ieee80211_ops *driver;
} kb_m80211_hws[KB_M80211_HWS];
static DEFINE_SPINLOCK(kb_m80211_hws_lock);
static DEFINE_MUTEX(kb_m80211_boxes_lock);

/* the driver's own table of an hw allocated through kb_m80211_alloc() */
static __maybe_unused const struct ieee80211_ops *kb_m80211_driver(struct ieee80211_hw *hw)
{
	const struct ieee80211_ops *drv = NULL;
	unsigned long flags;
	int i;

	spin_lock_irqsave(&kb_m80211_hws_lock, flags);
	for (i = 0; i < KB_M80211_HWS && !drv; i++)
		if (kb_m80211_hws[i].hw == hw)
			drv = kb_m80211_hws[i].driver;
	spin_unlock_irqrestore(&kb_m80211_hws_lock, flags);
	WARN_ONCE(!drv, "kbridge: mac80211_ops_box: an hw this module did not allocate\n");
	return drv;
}

/*
 * A shim's patch: true when the driver's table *drv needs it; with *copy*, it also
 * puts its trampoline (or the newer core's default) in the copy.
 */
typedef bool (*kb_m80211_patch_t)(const struct ieee80211_ops *drv, struct ieee80211_ops *copy);

static __maybe_unused struct ieee80211_hw *
kb_m80211_alloc(size_t priv_data_len, const struct ieee80211_ops *ops, const char *name,
		kb_m80211_patch_t p1, kb_m80211_patch_t p2, kb_m80211_patch_t p3)
{
	struct kb_m80211_box *use = NULL;
	struct ieee80211_hw *hw;
	unsigned long flags;
	int i, slot = -1;

	if (!((p1 && p1(ops, NULL)) || (p2 && p2(ops, NULL)) || (p3 && p3(ops, NULL))))
		return ieee80211_alloc_hw_nm(priv_data_len, ops, name);
	spin_lock_irqsave(&kb_m80211_hws_lock, flags);
	for (i = 0; i < KB_M80211_HWS && slot < 0; i++)
		if (!kb_m80211_hws[i].driver) {
			slot = i;
			kb_m80211_hws[i].driver = ops;	/* reserved, hw still NULL */
		}
	spin_unlock_irqrestore(&kb_m80211_hws_lock, flags);
	if (WARN(slot < 0, "kbridge: mac80211_ops_box: more than %d hws\n", KB_M80211_HWS))
		return NULL;
	mutex_lock(&kb_m80211_boxes_lock);
	for (i = 0; i < KB_M80211_BOXES && !use; i++)
		if (!kb_m80211_boxes[i].driver || kb_m80211_boxes[i].driver == ops)
			use = &kb_m80211_boxes[i];
	if (use) {
		use->ops = *ops;
		if (p1)
			p1(ops, &use->ops);
		if (p2)
			p2(ops, &use->ops);
		if (p3)
			p3(ops, &use->ops);
		use->driver = ops;
	}
	mutex_unlock(&kb_m80211_boxes_lock);
	hw = NULL;
	if (!WARN(!use, "kbridge: mac80211_ops_box: more than %d ops tables\n", KB_M80211_BOXES))
		hw = ieee80211_alloc_hw_nm(priv_data_len, &use->ops, name);
	spin_lock_irqsave(&kb_m80211_hws_lock, flags);
	if (hw)
		kb_m80211_hws[slot].hw = hw;
	else
		kb_m80211_hws[slot].driver = NULL;
	spin_unlock_irqrestore(&kb_m80211_hws_lock, flags);
	return hw;
}

static __maybe_unused void kb_m80211_free(struct ieee80211_hw *hw)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&kb_m80211_hws_lock, flags);
	for (i = 0; i < KB_M80211_HWS; i++)
		if (hw && kb_m80211_hws[i].hw == hw) {
			kb_m80211_hws[i].hw = NULL;
			kb_m80211_hws[i].driver = NULL;
		}
	spin_unlock_irqrestore(&kb_m80211_hws_lock, flags);
	ieee80211_free_hw(hw);	/* unregistered before: the core calls no op any more */
}

#if defined(ieee80211_alloc_hw) || defined(ieee80211_alloc_hw_nm) || defined(ieee80211_free_hw)
#error "kbridge: an ieee80211 allocation function is already a macro; mac80211_ops_box cannot wrap it"
#endif
#define ieee80211_alloc_hw_nm(priv, ops, name)	\
	kb_m80211_alloc(priv, ops, name, KB_M80211_PATCH_STOP, KB_M80211_PATCH_TXQ, KB_M80211_PATCH_CHANCTX)
#define ieee80211_alloc_hw(priv, ops)	ieee80211_alloc_hw_nm(priv, ops, NULL)
#define ieee80211_free_hw(hw)		kb_m80211_free(hw)
#endif
#ifndef KB_M80211_PATCH_STOP
#define KB_M80211_PATCH_STOP	NULL
#endif
#ifndef KB_M80211_PATCH_TXQ
#define KB_M80211_PATCH_TXQ	NULL
#endif
#ifndef KB_M80211_PATCH_CHANCTX
#define KB_M80211_PATCH_CHANCTX	NULL
#endif
