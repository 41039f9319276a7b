/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct xenbus_driver.remove with the other kernel's return type, through the
 * bus_remove fragment (knowledge/fragments/bus_remove.h: how and why):
 *   new_on_old  the driver's remove returns void (Linux >= 6.3, 7cffcade57a4;
 *               6.1.y by backport), this kernel's slot returns int
 *   old_on_new  the driver's remove returns int, this kernel's slot void
 * The bus never used the int: the older xenbus_dev_remove() called
 * drv->remove(dev) and dropped the value (no warning), so the trampoline
 * returns 0 one way and drops the value the other way.
 * Entry points wrapped: __xenbus_register_frontend/backend (what
 * xenbus_register_frontend/backend() expand to) and xenbus_unregister_driver.
 */
#include "kb_config.h"
#if !defined(KB_BR_XENBUS) && !defined(KB_HAVE_XENBUS_DRIVER_REMOVE_VOID) && \
	__has_include("rules/xenbus_driver_remove_void/new_on_old.h")
#define KB_BR_XENBUS
#define KB_BR_XENBUS_DT	void		/* the kernel's slot returns int */
#elif !defined(KB_BR_XENBUS) && defined(KB_HAVE_XENBUS_DRIVER_REMOVE_VOID) && \
	__has_include("rules/xenbus_driver_remove_void/old_on_new.h")
#define KB_BR_XENBUS
#define KB_BR_XENBUS_DT	int		/* the kernel's slot returns void */
#define KB_BR_KERNEL_VOID
#endif

#if defined(KB_BR_XENBUS) && !defined(KB_BR_XENBUS_DONE)
#define KB_BR_XENBUS_DONE
/* what the kernel's <xen/xenbus.h> includes, first: the macro below must meet only its text */
#include <linux/device.h>
#include <linux/notifier.h>
#include <linux/mutex.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/completion.h>
#include <linux/init.h>
#include <linux/slab.h>
#include <linux/semaphore.h>
#include <xen/interface/xen.h>
#include <xen/interface/grant_table.h>
#include <xen/interface/io/xenbus.h>
#include <xen/interface/io/xs_wire.h>
#include <xen/interface/event_channel.h>
#ifdef remove
#error "kbridge: remove is already a macro; xenbus_driver_remove_void cannot retype struct xenbus_driver.remove"
#endif
#define remove	kb_kernel_remove[0])(struct xenbus_device *); KB_BR_XENBUS_DT (*remove
#include_next <xen/xenbus.h>
#undef remove

#define KB_BR_S		xenbus_driver
#define KB_BR_D		xenbus_device
#define KB_BR_P		xenbus
#define KB_BR_WARN(dev, ret)	do { } while (0)	/* xenbus_dev_remove() dropped it */
#include "kb_fragments/bus_remove.h"
#undef KB_BR_S
#undef KB_BR_D
#undef KB_BR_P
#undef KB_BR_WARN
#undef KB_BR_KERNEL_VOID

#define __xenbus_register_frontend(drv, ...) \
	KB_BR_REGISTER(xenbus, xenbus_driver, drv, (__xenbus_register_frontend)(__kb_d, __VA_ARGS__))
#define __xenbus_register_backend(drv, ...) \
	KB_BR_REGISTER(xenbus, xenbus_driver, drv, (__xenbus_register_backend)(__kb_d, __VA_ARGS__))
#define xenbus_unregister_driver(drv) \
	KB_BR_UNREGISTER(xenbus, xenbus_driver, drv, (xenbus_unregister_driver)(__kb_d))
#else
#include_next <xen/xenbus.h>
#endif
