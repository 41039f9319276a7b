/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snd_devm_card_new() (5.15, e8ad415b7a55; once-only free 825a52482a61) on a
 * kernel whose sound core has no managed card (no card->managed, no
 * card->releasing: its snd_card_free() always kfree()s the card).
 *
 * What the newer core does (sound/core/init.c), and what this does here:
 * - creation: the card is a devres entry of the parent (added after the card
 *   is set up; on a failure nothing is left). Here: this kernel's
 *   snd_card_new() makes the card -- the driver's pointer is the real struct
 *   snd_card -- and a devres entry of the parent (struct kb_snd_devm_card)
 *   owns the card and the driver's extra_size private data (zeroed, aligned
 *   as the newer private_data_area, card->private_data points at it; NULL
 *   for extra_size 0). A failed snd_card_new() frees the entry unreleased.
 * - release: the entry's devres release calls snd_card_free() -- on unbind,
 *   or when probe fails -- and its memory (the private data) goes after it,
 *   as the newer core's card memory does: a devres irq handler or timer the
 *   driver registered after the card (devres runs last-in first-out) still
 *   reads its private data until it is released itself.
 * - snd_card_register() of a managed card: the newer core adds a devres
 *   action that frees the card, so it goes first of the resources of the
 *   device (removed and added again by a second register); it adds it
 *   between device_add(&card->card_dev) and registering the card's devices,
 *   so this does the device_add() itself first (this kernel's register then
 *   skips it: card->registered), adds the action, and calls this kernel's
 *   snd_card_register() for the rest.
 * - snd_card_free() of a managed card is once-only (the newer core returns
 *   at once when card->releasing): the driver's own snd_card_free(), the
 *   action, the entry's release and snd_card_free_when_closed() all go
 *   through the entry's flag, so the card is freed once; the flag is in the
 *   entry, never in the freed card.
 * The struct snd_card itself is this kernel's allocation, freed by its
 * snd_card_free() (the newer core keeps a freed managed card's memory until
 * the devres release); nothing here reads a card after it was freed, and a
 * driver must not either (its devices and controls are gone on both).
 * The action and the release are one per module (weak), so a card made in
 * one file of a driver is found by another file's snd_card_free().
 */
#include <sound/core.h>
#include <linux/device.h>
#include <linux/overflow.h>

struct kb_snd_devm_card {
	struct snd_card *card;
	bool releasing;
	unsigned char area[] __aligned(__alignof__(unsigned long long));
};

void kb_snd_devm_card_free(struct kb_snd_devm_card *m);
void __weak kb_snd_devm_card_free(struct kb_snd_devm_card *m)
{
	if (m->releasing)
		return;
	m->releasing = true;
	snd_card_free(m->card);
}

void kb_snd_devm_card_release(struct device *dev, void *res);
void __weak kb_snd_devm_card_release(struct device *dev, void *res)
{
	kb_snd_devm_card_free(res);
}

void kb_snd_devm_card_action(void *data);
void __weak kb_snd_devm_card_action(void *data)
{
	kb_snd_devm_card_free(data);
}

static inline int kb_snd_devm_card_match(struct device *dev, void *res, void *card)
{
	return ((struct kb_snd_devm_card *)res)->card == card;
}

/* the devres entry of a managed card, NULL for a card of snd_card_new() */
static inline struct kb_snd_devm_card *kb_snd_devm_card_of(struct snd_card *card)
{
	if (!card->dev)
		return NULL;
	return devres_find(card->dev, kb_snd_devm_card_release, kb_snd_devm_card_match, card);
}

static inline int snd_devm_card_new(struct device *parent, int idx, const char *xid,
				    struct module *module, size_t extra_size,
				    struct snd_card **card_ret)
{
	struct kb_snd_devm_card *m;
	struct snd_card *card;
	int err;

	*card_ret = NULL;
	m = devres_alloc(kb_snd_devm_card_release, struct_size(m, area, extra_size), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	err = snd_card_new(parent, idx, xid, module, 0, &card);
	if (err < 0) {
		devres_free(m);
		return err;
	}
	if (extra_size > 0)
		card->private_data = m->area;
	m->card = card;
	devres_add(parent, m);
	*card_ret = card;
	return 0;
}

static inline int kb_snd_card_register(struct snd_card *card)
{
	struct kb_snd_devm_card *m;
	int err;

	if (snd_BUG_ON(!card))
		return -EINVAL;
	m = kb_snd_devm_card_of(card);
	if (!m)
		return snd_card_register(card);
	if (!card->registered) {
		err = device_add(&card->card_dev);
		if (err < 0)
			return err;
		card->registered = true;
	} else {
		devm_remove_action(card->dev, kb_snd_devm_card_action, m);
	}
	err = devm_add_action(card->dev, kb_snd_devm_card_action, m);
	if (err < 0)
		return err;
	return snd_card_register(card);
}

static inline int kb_snd_card_free(struct snd_card *card)
{
	struct kb_snd_devm_card *m = kb_snd_devm_card_of(card);

	if (!m)
		return snd_card_free(card);
	kb_snd_devm_card_free(m);
	return 0;
}

static inline int kb_snd_card_free_when_closed(struct snd_card *card)
{
	struct kb_snd_devm_card *m;

	if (!card)
		return snd_card_free_when_closed(card);
	m = kb_snd_devm_card_of(card);
	if (!m)
		return snd_card_free_when_closed(card);
	if (m->releasing)
		return 0;
	m->releasing = true;
	return snd_card_free_when_closed(card);
}

#define snd_card_register(card)		kb_snd_card_register(card)
#define snd_card_free(card)		kb_snd_card_free(card)
#define snd_card_free_when_closed(card)	kb_snd_card_free_when_closed(card)
