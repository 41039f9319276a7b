/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct fb_deferred_io.deferred_io as a driver written for Linux 5.19 or
 * later expects it (a list of struct fb_deferred_io_pageref: .page, .offset,
 * linked through .list; 56c134f7f1b5), on an older kernel whose
 * deferred-I/O core hands the callback the touched pages themselves, linked
 * through page->lru and sorted by page->index (the page offset its fault
 * handler stored).
 *
 * struct fb_deferred_io_pageref is the newer kernel's. fb_deferred_io_init()
 * returns int as the newer one does: it allocates one pageref per page of
 * the framebuffer as the newer core does (-EINVAL for an empty framebuffer,
 * -ENOMEM), replaces the driver's callback in its struct fb_deferred_io by a
 * trampoline and then runs the kernel's own initialization. The trampoline
 * (called by the core with its lock held, as the newer core does) fills the
 * pageref of each page in the core's list -- .page, .offset = index <<
 * PAGE_SHIFT -- links them in the same order into a list, calls the
 * driver's callback with it and unlinks them again (list_del_init, as the
 * newer core's pageref_put). The order is ascending offset: one of the
 * orders the newer core hands out (its .sort_pagereflist one).
 *
 * The callback is kept in a small table of this translation unit keyed by
 * the struct fb_deferred_io (drivers share one static struct among their
 * devices), the pagerefs in one keyed by the fb_info; fb_deferred_io_cleanup()
 * frees the fb_info's pagerefs and, for the last fb_info using the struct,
 * gives the driver back its callback. fb_deferred_io_init() and _cleanup()
 * must be called from the same source file, as they are in every driver.
 */
#include <linux/fb.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/bug.h>
#include <linux/errno.h>

#ifdef CONFIG_FB_DEFERRED_IO

struct fb_deferred_io_pageref {
	struct page *page;
	unsigned long offset;
	/* private */
	struct list_head list;
};

#define KB_FB_DEFIO_SLOTS 8

struct kb_fb_defio_slot {
	struct fb_deferred_io *defio;
	void (*deferred_io)(struct fb_info *info, struct list_head *pagereflist);
	unsigned int users;
};

struct kb_fb_defio_refs {
	struct fb_info *info;
	struct fb_deferred_io_pageref *pagerefs;
	unsigned long npagerefs;
};

static struct kb_fb_defio_slot kb_fb_defio_slots[KB_FB_DEFIO_SLOTS] __maybe_unused;
static struct kb_fb_defio_refs kb_fb_defio_refs[KB_FB_DEFIO_SLOTS] __maybe_unused;
static __maybe_unused DEFINE_MUTEX(kb_fb_defio_lock);

static inline struct kb_fb_defio_slot *kb_fb_defio_slot(struct fb_deferred_io *defio)
{
	int i;

	for (i = 0; i < KB_FB_DEFIO_SLOTS; i++)
		if (kb_fb_defio_slots[i].defio == defio)
			return &kb_fb_defio_slots[i];
	return NULL;
}

static inline struct kb_fb_defio_refs *kb_fb_defio_refs_of(struct fb_info *info)
{
	int i;

	for (i = 0; i < KB_FB_DEFIO_SLOTS; i++)
		if (kb_fb_defio_refs[i].info == info)
			return &kb_fb_defio_refs[i];
	return NULL;
}

static inline void kb_fb_deferred_io_pagerefs(struct fb_info *info, struct list_head *pagelist)
{
	void (*deferred_io)(struct fb_info *info, struct list_head *pagereflist) = NULL;
	struct fb_deferred_io_pageref *ref, *next;
	struct kb_fb_defio_slot *slot;
	struct kb_fb_defio_refs *refs;
	LIST_HEAD(pagereflist);
	struct page *page;

	mutex_lock(&kb_fb_defio_lock);
	slot = kb_fb_defio_slot(info->fbdefio);
	refs = kb_fb_defio_refs_of(info);
	if (slot)
		deferred_io = slot->deferred_io;
	mutex_unlock(&kb_fb_defio_lock);
	if (WARN_ON_ONCE(!deferred_io || !refs))
		return;

	list_for_each_entry(page, pagelist, lru) {
		if (WARN_ON_ONCE(page->index >= refs->npagerefs))
			continue;
		ref = &refs->pagerefs[page->index];
		ref->page = page;
		ref->offset = page->index << PAGE_SHIFT;
		list_add_tail(&ref->list, &pagereflist);
	}
	deferred_io(info, &pagereflist);
	list_for_each_entry_safe(ref, next, &pagereflist, list)
		list_del_init(&ref->list);
}

static inline int kb_fb_deferred_io_init(struct fb_info *info)
{
	struct fb_deferred_io *defio = info->fbdefio;
	struct fb_deferred_io_pageref *pagerefs;
	struct kb_fb_defio_slot *slot;
	struct kb_fb_defio_refs *refs;
	unsigned long n, i;

	if (!defio) {
		fb_deferred_io_init(info);	/* the kernel's own BUG_ON */
		return 0;
	}
	if (WARN_ON(!info->fix.smem_len))
		return -EINVAL;
	n = DIV_ROUND_UP(info->fix.smem_len, PAGE_SIZE);
	pagerefs = kvcalloc(n, sizeof(*pagerefs), GFP_KERNEL);
	if (!pagerefs)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		INIT_LIST_HEAD(&pagerefs[i].list);

	mutex_lock(&kb_fb_defio_lock);
	slot = kb_fb_defio_slot(defio);
	if (!slot)
		slot = kb_fb_defio_slot(NULL);
	refs = kb_fb_defio_refs_of(NULL);
	if (!slot || !refs) {
		mutex_unlock(&kb_fb_defio_lock);
		kvfree(pagerefs);
		WARN(1, "fb%d: more than %d deferred-I/O framebuffers in one source file\n",
		     info->node, KB_FB_DEFIO_SLOTS);
		return -ENOMEM;
	}
	if (!slot->defio) {
		slot->defio = defio;
		slot->deferred_io = defio->deferred_io;
		defio->deferred_io = kb_fb_deferred_io_pagerefs;
	}
	slot->users++;
	refs->info = info;
	refs->pagerefs = pagerefs;
	refs->npagerefs = n;
	mutex_unlock(&kb_fb_defio_lock);

	fb_deferred_io_init(info);
	return 0;
}

static inline void kb_fb_deferred_io_cleanup(struct fb_info *info)
{
	struct fb_deferred_io *defio = info->fbdefio;
	struct fb_deferred_io_pageref *pagerefs = NULL;
	struct kb_fb_defio_slot *slot;
	struct kb_fb_defio_refs *refs;

	fb_deferred_io_cleanup(info);	/* no deferred work runs after this */
	if (!defio)
		return;
	mutex_lock(&kb_fb_defio_lock);
	refs = kb_fb_defio_refs_of(info);
	if (refs) {
		pagerefs = refs->pagerefs;
		refs->info = NULL;
		refs->pagerefs = NULL;
		refs->npagerefs = 0;
	}
	slot = kb_fb_defio_slot(defio);
	if (slot && !--slot->users) {
		defio->deferred_io = slot->deferred_io;
		slot->defio = NULL;
	}
	mutex_unlock(&kb_fb_defio_lock);
	kvfree(pagerefs);
}

#define fb_deferred_io_init(info)	kb_fb_deferred_io_init(info)
#define fb_deferred_io_cleanup(info)	kb_fb_deferred_io_cleanup(info)

#endif /* CONFIG_FB_DEFERRED_IO */
