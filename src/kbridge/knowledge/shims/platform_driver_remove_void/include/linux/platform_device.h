/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct platform_driver.remove with the other kernel's return type, through
 * the bus_remove fragment (knowledge/fragments/bus_remove.h: how and why).
 * Shipped, byte for byte the same, by platform_driver_remove_void and
 * platform_driver_remove_new (the layer keeps one copy); each rule's probes
 * and direction file say what this kernel needs:
 *   int slot, driver's void  platform_driver_remove_void new_on_old (a driver
 *                            of >= 6.11), or platform_driver_remove_new
 *                            new_on_old (a driver of 6.3..6.12 setting
 *                            .remove_new, which that rule's shim spells .remove)
 *   void slot, driver's int  platform_driver_remove_void old_on_new; what the
 *                            kernels 5.12..6.10 did with a non-zero value is
 *                            kept (platform_remove(): the same dev_warn)
 * Entry points wrapped (each kernel's arity: 7.x added a mod_name argument):
 * __platform_driver_register (platform_driver_register, module_platform_driver),
 * __platform_driver_probe (platform_driver_probe, module_platform_driver_probe),
 * __platform_create_bundle, __platform_register_drivers and their
 * unregistration, platform_driver_unregister / platform_unregister_drivers.
 */
#include "kb_config.h"
#if !defined(KB_BR_PLATFORM) && \
	(!defined(KB_HAVE_PLATFORM_DRIVER_REMOVE_VOID) && defined(KB_OLD_PLATFORM_DRIVER_REMOVE_VOID) && \
	 __has_include("rules/platform_driver_remove_void/new_on_old.h") || \
	 !defined(KB_HAVE_PLATFORM_DRIVER_REMOVE_NEW) && defined(KB_OLD_PLATFORM_DRIVER_REMOVE_NEW) && \
	 __has_include("rules/platform_driver_remove_new/new_on_old.h"))
#define KB_BR_PLATFORM
#define KB_BR_PLATFORM_DT	void		/* the kernel's slot returns int */
#elif !defined(KB_BR_PLATFORM) && \
	defined(KB_HAVE_PLATFORM_DRIVER_REMOVE_VOID) && !defined(KB_OLD_PLATFORM_DRIVER_REMOVE_VOID) && \
	__has_include("rules/platform_driver_remove_void/old_on_new.h")
#define KB_BR_PLATFORM
#define KB_BR_PLATFORM_DT	int		/* the kernel's slot returns void */
#define KB_BR_KERNEL_VOID
#endif

#if defined(KB_BR_PLATFORM) && !defined(KB_BR_PLATFORM_DONE)
#define KB_BR_PLATFORM_DONE
/* what the kernel's header includes, first: the macro below must meet only its text */
#include <linux/device.h>
#include <linux/mod_devicetable.h>
#if __has_include(<linux/device-id/platform.h>)
#include <linux/device-id/platform.h>
#endif
#ifdef remove
#error "kbridge: remove is already a macro; platform_driver_remove_void cannot retype struct platform_driver.remove"
#endif
#define remove	kb_kernel_remove[0])(struct platform_device *); KB_BR_PLATFORM_DT (*remove
#include_next <linux/platform_device.h>
#undef remove

#define KB_BR_S		platform_driver
#define KB_BR_D		platform_device
#define KB_BR_P		platform
#define KB_BR_WARN(dev, ret) \
	dev_warn(&(dev)->dev, "remove callback returned a non-zero value. This will be ignored.\n")
#include "kb_fragments/bus_remove.h"
#undef KB_BR_S
#undef KB_BR_D
#undef KB_BR_P
#undef KB_BR_WARN
#undef KB_BR_KERNEL_VOID

static inline int kb_platform_remove_install_all(struct platform_driver * const *drivers, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		int err = kb_platform_remove_install(drivers[i]);

		if (err < 0) {
			while (i--)
				kb_platform_remove_restore(drivers[i]);
			return err;
		}
	}
	return 0;
}

static inline void kb_platform_remove_restore_all(struct platform_driver * const *drivers, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		kb_platform_remove_restore(drivers[i]);
}

#define __platform_driver_register(drv, ...) \
	KB_BR_REGISTER(platform, platform_driver, drv, (__platform_driver_register)(__kb_d, __VA_ARGS__))
#define __platform_driver_probe(drv, ...) \
	KB_BR_REGISTER(platform, platform_driver, drv, (__platform_driver_probe)(__kb_d, __VA_ARGS__))
#define platform_driver_unregister(drv) \
	KB_BR_UNREGISTER(platform, platform_driver, drv, (platform_driver_unregister)(__kb_d))
#define __platform_create_bundle(drv, ...) ({						\
	struct platform_driver *__kb_d = (drv);						\
	int __kb_i = kb_platform_remove_install(__kb_d);				\
	struct platform_device *__kb_p = __kb_i < 0 ? ERR_PTR(__kb_i) :			\
		(__platform_create_bundle)(__kb_d, __VA_ARGS__);			\
	if (IS_ERR(__kb_p) && __kb_i > 0)						\
		kb_platform_remove_restore(__kb_d);					\
	__kb_p; })
#define __platform_register_drivers(drivers, count, ...) ({				\
	struct platform_driver * const *__kb_ds = (drivers);				\
	unsigned int __kb_n = (count);							\
	int __kb_e = kb_platform_remove_install_all(__kb_ds, __kb_n);			\
	if (!__kb_e) {									\
		__kb_e = (__platform_register_drivers)(__kb_ds, __kb_n, __VA_ARGS__);	\
		if (__kb_e)								\
			kb_platform_remove_restore_all(__kb_ds, __kb_n);		\
	}										\
	__kb_e; })
#define platform_unregister_drivers(drivers, count) ({					\
	struct platform_driver * const *__kb_ds = (drivers);				\
	unsigned int __kb_n = (count);							\
	(platform_unregister_drivers)(__kb_ds, __kb_n);					\
	kb_platform_remove_restore_all(__kb_ds, __kb_n); })
#else
#include_next <linux/platform_device.h>
#endif
