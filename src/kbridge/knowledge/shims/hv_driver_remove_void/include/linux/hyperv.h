/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct hv_driver.remove (VMBus) with the other kernel's return type, through
 * the bus_remove fragment (knowledge/fragments/bus_remove.h: how and why):
 *   new_on_old  the driver's remove returns void (>= 6.3), this kernel's int
 *   old_on_new  the driver's remove returns int, this kernel's void
 * vmbus_remove() never used the int (5.10..6.2 called drv->remove(dev) and
 * dropped the value, no warning): the trampoline returns 0 one way and drops
 * the value the other way. hv_device's struct device is `device`.
 * Entry points wrapped: __vmbus_driver_register (vmbus_driver_register) and
 * vmbus_driver_unregister.
 */
#include "kb_config.h"
#if !defined(KB_BR_HV) && \
	!defined(KB_HAVE_HV_DRIVER_REMOVE_VOID) && defined(KB_OLD_HV_DRIVER_REMOVE_VOID) && \
	__has_include("rules/hv_driver_remove_void/new_on_old.h")
#define KB_BR_HV
#define KB_BR_HV_DT	void		/* the kernel's slot returns int */
#elif !defined(KB_BR_HV) && \
	defined(KB_HAVE_HV_DRIVER_REMOVE_VOID) && !defined(KB_OLD_HV_DRIVER_REMOVE_VOID) && \
	__has_include("rules/hv_driver_remove_void/old_on_new.h")
#define KB_BR_HV
#define KB_BR_HV_DT	int		/* the kernel's slot returns void */
#define KB_BR_KERNEL_VOID
#endif

#if defined(KB_BR_HV) && !defined(KB_BR_HV_DONE)
#define KB_BR_HV_DONE
/* what the kernel's header includes (any of 5.10..7.3), first: the macro below must meet only its text */
#include <uapi/linux/hyperv.h>
#include <linux/mm.h>
#include <linux/types.h>
#include <linux/scatterlist.h>
#include <linux/list.h>
#include <linux/timer.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/mod_devicetable.h>
#if __has_include(<linux/device-id/hv_vmbus.h>)
#include <linux/device-id/hv_vmbus.h>
#endif
#include <linux/interrupt.h>
#include <linux/reciprocal_div.h>
#if __has_include(<hyperv/hvhdk.h>)
#include <hyperv/hvhdk.h>
#else
#include <asm/hyperv-tlfs.h>
#endif
#ifdef remove
#error "kbridge: remove is already a macro; hv_driver_remove_void cannot retype struct hv_driver.remove"
#endif
#define remove	kb_kernel_remove[0])(struct hv_device *); KB_BR_HV_DT (*remove
#include_next <linux/hyperv.h>
#undef remove

#define KB_BR_S		hv_driver
#define KB_BR_D		hv_device
#define KB_BR_P		hv
#define KB_BR_DEVM	device
#define KB_BR_WARN(dev, ret)	do { } while (0)	/* vmbus_remove() dropped it */
#include "kb_fragments/bus_remove.h"
#undef KB_BR_S
#undef KB_BR_D
#undef KB_BR_P
#undef KB_BR_WARN
#undef KB_BR_KERNEL_VOID

#define __vmbus_driver_register(drv, ...) \
	KB_BR_REGISTER(hv, hv_driver, drv, (__vmbus_driver_register)(__kb_d, __VA_ARGS__))
#define vmbus_driver_unregister(drv) \
	KB_BR_UNREGISTER(hv, hv_driver, drv, (vmbus_driver_unregister)(__kb_d))
#else
#include_next <linux/hyperv.h>
#endif
