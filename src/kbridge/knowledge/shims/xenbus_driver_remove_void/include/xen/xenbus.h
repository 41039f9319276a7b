/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct xenbus_driver.remove with the other kernel's return type:
 *   new_on_old  the driver's remove returns void (Linux >= 6.3, 7cffcade57a4;
 *               6.1.y by backport), this kernel's slot returns int
 *   old_on_new  the driver's remove returns int, this kernel's slot void
 * The bus never used the int: the older xenbus_dev_remove() called
 * drv->remove(dev) and dropped the value.
 *
 * The driver writes `.remove = fn` in its static struct xenbus_driver and
 * modules build with -Werror=incompatible-pointer-types; the kernel calls the
 * slot with its own type, so from registration on it must find a function of
 * its type there -- in the driver's own struct, which stays the one the bus
 * works with (container_of of the device's driver). While the kernel's header
 * is read, remove's slot becomes an anonymous union of the kernel's slot
 * (kb_kernel_remove) and the driver's (remove), and one member of the
 * driver's type is appended after the kernel's last:
 *
 *	int (*kb_xb_rm_pad[0])(void);		zero-length: no room taken
 *	union {
 *		KERNEL (*kb_kernel_remove)(struct xenbus_device *);
 *		DRIVER (*remove)(struct xenbus_device *dev);	<- the kernel's text
 *		int (*kb_xb_rm_pad2[0])(void);
 *	};
 *	int (*suspend)(struct xenbus_device *dev);		<- the kernel's text
 *	...
 *	void (*reclaim_memory)(struct xenbus_device *);
 *	DRIVER (*kb_drv_remove)(struct xenbus_device *dev);
 *	};					<- the kernel's own "};"
 *
 * (macros for remove, suspend and reclaim_memory, which occur once each in
 * the code of the kernel's <xen/xenbus.h>; everything it includes is included
 * first, so they meet nothing else; a macro does not re-expand its own
 * name). Registration, the API boundary (__xenbus_register_frontend/backend,
 * what xenbus_register_frontend/backend() expand to), moves the driver's
 * function to kb_drv_remove and puts the trampoline in the kernel's slot (NULL
 * stays NULL); a failed registration and xenbus_unregister_driver() -- after
 * the bus has removed every device -- put the driver's function back, so the
 * struct reads as the driver wrote it whenever it is not registered (a reload,
 * a second registration). The trampoline finds the driver's struct from the
 * device (dev->dev.driver), calls the driver's remove and, for a kernel that
 * wants an int, returns 0 (the value was never used). The static_asserts prove
 * the layout; the kernel never copies or sizes a xenbus_driver (the driver's
 * object is the only one), so the appended member is safe.
 *
 * Limit (named, not hidden): driver code that reads ->remove of its
 * registered xenbus_driver by name would find the trampoline (refused in
 * shim.toml: the layer does not bridge such a driver).
 */
#include "kb_config.h"
#if !defined(KB_XENBUS_REMOVE_WRAP) && \
	((!defined(KB_HAVE_XENBUS_DRIVER_REMOVE_VOID) && \
	  __has_include("rules/xenbus_driver_remove_void/new_on_old.h")) || \
	 (defined(KB_HAVE_XENBUS_DRIVER_REMOVE_VOID) && \
	  __has_include("rules/xenbus_driver_remove_void/old_on_new.h")))
#define KB_XENBUS_REMOVE_WRAP
#ifdef KB_HAVE_XENBUS_DRIVER_REMOVE_VOID
#define KB_XB_KERNEL_REMOVE_T	void
#define KB_XB_DRIVER_REMOVE_T	int
#else
#define KB_XB_KERNEL_REMOVE_T	int
#define KB_XB_DRIVER_REMOVE_T	void
#endif
/* what the kernel's <xen/xenbus.h> includes, first: the macros below must meet only its text */
#include <linux/device.h>
#include <linux/notifier.h>
#include <linux/mutex.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/completion.h>
#include <linux/init.h>
#include <linux/slab.h>
#include <linux/semaphore.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <xen/interface/xen.h>
#include <xen/interface/grant_table.h>
#include <xen/interface/io/xenbus.h>
#include <xen/interface/io/xs_wire.h>
#include <xen/interface/event_channel.h>

#if defined(remove) || defined(suspend) || defined(reclaim_memory)
#error "kbridge: remove, suspend or reclaim_memory is already a macro; xenbus_driver_remove_void cannot retype struct xenbus_driver.remove"
#endif
#define remove		kb_xb_rm_pad[0])(void); union {				\
	KB_XB_KERNEL_REMOVE_T (*kb_kernel_remove)(struct xenbus_device *);	\
	KB_XB_DRIVER_REMOVE_T (*remove
#define suspend		kb_xb_rm_pad2[0])(void); }; int (*suspend
#define reclaim_memory	reclaim_memory)(struct xenbus_device *);		\
	KB_XB_DRIVER_REMOVE_T (*kb_drv_remove
#include_next <xen/xenbus.h>
#undef remove
#undef suspend
#undef reclaim_memory

static_assert(__builtin_types_compatible_p(typeof(((struct xenbus_driver *)0)->kb_kernel_remove),
					   KB_XB_KERNEL_REMOVE_T (*)(struct xenbus_device *)),
	      "kbridge: this kernel's xenbus_driver.remove is not the type xenbus_driver_remove_void "
	      "expects; its wrapper does not fit it");
static_assert(offsetof(struct xenbus_driver, remove) == offsetof(struct xenbus_driver, kb_kernel_remove) &&
	      offsetof(struct xenbus_driver, suspend) ==
	      offsetof(struct xenbus_driver, kb_kernel_remove) + sizeof(void (*)(void)) &&
	      offsetof(struct xenbus_driver, kb_drv_remove) ==
	      offsetof(struct xenbus_driver, reclaim_memory) + sizeof(void (*)(void)) &&
	      sizeof(struct xenbus_driver) ==
	      offsetof(struct xenbus_driver, kb_drv_remove) + sizeof(void (*)(void)),
	      "kbridge: retyping this kernel's xenbus_driver.remove would move a member, or "
	      "reclaim_memory is not its last; the xenbus_driver_remove_void wrapper does not fit it");

static inline KB_XB_KERNEL_REMOVE_T kb_xenbus_remove_tramp(struct xenbus_device *dev)
{
	const struct xenbus_driver *drv = container_of(dev->dev.driver, struct xenbus_driver, driver);

	drv->kb_drv_remove(dev);
#ifndef KB_HAVE_XENBUS_DRIVER_REMOVE_VOID
	return 0;
#endif
}

/* true when this call moved the driver's function (it is not registered yet) */
static inline bool kb_xenbus_remove_install(struct xenbus_driver *drv)
{
	if (drv->kb_drv_remove)
		return false;
	drv->kb_drv_remove = drv->remove;
	drv->kb_kernel_remove = drv->kb_drv_remove ? kb_xenbus_remove_tramp : NULL;
	return true;
}

static inline void kb_xenbus_remove_restore(struct xenbus_driver *drv)
{
	if (!drv->kb_drv_remove)
		return;
	drv->remove = drv->kb_drv_remove;
	drv->kb_drv_remove = NULL;
}

static inline int kb___xenbus_register_frontend(struct xenbus_driver *drv, struct module *owner,
						 const char *mod_name)
{
	bool installed = kb_xenbus_remove_install(drv);
	int err = __xenbus_register_frontend(drv, owner, mod_name);

	if (err && installed)
		kb_xenbus_remove_restore(drv);
	return err;
}

static inline int kb___xenbus_register_backend(struct xenbus_driver *drv, struct module *owner,
						const char *mod_name)
{
	bool installed = kb_xenbus_remove_install(drv);
	int err = __xenbus_register_backend(drv, owner, mod_name);

	if (err && installed)
		kb_xenbus_remove_restore(drv);
	return err;
}

static inline void kb_xenbus_unregister_driver(struct xenbus_driver *drv)
{
	xenbus_unregister_driver(drv);
	kb_xenbus_remove_restore(drv);
}

#define __xenbus_register_frontend	kb___xenbus_register_frontend
#define __xenbus_register_backend	kb___xenbus_register_backend
#define xenbus_unregister_driver	kb_xenbus_unregister_driver
#else
#include_next <xen/xenbus.h>
#endif
