/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule drm_gem_callbacks_in_object_funcs (d693def4fd1c, 5.11): a
 * driver of 5.10, whose struct drm_driver carries the GEM object callbacks
 * (.gem_free_object_unlocked, .gem_vm_ops, .gem_prime_get_sg_table,
 * .gem_prime_vmap, .gem_prime_vunmap), on a kernel that reads them only from
 * obj->funcs and needs obj->funcs on every object.
 *
 * 5.10's core used the driver's callbacks for every object whose ->funcs was
 * NULL (drm_gem_object_free, drm_gem_mmap_obj, drm_gem_map_dma_buf,
 * drm_gem_vmap/vunmap). Here each device the driver allocates (drm_dev_alloc,
 * devm_drm_dev_alloc: this rule's old_on_new.h) gets a struct
 * drm_gem_object_funcs built from its driver's callbacks, kept in a list of
 * this module (weak definitions: one list whatever file defines it) until the
 * device is released (a drmm action); an object the driver initializes with
 * drm_gem_object_init() or drm_gem_private_object_init() with ->funcs unset
 * gets that device's funcs, so the core finds the driver's callbacks where 5.10
 * looked them up:
 *  - .free = .gem_free_object_unlocked (5.10 did nothing for an object when the
 *    driver had none: so does kb_gemf_free_none, where the newer core would
 *    WARN on a NULL .free);
 *  - .vm_ops = .gem_vm_ops, .get_sg_table = .gem_prime_get_sg_table (same
 *    types; NULL stays NULL: -EINVAL at mmap as in 5.10);
 *  - .vmap/.vunmap: trampolines of the kernel's type. 5.10's drm_gem_vmap()
 *    returned the driver's pointer, ERR_PTR as is, NULL as -ENOMEM; the
 *    trampoline returns PTR_ERR() of an error pointer and otherwise stores the
 *    address in the map (system memory), where the newer drm_gem_vmap() turns a
 *    NULL map into -ENOMEM; vunmap hands the driver the address the map holds
 *    (the newer core skips a NULL map as 5.10 skipped a NULL address). A
 *    driver without .gem_prime_vmap/_vunmap gets NULL slots: -EOPNOTSUPP and
 *    nothing, as in 5.10.
 * Limit: objects made by the kernel's GEM helpers (CMA/shmem/VRAM) carry those
 * helpers' funcs, as the helpers of the newer kernel set them.
 * Locking: 6.2+ calls .vmap/.vunmap/.get_sg_table with obj->resv held, 5.10
 * did not; the trampolines keep the caller's lock (dma_buf_vmap's counter and a
 * caller's ww acquire context rely on it), and a driver whose callback takes
 * the resv itself is refused (shim.toml, refused_callback_calls).
 */
#include_next <drm/drm_gem.h>
#include "kb_config.h"
#if defined(KB_HAVE_DRM_GEM_CALLBACKS_IN_OBJECT_FUNCS) && !defined(KB_GEMF_DEFINED) && \
	__has_include("rules/drm_gem_callbacks_in_object_funcs/old_on_new.h")
#define KB_GEMF_DEFINED
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/iosys-map.h>
#include <drm/drm_device.h>
#include <drm/drm_managed.h>

struct kb_gemf_node {
	struct drm_gem_object_funcs funcs;	/* what obj->funcs points to */
	struct kb_gemf_node *next;
	const struct drm_device *dev;
	void *(*vmap)(struct drm_gem_object *obj);
	void (*vunmap)(struct drm_gem_object *obj, void *vaddr);
};

/* one list per module, whichever of its files defines it first */
struct kb_gemf_node *kb_gemf_list __attribute__((weak));
spinlock_t kb_gemf_lock __attribute__((weak)) = __SPIN_LOCK_UNLOCKED(kb_gemf_lock);

static inline void kb_gemf_free_none(struct drm_gem_object *obj)
{
}

static inline int kb_gemf_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	const struct kb_gemf_node *n = container_of(obj->funcs, struct kb_gemf_node, funcs);
	void *vaddr = n->vmap(obj);

	if (IS_ERR(vaddr))
		return PTR_ERR(vaddr);
	iosys_map_set_vaddr(map, vaddr);	/* NULL: the core's -ENOMEM */
	return 0;
}

static inline void kb_gemf_vunmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	const struct kb_gemf_node *n = container_of(obj->funcs, struct kb_gemf_node, funcs);

	n->vunmap(obj, map->is_iomem ? (void __force *)map->vaddr_iomem : map->vaddr);
}

static inline const struct drm_gem_object_funcs *kb_gemf_find(const struct drm_device *dev)
{
	const struct kb_gemf_node *n;

	spin_lock(&kb_gemf_lock);
	for (n = kb_gemf_list; n; n = n->next)
		if (n->dev == dev)
			break;
	spin_unlock(&kb_gemf_lock);
	return n ? &n->funcs : NULL;
}

static inline void kb_gemf_release(struct drm_device *dev, void *data)
{
	struct kb_gemf_node *node = data, **p;

	spin_lock(&kb_gemf_lock);
	for (p = &kb_gemf_list; *p; p = &(*p)->next)
		if (*p == node) {
			*p = node->next;
			break;
		}
	spin_unlock(&kb_gemf_lock);
	kfree(node);
}

/* at the device's allocation: 0 or -ENOMEM (the node is freed with the device) */
static inline int kb_gemf_register(struct drm_device *dev,
				   void (*free)(struct drm_gem_object *),
				   const struct vm_operations_struct *vm_ops,
				   struct sg_table *(*get_sg_table)(struct drm_gem_object *),
				   void *(*vmap)(struct drm_gem_object *),
				   void (*vunmap)(struct drm_gem_object *, void *))
{
	struct kb_gemf_node *n = kzalloc(sizeof(*n), GFP_KERNEL);

	if (!n)
		return -ENOMEM;
	n->dev = dev;
	n->funcs.free = free ? free : kb_gemf_free_none;
	n->funcs.vm_ops = vm_ops;
	n->funcs.get_sg_table = get_sg_table;
	n->vmap = vmap;
	n->vunmap = vunmap;
	if (vmap)
		n->funcs.vmap = kb_gemf_vmap;
	if (vunmap)
		n->funcs.vunmap = kb_gemf_vunmap;
	spin_lock(&kb_gemf_lock);
	n->next = kb_gemf_list;
	kb_gemf_list = n;
	spin_unlock(&kb_gemf_lock);
	return drmm_add_action_or_reset(dev, kb_gemf_release, n);
}

static inline void kb_gemf_set(struct drm_device *dev, struct drm_gem_object *obj)
{
	if (!obj->funcs)
		obj->funcs = kb_gemf_find(dev);
}

#define drm_gem_object_init(dev, obj, size) ({					\
	struct drm_device *__kb_gd = (dev);						\
	struct drm_gem_object *__kb_go = (obj);						\
	kb_gemf_set(__kb_gd, __kb_go);							\
	(drm_gem_object_init)(__kb_gd, __kb_go, (size)); })
#define drm_gem_private_object_init(dev, obj, size) ({				\
	struct drm_device *__kb_gd = (dev);						\
	struct drm_gem_object *__kb_go = (obj);						\
	kb_gemf_set(__kb_gd, __kb_go);							\
	(drm_gem_private_object_init)(__kb_gd, __kb_go, (size)); })
#endif
