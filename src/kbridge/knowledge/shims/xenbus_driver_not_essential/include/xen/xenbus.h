/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct xenbus_driver.not_essential (Linux >= 5.16, 37a72b08a3e1) on a kernel
 * without it. The member is a bool placed, while the kernel's header is read,
 * right after allow_rebind (a macro for allow_rebind, which occurs once in the
 * code of the kernel's <xen/xenbus.h>; everything it includes is included
 * first), in the padding before the probe pointer: every kernel member keeps
 * its offset and the size is the kernel's (static_asserts).
 *
 * What the flag means -- the bus's boot-time (and module registration) wait
 * gives up after 30 s instead of 300 s for the driver's devices -- the older
 * bus decides by node name: device/vkbd and device/vfb, the two front-ends
 * the newer kernels flag. For them the behaviour is the same; another device
 * type the driver flags is waited for as essential by this kernel (limit,
 * named in the rule's why).
 */
#include "kb_config.h"
#if !defined(KB_XENBUS_NOT_ESSENTIAL_WRAP) && !defined(KB_HAVE_XENBUS_DRIVER_NOT_ESSENTIAL) && \
	__has_include("rules/xenbus_driver_not_essential/new_on_old.h")
#define KB_XENBUS_NOT_ESSENTIAL_WRAP
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
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <xen/interface/xen.h>
#include <xen/interface/grant_table.h>
#include <xen/interface/io/xenbus.h>
#include <xen/interface/io/xs_wire.h>
#include <xen/interface/event_channel.h>

#if defined(allow_rebind)
#error "kbridge: allow_rebind is already a macro; xenbus_driver_not_essential cannot add struct xenbus_driver.not_essential"
#endif
#define allow_rebind	allow_rebind; bool not_essential
#include_next <xen/xenbus.h>
#undef allow_rebind

static_assert(offsetof(struct xenbus_driver, not_essential) ==
	      offsetof(struct xenbus_driver, allow_rebind) + sizeof(bool) &&
	      offsetof(struct xenbus_driver, probe) ==
	      offsetof(struct xenbus_driver, allow_rebind) + sizeof(void (*)(void)),
	      "kbridge: this kernel's struct xenbus_driver has no padding after allow_rebind; "
	      "the xenbus_driver_not_essential wrapper does not fit it");
#else
#include_next <xen/xenbus.h>
#endif
