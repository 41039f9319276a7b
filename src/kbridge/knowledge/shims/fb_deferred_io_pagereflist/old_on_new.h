/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct fb_deferred_io.deferred_io as a driver written before Linux 5.19
 * expects it, on a kernel whose deferred-I/O core hands the callback a list
 * of struct fb_deferred_io_pageref (56c134f7f1b5).
 *
 * The older core linked the touched pages themselves through page->lru,
 * kept that list sorted by page->index (the page offset its fault handler
 * stored), called the callback with its lock held and then list_del()-ed
 * every page. Here fb_deferred_io_init() replaces the driver's callback in
 * its struct fb_deferred_io by a trampoline (and sets .sort_pagereflist, so
 * that the newer core keeps its pagerefs sorted by offset); the trampoline
 * links ref->page of each pageref through page->lru into a list in the
 * core's order, calls the driver's callback with it (the core still holds
 * its lock) and list_del()s the pages again. page->index is set by the newer
 * core's fault handler as before (to vmf->pgoff) on 6.1 and 6.12. The pages are
 * the driver's own framebuffer pages, whose ->lru the older core used the same
 * way.
 *
 * On 7.2 and 7.3 struct page calls the member __folio_index (6.16,
 * acc53a0b4c15) and the core no longer writes it: its fault handler keeps
 * the offset only in the pageref and write-protects through
 * mapping_wrprotect_range() with that offset, never with the page's. Where a
 * driver reads page->index (rule page_index_removed, whose wrapper of
 * <linux/mm_types.h> names the member index again), the trampoline gives
 * each page it hands over the index the older core's fault handler gave it,
 * pageref->offset >> PAGE_SHIFT, and puts back what the page held before
 * once the callback has returned (kept in an array per fb_info allocated by
 * fb_deferred_io_init(), -ENOMEM as the kernel's own allocation of the
 * pagerefs). Nothing of 7.2's or 7.3's reads it for such a page meanwhile:
 * the deferred-I/O core leaves page->mapping NULL, so no rmap walk reaches
 * the page through it, and the page allocator does not check it when vfree()
 * frees the page.
 *
 * The same series (590558510327) made the core's fb_mmap() refuse a
 * deferred-I/O fb_info with -ENODEV unless the driver's struct fb_ops sets
 * .fb_mmap = fb_deferred_io_mmap; the older core mapped every fb_info with
 * .fbdefio through its own fb_deferred_io_mmap(), whatever .fb_mmap said. So
 * fb_deferred_io_init() also points info->fbops at a copy of the driver's
 * struct fb_ops whose .fb_mmap is fb_deferred_io_mmap (one copy per original
 * struct, in this module's data, so a caller still holding the pointer never
 * sees it freed); fb_deferred_io_cleanup() puts the driver's pointer back.
 *
 * The driver's callback is kept in a small table of this translation unit,
 * keyed by the struct fb_deferred_io (drivers share one static struct among
 * their devices); fb_deferred_io_cleanup() of the last fb_info using it gives
 * the struct its callback and sort flag back. fb_deferred_io_init() and
 * _cleanup() must be called from the same source file, as they are in every
 * driver of that era. A table that is full makes fb_deferred_io_init() fail
 * with -ENOMEM and a warning instead of leaving the pagerefs to the driver.
 */
#include <linux/fb.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/bug.h>
#include <linux/errno.h>

#ifdef CONFIG_FB_DEFERRED_IO

#define KB_FB_DEFIO_SLOTS 8

struct kb_fb_defio_slot {
	struct fb_deferred_io *defio;
	void (*deferred_io)(struct fb_info *info, struct list_head *pagelist);
	bool sort_pagereflist;
	unsigned int users;
};

static struct kb_fb_defio_slot kb_fb_defio_slots[KB_FB_DEFIO_SLOTS] __maybe_unused;
static __maybe_unused DEFINE_MUTEX(kb_fb_defio_lock);

struct kb_fb_defio_ops {
	const struct fb_ops *orig;
	struct fb_ops copy;
};

static struct kb_fb_defio_ops kb_fb_defio_ops[KB_FB_DEFIO_SLOTS] __maybe_unused;

#if defined(KB_HAVE_PAGE_INDEX_REMOVED) && __has_include("rules/page_index_removed/old_on_new.h")
#include <linux/mm.h>
#include <linux/slab.h>
#define KB_FB_DEFIO_PAGE_INDEX

/* an fb_info's pages' own __folio_index while the driver's callback sees page->index */
struct kb_fb_defio_index {
	struct fb_info *info;
	pgoff_t *saved;
	unsigned long npages;
};

static struct kb_fb_defio_index kb_fb_defio_index[KB_FB_DEFIO_SLOTS] __maybe_unused;

/* called with kb_fb_defio_lock held */
static inline struct kb_fb_defio_index *kb_fb_defio_index_of(struct fb_info *info)
{
	int i;

	for (i = 0; i < KB_FB_DEFIO_SLOTS; i++)
		if (kb_fb_defio_index[i].info == info)
			return &kb_fb_defio_index[i];
	return NULL;
}
#endif

/* called with kb_fb_defio_lock held */
static inline const struct fb_ops *kb_fb_defio_ops_of(const struct fb_ops *orig)
{
	int i;

	for (i = 0; i < KB_FB_DEFIO_SLOTS; i++)
		if (kb_fb_defio_ops[i].orig == orig || &kb_fb_defio_ops[i].copy == orig)
			return &kb_fb_defio_ops[i].copy;
	for (i = 0; i < KB_FB_DEFIO_SLOTS; i++)
		if (!kb_fb_defio_ops[i].orig) {
			kb_fb_defio_ops[i].orig = orig;
			kb_fb_defio_ops[i].copy = *orig;
			kb_fb_defio_ops[i].copy.fb_mmap = fb_deferred_io_mmap;
			return &kb_fb_defio_ops[i].copy;
		}
	return NULL;
}

/* called with kb_fb_defio_lock held */
static inline const struct fb_ops *kb_fb_defio_ops_orig(const struct fb_ops *ops)
{
	int i;

	for (i = 0; i < KB_FB_DEFIO_SLOTS; i++)
		if (kb_fb_defio_ops[i].orig && &kb_fb_defio_ops[i].copy == ops)
			return kb_fb_defio_ops[i].orig;
	return ops;
}

static inline struct kb_fb_defio_slot *kb_fb_defio_slot(struct fb_deferred_io *defio)
{
	int i;

	for (i = 0; i < KB_FB_DEFIO_SLOTS; i++)
		if (kb_fb_defio_slots[i].defio == defio)
			return &kb_fb_defio_slots[i];
	return NULL;
}

static inline void kb_fb_deferred_io_pages(struct fb_info *info, struct list_head *pagereflist)
{
	void (*deferred_io)(struct fb_info *info, struct list_head *pagelist) = NULL;
	struct fb_deferred_io_pageref *ref;
	struct kb_fb_defio_slot *slot;
	struct list_head *node, *next;
	LIST_HEAD(pagelist);

#ifdef KB_FB_DEFIO_PAGE_INDEX
	struct kb_fb_defio_index *index = NULL;
#endif

	mutex_lock(&kb_fb_defio_lock);
	slot = kb_fb_defio_slot(info->fbdefio);
	if (slot)
		deferred_io = slot->deferred_io;
#ifdef KB_FB_DEFIO_PAGE_INDEX
	index = kb_fb_defio_index_of(info);
#endif
	mutex_unlock(&kb_fb_defio_lock);
	if (WARN_ON_ONCE(!deferred_io))
		return;
#ifdef KB_FB_DEFIO_PAGE_INDEX
	if (WARN_ON_ONCE(!index))
		return;
#endif

	list_for_each_entry(ref, pagereflist, list) {
#ifdef KB_FB_DEFIO_PAGE_INDEX
		pgoff_t pgoff = ref->offset >> PAGE_SHIFT;

		if (!WARN_ON_ONCE(pgoff >= index->npages)) {
			index->saved[pgoff] = ref->page->index;
			ref->page->index = pgoff;	/* the older core's vmf->pgoff */
		}
#endif
		list_add_tail(&ref->page->lru, &pagelist);
	}
	deferred_io(info, &pagelist);
	list_for_each_safe(node, next, &pagelist)
		list_del(node);
#ifdef KB_FB_DEFIO_PAGE_INDEX
	list_for_each_entry(ref, pagereflist, list) {
		pgoff_t pgoff = ref->offset >> PAGE_SHIFT;

		if (pgoff < index->npages)
			ref->page->index = index->saved[pgoff];
	}
#endif
}

static inline int kb_fb_deferred_io_init(struct fb_info *info)
{
	struct fb_deferred_io *defio = info->fbdefio;
	const struct fb_ops *orig = info->fbops, *ops = NULL;
	struct kb_fb_defio_slot *slot;
	int ret;
#ifdef KB_FB_DEFIO_PAGE_INDEX
	unsigned long npages = DIV_ROUND_UP(info->fix.smem_len, PAGE_SIZE);
	struct kb_fb_defio_index *index = NULL;
	pgoff_t *saved = NULL;
#endif

	if (!defio)
		return fb_deferred_io_init(info);	/* the kernel's own BUG_ON/refusal */

#ifdef KB_FB_DEFIO_PAGE_INDEX
	/* an empty framebuffer: the kernel's own -EINVAL below */
	if (npages) {
		saved = kvcalloc(npages, sizeof(*saved), GFP_KERNEL);
		if (!saved)
			return -ENOMEM;
	}
#endif
	mutex_lock(&kb_fb_defio_lock);
	if (orig)
		ops = kb_fb_defio_ops_of(orig);
	slot = kb_fb_defio_slot(defio);
	if (!slot)
		slot = kb_fb_defio_slot(NULL);
#ifdef KB_FB_DEFIO_PAGE_INDEX
	index = kb_fb_defio_index_of(NULL);
	if (!index) {
		mutex_unlock(&kb_fb_defio_lock);
		kvfree(saved);
		WARN(1, "fb%d: more than %d deferred-I/O framebuffers in one source file\n",
		     info->node, KB_FB_DEFIO_SLOTS);
		return -ENOMEM;
	}
#endif
	if (!slot || (orig && !ops)) {
		mutex_unlock(&kb_fb_defio_lock);
#ifdef KB_FB_DEFIO_PAGE_INDEX
		kvfree(saved);
#endif
		WARN(1, "fb%d: more than %d deferred-I/O structs or fb_ops in one source file\n",
		     info->node, KB_FB_DEFIO_SLOTS);
		return -ENOMEM;
	}
#ifdef KB_FB_DEFIO_PAGE_INDEX
	index->info = info;
	index->saved = saved;
	index->npages = npages;
#endif
	if (!slot->defio) {
		slot->defio = defio;
		slot->deferred_io = defio->deferred_io;
		slot->sort_pagereflist = defio->sort_pagereflist;
		defio->deferred_io = kb_fb_deferred_io_pages;
		defio->sort_pagereflist = true;
	}
	slot->users++;
	if (ops)
		info->fbops = ops;
	mutex_unlock(&kb_fb_defio_lock);

	ret = fb_deferred_io_init(info);
	if (ret) {
		mutex_lock(&kb_fb_defio_lock);
		info->fbops = orig;
#ifdef KB_FB_DEFIO_PAGE_INDEX
		index->info = NULL;
		index->saved = NULL;
		index->npages = 0;
		kvfree(saved);
#endif
		if (!--slot->users) {
			defio->deferred_io = slot->deferred_io;
			defio->sort_pagereflist = slot->sort_pagereflist;
			slot->defio = NULL;
		}
		mutex_unlock(&kb_fb_defio_lock);
	}
	return ret;
}

static inline void kb_fb_deferred_io_cleanup(struct fb_info *info)
{
	struct fb_deferred_io *defio = info->fbdefio;
	struct kb_fb_defio_slot *slot;

	fb_deferred_io_cleanup(info);	/* no deferred work runs after this */
	if (!defio)
		return;
	mutex_lock(&kb_fb_defio_lock);
	if (info->fbops)
		info->fbops = kb_fb_defio_ops_orig(info->fbops);
#ifdef KB_FB_DEFIO_PAGE_INDEX
	{
		struct kb_fb_defio_index *index = kb_fb_defio_index_of(info);

		if (index) {
			kvfree(index->saved);
			index->info = NULL;
			index->saved = NULL;
			index->npages = 0;
		}
	}
#endif
	slot = kb_fb_defio_slot(defio);
	if (slot && !--slot->users) {
		defio->deferred_io = slot->deferred_io;
		defio->sort_pagereflist = slot->sort_pagereflist;
		slot->defio = NULL;
	}
	mutex_unlock(&kb_fb_defio_lock);
}

#define fb_deferred_io_init(info)	kb_fb_deferred_io_init(info)
#define fb_deferred_io_cleanup(info)	kb_fb_deferred_io_cleanup(info)

#endif /* CONFIG_FB_DEFERRED_IO */
