/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_dev_alloc()/devm_drm_dev_alloc() of a const struct drm_driver (5.11+) on a
 * kernel whose prototypes take it non-const (5.10): the older core never
 * writes through the pointer of a non-legacy driver (only drm_legacy_pci_init()
 * does, for DRIVER_LEGACY drivers, and 5.11+ casts for those as here), so the
 * driver's const struct is handed over cast, as 5.11+'s drm_dev_init() stores it.
 */
#include <drm/drm_drv.h>

static inline struct drm_device *kb_drm_dev_alloc_const(const struct drm_driver *driver,
							struct device *parent)
{
	return drm_dev_alloc((struct drm_driver *)driver, parent);
}

static inline void *kb___devm_drm_dev_alloc_const(struct device *parent,
						  const struct drm_driver *driver,
						  size_t size, size_t offset)
{
	return __devm_drm_dev_alloc(parent, (struct drm_driver *)driver, size, offset);
}

#define drm_dev_alloc(driver, parent)	kb_drm_dev_alloc_const(driver, parent)
#define __devm_drm_dev_alloc(parent, driver, size, offset) \
	kb___devm_drm_dev_alloc_const(parent, driver, size, offset)
