/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule drm_gem_vmap_iosys_map (new_on_old): a driver whose struct
 * drm_gem_object_funcs has the iosys_map callbacks of 5.18+
 *     int  (*vmap)(struct drm_gem_object *obj, struct iosys_map *map);
 *     void (*vunmap)(struct drm_gem_object *obj, struct iosys_map *map);
 * on a kernel (5.10) whose slots are
 *     void *(*vmap)(struct drm_gem_object *obj);
 *     void  (*vunmap)(struct drm_gem_object *obj, void *vaddr);
 *
 * While the kernel's header is read, each slot is retyped in place by one
 * macro on its name (as drm_fb_create_format_info does for fb_create): two
 * zero-length views of the kernel's type around a member of the driver's type
 * at the same offset and size, so the driver's const funcs initialize as on
 * its kernel and the struct keeps the kernel's layout (static_asserts below).
 *
 * The kernel never calls the driver's functions through those slots: every
 * object the driver initializes (drm_gem_object_init(),
 * drm_gem_private_object_init()) or gives a handle (drm_gem_handle_create(),
 * the way every object reaches user space, PRIME export and the in-kernel
 * clients) with the driver's funcs in ->funcs gets a copy of them instead --
 * one per driver funcs struct, in a pool of this module (weak definitions: one
 * pool whatever file defines it; the module's own memory, gone with it) --
 * whose slots hold trampolines of the kernel's types, every other member the
 * driver's:
 *  - vmap: calls the driver's vmap with a cleared map; its errno is 5.10's
 *    ERR_PTR, else the map's address is returned (a NULL map gives NULL, which
 *    5.10's drm_gem_vmap() turns into -ENOMEM as 5.18+'s does for a NULL map).
 *    5.10's callers only know an address; for an I/O-memory map the trampoline
 *    remembers (object, address) so that...
 *  - vunmap: hands the driver a map of the same kind it returned (I/O memory
 *    for an address remembered, system memory otherwise). 5.10's core skips a
 *    NULL address as 5.18+'s skips a NULL map.
 *  A NULL slot stays NULL (5.10's core then has -EOPNOTSUPP/nothing, as 5.18+).
 * Only the module's own funcs are the driver's type: an object of one of the
 * kernel's GEM helpers (5.10's drm_gem_shmem_create() and the like, their
 * funcs of the kernel's types, in the kernel) keeps its funcs when the driver
 * gives it a handle itself, and the kernel calls its helper's own vmap
 * (limit: a driver split into modules whose funcs live in another of its
 * modules than the one initializing the objects is taken for the kernel's).
 * Limit: obj->funcs is the copy, not the driver's own struct (a driver
 * comparing obj->funcs with its struct to recognise its objects finds another
 * pointer); more than KB_GEMV_MAX funcs structs in one module fail object
 * initialization with -ENOMEM (WARN).
 */
#include "kb_config.h"
#if !defined(KB_HAVE_DRM_GEM_VMAP_IOSYS_MAP) && !defined(KB_GEMV_RETYPED) && \
	__has_include("rules/drm_gem_vmap_iosys_map/new_on_old.h")
#define KB_GEMV_RETYPED
/* what the kernel's header includes, first: the macros below must meet only its text */
#include <linux/kref.h>
#include <linux/dma-resv.h>
#include <linux/dma-buf.h>
#include <linux/vmalloc.h>
#include <drm/drm_vma_manager.h>
#include <linux/iosys-map.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
struct drm_gem_object;

#if defined(vmap) || defined(vunmap)
#error "kbridge: vmap/vunmap is already a macro; drm_gem_vmap_iosys_map cannot retype struct drm_gem_object_funcs"
#endif
#define vmap	kb_gemv_kernel_vmap[0])(struct drm_gem_object *);				\
		int (*vmap)(struct drm_gem_object *, struct iosys_map *);			\
		void *(*kb_gemv_tail_vmap[0]
#define vunmap	kb_gemv_kernel_vunmap[0])(struct drm_gem_object *, void *);			\
		void (*vunmap)(struct drm_gem_object *, struct iosys_map *);			\
		void (*kb_gemv_tail_vunmap[0]
#include_next <drm/drm_gem.h>
#undef vmap
#undef vunmap

#define KB_GEMV_SLOT_OK(k, m, t)								\
	(__builtin_types_compatible_p(typeof(((struct drm_gem_object_funcs *)0)->k[0]),		\
				      typeof(((struct drm_gem_object_funcs *)0)->t[0])) &&	\
	 offsetof(struct drm_gem_object_funcs, m) == offsetof(struct drm_gem_object_funcs, k) &&	\
	 sizeof(((struct drm_gem_object_funcs *)0)->m) == sizeof(void (*)(void)) &&		\
	 offsetof(struct drm_gem_object_funcs, t) ==						\
	 offsetof(struct drm_gem_object_funcs, m) + sizeof(void (*)(void)))
static_assert(KB_GEMV_SLOT_OK(kb_gemv_kernel_vmap, vmap, kb_gemv_tail_vmap) &&
	      __builtin_types_compatible_p(typeof(((struct drm_gem_object_funcs *)0)->kb_gemv_kernel_vmap[0]),
					   void *(*)(struct drm_gem_object *)),
	      "kbridge drm_gem_vmap_iosys_map: this kernel's vmap slot is not the type the rule's probe answered");
static_assert(KB_GEMV_SLOT_OK(kb_gemv_kernel_vunmap, vunmap, kb_gemv_tail_vunmap) &&
	      __builtin_types_compatible_p(typeof(((struct drm_gem_object_funcs *)0)->kb_gemv_kernel_vunmap[0]),
					   void (*)(struct drm_gem_object *, void *)),
	      "kbridge drm_gem_vmap_iosys_map: this kernel's vunmap slot is not the type the rule's probe answered");

#define KB_GEMV_MAX	16

struct kb_gemv_node {
	struct drm_gem_object_funcs funcs;		/* what obj->funcs points to */
	const struct drm_gem_object_funcs *driver;	/* the driver's own; NULL: free */
};

/* an I/O-memory mapping the kernel holds as a bare address */
struct kb_gemv_iomem {
	struct kb_gemv_iomem *next;
	const struct drm_gem_object *obj;
	void __iomem *vaddr;
};

/* one of each per module, whichever of its files defines it first */
struct kb_gemv_node kb_gemv_pool[KB_GEMV_MAX] __attribute__((weak));
struct kb_gemv_iomem *kb_gemv_iomem_list __attribute__((weak));
spinlock_t kb_gemv_lock __attribute__((weak)) = __SPIN_LOCK_UNLOCKED(kb_gemv_lock);

static inline const struct drm_gem_object_funcs *kb_gemv_driver(const struct drm_gem_object *obj)
{
	return container_of(obj->funcs, struct kb_gemv_node, funcs)->driver;
}

static inline void *kb_gemv_vmap(struct drm_gem_object *obj)
{
	const struct drm_gem_object_funcs *drv = kb_gemv_driver(obj);
	struct iosys_map map = {};
	struct kb_gemv_iomem *rec;
	int ret;

	ret = drv->vmap(obj, &map);
	if (ret)
		return ERR_PTR(ret);
	if (!map.is_iomem || !map.vaddr_iomem)
		return map.vaddr;		/* NULL: the core's -ENOMEM */
	rec = kmalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec) {
		if (drv->vunmap)
			drv->vunmap(obj, &map);
		return ERR_PTR(-ENOMEM);
	}
	rec->obj = obj;
	rec->vaddr = map.vaddr_iomem;
	spin_lock(&kb_gemv_lock);
	rec->next = kb_gemv_iomem_list;
	kb_gemv_iomem_list = rec;
	spin_unlock(&kb_gemv_lock);
	return (void __force *)map.vaddr_iomem;
}

static inline void kb_gemv_vunmap(struct drm_gem_object *obj, void *vaddr)
{
	const struct drm_gem_object_funcs *drv = kb_gemv_driver(obj);
	struct kb_gemv_iomem **p, *rec = NULL;
	struct iosys_map map;

	spin_lock(&kb_gemv_lock);
	for (p = &kb_gemv_iomem_list; *p; p = &(*p)->next)
		if ((*p)->obj == obj && (void __force *)(*p)->vaddr == vaddr) {
			rec = *p;
			*p = rec->next;
			break;
		}
	spin_unlock(&kb_gemv_lock);
	if (rec) {
		iosys_map_set_vaddr_iomem(&map, rec->vaddr);
		kfree(rec);
	} else {
		iosys_map_set_vaddr(&map, vaddr);
	}
	drv->vunmap(obj, &map);
}

/* give obj the copy of its funcs whose slots hold the trampolines: 0 or -ENOMEM */
static inline int kb_gemv_install(struct drm_gem_object *obj)
{
	const struct drm_gem_object_funcs *f = obj->funcs;
	typeof(f->kb_gemv_tail_vmap[0]) vmap_tramp = kb_gemv_vmap;
	typeof(f->kb_gemv_tail_vunmap[0]) vunmap_tramp = kb_gemv_vunmap;
	struct kb_gemv_node *n, *free = NULL;

	if (!f || (!f->vmap && !f->vunmap))
		return 0;	/* nothing of the driver's type for the kernel to call */
	if ((const void *)f >= (const void *)kb_gemv_pool &&
	    (const void *)f < (const void *)(kb_gemv_pool + KB_GEMV_MAX))
		return 0;	/* the copy already */
#ifdef MODULE
	if (!within_module((unsigned long)f, THIS_MODULE))
		return 0;	/* the kernel's own funcs (a GEM helper's object): the kernel's types */
#endif
	spin_lock(&kb_gemv_lock);
	for (n = kb_gemv_pool; n < kb_gemv_pool + KB_GEMV_MAX; n++) {
		if (n->driver == f)
			break;
		if (!n->driver && !free)
			free = n;
	}
	if (n == kb_gemv_pool + KB_GEMV_MAX) {
		n = free;
		if (n) {
			n->funcs = *f;
			if (f->vmap)
				memcpy(&n->funcs.vmap, &vmap_tramp, sizeof(vmap_tramp));
			if (f->vunmap)
				memcpy(&n->funcs.vunmap, &vunmap_tramp, sizeof(vunmap_tramp));
			n->driver = f;
		}
	}
	spin_unlock(&kb_gemv_lock);
	if (WARN_ONCE(!n, "kbridge drm_gem_vmap_iosys_map: more than %d GEM funcs structs in one module\n",
		      KB_GEMV_MAX))
		return -ENOMEM;
	obj->funcs = &n->funcs;
	return 0;
}

#define drm_gem_object_init(dev, obj, size) ({					\
	struct drm_gem_object *__kb_vo = (obj);						\
	int __kb_ve = kb_gemv_install(__kb_vo);						\
	__kb_ve ? __kb_ve : (drm_gem_object_init)((dev), __kb_vo, (size)); })
/* void on this kernel: a full pool leaves the driver's funcs, after the WARN */
#define drm_gem_private_object_init(dev, obj, size) ({				\
	struct drm_gem_object *__kb_vo = (obj);						\
	kb_gemv_install(__kb_vo);							\
	(drm_gem_private_object_init)((dev), __kb_vo, (size)); })
#define drm_gem_handle_create(file, obj, handlep) ({					\
	struct drm_gem_object *__kb_vo = (obj);						\
	int __kb_ve = kb_gemv_install(__kb_vo);						\
	__kb_ve ? __kb_ve : (drm_gem_handle_create)((file), __kb_vo, (handlep)); })
#else
#include_next <drm/drm_gem.h>
#endif
