/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snd_card_free_on_error() (5.18, fee2b871d8d6) on a kernel without the
 * managed card, where snd_devm_card_new_added's shim makes it: as the newer
 * helper, a zero ret is returned as is; on an error the device's managed card
 * -- its last devres entry of that shim, found with devres_find() as the
 * newer core finds its own release -- is freed right away, before the other
 * resources devres releases after a failed probe (a card's private_free often
 * undoes them), and only once: the entry's flag makes the later devres
 * release, and the registration's action if snd_card_register() had run, do
 * nothing. The error is returned unchanged.
 */
#include <sound/core.h>
#include <linux/device.h>

static inline int snd_card_free_on_error(struct device *dev, int ret)
{
	struct kb_snd_devm_card *m;

	if (!ret)
		return 0;
	m = devres_find(dev, kb_snd_devm_card_release, NULL, NULL);
	if (m)
		kb_snd_devm_card_free(m);
	return ret;
}
