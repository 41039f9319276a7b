/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct mei_cl_driver.remove with the other kernel's return type, through the
 * bus_remove fragment (knowledge/fragments/bus_remove.h: how and why):
 *   new_on_old  the driver's remove returns void (>= 5.12), this kernel's int
 *   old_on_new  the driver's remove returns int, this kernel's void
 * The int was never used: mei_cl_device_remove() before 5.12 returned it to
 * the driver core, which ignored it (no warning), so the trampoline returns 0
 * one way and drops the value the other way.
 * Entry points wrapped: __mei_cldev_driver_register (mei_cldev_driver_register,
 * module_mei_cl_driver) and mei_cldev_driver_unregister.
 */
#include "kb_config.h"
#if !defined(KB_BR_MEI) && \
	!defined(KB_HAVE_MEI_CL_DRIVER_REMOVE_VOID) && defined(KB_OLD_MEI_CL_DRIVER_REMOVE_VOID) && \
	__has_include("rules/mei_cl_driver_remove_void/new_on_old.h")
#define KB_BR_MEI
#define KB_BR_MEI_DT	void		/* the kernel's slot returns int */
#elif !defined(KB_BR_MEI) && \
	defined(KB_HAVE_MEI_CL_DRIVER_REMOVE_VOID) && !defined(KB_OLD_MEI_CL_DRIVER_REMOVE_VOID) && \
	__has_include("rules/mei_cl_driver_remove_void/old_on_new.h")
#define KB_BR_MEI
#define KB_BR_MEI_DT	int		/* the kernel's slot returns void */
#define KB_BR_KERNEL_VOID
#endif

#if defined(KB_BR_MEI) && !defined(KB_BR_MEI_DONE)
#define KB_BR_MEI_DONE
/* what the kernel's header includes (any of 5.10..7.3), first: the macro below must meet only its text */
#include <linux/device.h>
#include <linux/uuid.h>
#include <linux/mod_devicetable.h>
#if __has_include(<linux/device-id/mei_cl.h>)
#include <linux/device-id/mei_cl.h>
#endif
#ifdef remove
#error "kbridge: remove is already a macro; mei_cl_driver_remove_void cannot retype struct mei_cl_driver.remove"
#endif
#define remove	kb_kernel_remove[0])(struct mei_cl_device *); KB_BR_MEI_DT (*remove
#include_next <linux/mei_cl_bus.h>
#undef remove

#define KB_BR_S		mei_cl_driver
#define KB_BR_D		mei_cl_device
#define KB_BR_P		mei_cl
#define KB_BR_WARN(dev, ret)	do { } while (0)	/* the driver core ignored it */
#include "kb_fragments/bus_remove.h"
#undef KB_BR_S
#undef KB_BR_D
#undef KB_BR_P
#undef KB_BR_WARN
#undef KB_BR_KERNEL_VOID

#define __mei_cldev_driver_register(drv, ...) \
	KB_BR_REGISTER(mei_cl, mei_cl_driver, drv, (__mei_cldev_driver_register)(__kb_d, __VA_ARGS__))
#define mei_cldev_driver_unregister(drv) \
	KB_BR_UNREGISTER(mei_cl, mei_cl_driver, drv, (mei_cldev_driver_unregister)(__kb_d))
#else
#include_next <linux/mei_cl_bus.h>
#endif
