/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msi_for_each_desc(desc, dev, filter) and enum msi_desc_filter on a kernel
 * that keeps a device's MSI descriptors on dev->msi_list (in index order).
 * A descriptor has an interrupt associated exactly when desc->irq is set;
 * like the newer iterator, the loop ends with desc == NULL. The newer
 * kernel's descriptor mutex (msi_lock_descs/msi_unlock_descs) has no
 * counterpart there: the older kernel's own walks of dev->msi_list take no
 * lock, the list changes only while MSI is enabled or disabled.
 */
#include <linux/msi.h>

enum msi_desc_filter {
	MSI_DESC_ALL,
	MSI_DESC_NOTASSOCIATED,
	MSI_DESC_ASSOCIATED,
};

static inline bool kb_msi_desc_match(struct msi_desc *desc, enum msi_desc_filter filter)
{
	switch (filter) {
	case MSI_DESC_ALL:
		return true;
	case MSI_DESC_NOTASSOCIATED:
		return !desc->irq;
	case MSI_DESC_ASSOCIATED:
		return !!desc->irq;
	}
	return false;
}

static inline struct msi_desc *kb_msi_next_desc(struct device *dev, struct msi_desc *cur,
						enum msi_desc_filter filter)
{
	struct list_head *head = dev_to_msi_list(dev);
	struct list_head *pos = cur ? cur->list.next : head->next;

	for (; pos != head; pos = pos->next) {
		struct msi_desc *desc = list_entry(pos, struct msi_desc, list);

		if (kb_msi_desc_match(desc, filter))
			return desc;
	}
	return NULL;
}

#define kb_msi_for_each_desc(desc, dev, filter)				\
	for ((desc) = kb_msi_next_desc((dev), NULL, (filter)); (desc);	\
	     (desc) = kb_msi_next_desc((dev), (desc), (filter)))
#undef msi_for_each_desc
#define msi_for_each_desc kb_msi_for_each_desc

/* defined as the names themselves (no kb_ twin): a driver may call them from
 * its own macro bodies, which the inline strategy does not rewrite */
#undef msi_lock_descs
#define msi_lock_descs(dev)	((void)(dev))
#undef msi_unlock_descs
#define msi_unlock_descs(dev)	((void)(dev))
