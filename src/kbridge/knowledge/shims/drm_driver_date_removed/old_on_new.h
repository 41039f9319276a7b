/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct drm_driver.date on a kernel that removed the member (6.14,
 * cb2e1c2136f7). The DRM core stopped reading it before (DRM_IOCTL_VERSION
 * reports the date "0" for every driver, as Debian's 6.12 already does), so
 * the member is only the driver's own: after the kernel's <drm/drm_drv.h>
 * the driver's struct drm_driver is struct kb_drm_driver, the kernel's
 * struct as an anonymous member (every member reads and initializes as
 * before) followed by .date, which the driver sets and reads back as on its
 * own kernel; the kernel's struct is what drm_dev_alloc() and
 * devm_drm_dev_alloc() are handed.
 */

/*
 * struct kb_drm_driver is shared by the rules that give a driver back a
 * member the kernel's struct drm_driver lost (drm_gem_prime_mmap_removed,
 * drm_driver_date_removed, drm_gem_callbacks_in_object_funcs): each of their shims carries this same block
 * under one include guard, and a member is there exactly when its rule's
 * shim is applied (the same guard). Keep the copies identical.
 */
#ifndef KB_DRM_DRIVER_WRAPPED
#define KB_DRM_DRIVER_WRAPPED
#include <drm/drm_drv.h>
#include <drm/drm_prime.h>
#include <linux/err.h>
#ifdef KB_HAVE_DRM_GEM_CALLBACKS_IN_OBJECT_FUNCS
#include <drm/drm_gem.h>	/* kb_gemf_register(): this rule's wrapper */
#endif

struct drm_gem_object;
struct vm_area_struct;

struct kb_drm_driver {
	union {
		struct drm_driver kb_base;
		struct drm_driver;
	};
#ifdef KB_HAVE_DRM_GEM_PRIME_MMAP_REMOVED
	int (*gem_prime_mmap)(struct drm_gem_object *obj, struct vm_area_struct *vma);
#endif
#ifdef KB_HAVE_DRM_DRIVER_DATE_REMOVED
	char *date;
#endif
#ifdef KB_HAVE_DRM_GEM_CALLBACKS_IN_OBJECT_FUNCS
	void (*gem_free_object_unlocked)(struct drm_gem_object *obj);
	const struct vm_operations_struct *gem_vm_ops;
	struct sg_table *(*gem_prime_get_sg_table)(struct drm_gem_object *obj);
	void *(*gem_prime_vmap)(struct drm_gem_object *obj);
	void (*gem_prime_vunmap)(struct drm_gem_object *obj, void *vaddr);
#endif
};

static inline const struct drm_driver *kb_drm_driver_base(const struct kb_drm_driver *drv)
{
#ifdef KB_HAVE_DRM_GEM_PRIME_MMAP_REMOVED
	if (drv->gem_prime_mmap && drv->gem_prime_mmap != drm_gem_prime_mmap) {
		WARN(1, "%s: .gem_prime_mmap other than drm_gem_prime_mmap is not supported by this kernel\n",
		     drv->kb_base.name);
		return NULL;
	}
#endif
	return &drv->kb_base;
}

/* a device just allocated for the driver: 0 or an errno (the device is the caller's to put) */
static inline int kb_drm_driver_allocated(const struct kb_drm_driver *drv, struct drm_device *dev)
{
#ifdef KB_HAVE_DRM_GEM_CALLBACKS_IN_OBJECT_FUNCS
	return kb_gemf_register(dev, drv->gem_free_object_unlocked, drv->gem_vm_ops,
				drv->gem_prime_get_sg_table, drv->gem_prime_vmap, drv->gem_prime_vunmap);
#else
	return 0;
#endif
}

static inline struct drm_device *kb_drm_dev_alloc(const struct kb_drm_driver *drv,
						  struct device *parent)
{
	const struct drm_driver *base = kb_drm_driver_base(drv);
	struct drm_device *dev;
	int err;

	if (!base)
		return ERR_PTR(-EINVAL);
	dev = drm_dev_alloc(base, parent);
	if (IS_ERR(dev))
		return dev;
	err = kb_drm_driver_allocated(drv, dev);
	if (err) {
		drm_dev_put(dev);
		return ERR_PTR(err);
	}
	return dev;
}

static inline void *kb___devm_drm_dev_alloc(struct device *parent, const struct kb_drm_driver *drv,
					    size_t size, size_t offset)
{
	const struct drm_driver *base = kb_drm_driver_base(drv);
	void *container;
	int err;

	if (!base)
		return ERR_PTR(-EINVAL);
	container = __devm_drm_dev_alloc(parent, base, size, offset);
	if (IS_ERR(container))
		return container;
	/* on failure the device is put by the devres action its allocation added */
	err = kb_drm_driver_allocated(drv, (struct drm_device *)((char *)container + offset));
	return err ? ERR_PTR(err) : container;
}

#define drm_driver			kb_drm_driver
#define drm_dev_alloc(drv, parent)	kb_drm_dev_alloc(drv, parent)
#define __devm_drm_dev_alloc(parent, drv, size, offset) \
	kb___devm_drm_dev_alloc(parent, drv, size, offset)
#endif /* KB_DRM_DRIVER_WRAPPED */
