/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct platform_driver.remove_new (Linux 6.3..6.12: the void-returning remove
 * beside the int one) on a kernel with only the int .remove (< 6.3): from 6.11
 * on .remove_new and .remove are one slot (a union of two void members), and
 * 6.3..6.10's platform_remove() called remove_new in place of remove, so a
 * driver that sets .remove_new means exactly a void .remove. The wrapper of
 * <linux/platform_device.h> (bus_remove fragment, shared with
 * platform_driver_remove_void) retypes this kernel's int slot to void with a
 * registration-time trampoline that returns 0; the name is spelled .remove
 * here, for the driver's initializer and any ->remove_new it reads or writes.
 */
#include <linux/platform_device.h>
#define remove_new remove
