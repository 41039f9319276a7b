/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct parport_driver's devmodel member (gone in 6.11, dfd19866d1a3) for
 * a driver written for a kernel that had it (rule
 * parport_driver_devmodel_removed, old_on_new).
 *
 * The older cores never read the member (every client registered on the
 * parport bus whatever it held), so the driver's `.devmodel = true` only
 * needs a place to go: while the kernel's header is read, the declarator of
 * the struct's last member, driver, is followed by `bool devmodel`, so the
 * driver's view of its own table is the kernel's with one member appended.
 * The headers the kernel's <linux/parport.h> includes are read first (and
 * <linux/parport_pc.h>'s <asm/io.h>), so that the macro sees nothing but
 * the struct; the static_asserts prove that driver is the kernel's last
 * member and that every kernel member kept its offset. The kernel reads the
 * table only through the pointer the driver registers and container_of() of
 * its embedded device_driver; it never copies or sizes it.
 */
#include "kb_config.h"
#if !defined(KB_PARPORT_DRIVER_DEVMODEL_WRAP) && defined(KB_HAVE_PARPORT_DRIVER_DEVMODEL_REMOVED) && \
	__has_include("rules/parport_driver_devmodel_removed/old_on_new.h")
#define KB_PARPORT_DRIVER_DEVMODEL_WRAP
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/jiffies.h>
#include <linux/proc_fs.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/irqreturn.h>
#include <linux/semaphore.h>
#include <linux/device.h>
#include <asm/ptrace.h>
#include <asm/io.h>
#include <uapi/linux/parport.h>

#if defined(driver) || defined(devmodel)
#error "kbridge: driver or devmodel is already a macro; parport_driver_devmodel_removed cannot append to struct parport_driver"
#endif
#define driver		driver; \
	bool devmodel
#include_next <linux/parport.h>
#undef driver

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: parport_driver_devmodel_removed cannot append to struct parport_driver on a kernel built with CONFIG_RANDSTRUCT"
#endif
struct kb_parport_driver_end {
	struct device_driver driver;
	bool devmodel;
};
static_assert(offsetof(struct parport_driver, devmodel) ==
	      offsetof(struct parport_driver, driver) + offsetof(struct kb_parport_driver_end, devmodel) &&
	      sizeof(struct parport_driver) ==
	      offsetof(struct parport_driver, driver) + sizeof(struct kb_parport_driver_end),
	      "kbridge: struct parport_driver does not end with its device_driver on this kernel; "
	      "the parport_driver_devmodel_removed wrapper does not fit it");
#else
#include_next <linux/parport.h>
#endif
