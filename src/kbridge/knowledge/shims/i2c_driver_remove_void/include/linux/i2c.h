/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct i2c_driver.remove with the other kernel's return type, through the
 * bus_remove fragment (knowledge/fragments/bus_remove.h: how and why):
 *   new_on_old  the driver's remove returns void (>= 6.1), this kernel's int
 *   old_on_new  the driver's remove returns int, this kernel's void; a
 *               non-zero value gets the dev_warn of i2c_device_remove() in
 *               5.11..6.0
 * Entry points wrapped: i2c_register_driver (i2c_add_driver,
 * module_i2c_driver) and i2c_del_driver.
 */
#include "kb_config.h"
#if !defined(KB_BR_I2C) && \
	!defined(KB_HAVE_I2C_DRIVER_REMOVE_VOID) && defined(KB_OLD_I2C_DRIVER_REMOVE_VOID) && \
	__has_include("rules/i2c_driver_remove_void/new_on_old.h")
#define KB_BR_I2C
#define KB_BR_I2C_DT	void		/* the kernel's slot returns int */
#elif !defined(KB_BR_I2C) && \
	defined(KB_HAVE_I2C_DRIVER_REMOVE_VOID) && !defined(KB_OLD_I2C_DRIVER_REMOVE_VOID) && \
	__has_include("rules/i2c_driver_remove_void/old_on_new.h")
#define KB_BR_I2C
#define KB_BR_I2C_DT	int		/* the kernel's slot returns void */
#define KB_BR_KERNEL_VOID
#endif

#if defined(KB_BR_I2C) && !defined(KB_BR_I2C_DONE)
#define KB_BR_I2C_DONE
/* what the kernel's header includes (any of 5.10..7.3), first: the macro below must meet only its text */
#include <linux/acpi.h>
#include <linux/bits.h>
#include <linux/mod_devicetable.h>
#if __has_include(<linux/device-id/i2c.h>)
#include <linux/device-id/i2c.h>
#endif
#include <linux/device.h>
#include <linux/sched.h>
#include <linux/mutex.h>
#if __has_include(<linux/regulator/consumer.h>)
#include <linux/regulator/consumer.h>
#endif
#include <linux/rtmutex.h>
#include <linux/irqdomain.h>
#include <linux/of.h>
#include <linux/swab.h>
#include <uapi/linux/i2c.h>
#ifdef remove
#error "kbridge: remove is already a macro; i2c_driver_remove_void cannot retype struct i2c_driver.remove"
#endif
#define remove	kb_kernel_remove[0])(struct i2c_client *); KB_BR_I2C_DT (*remove
#include_next <linux/i2c.h>
#undef remove

#define KB_BR_S		i2c_driver
#define KB_BR_D		i2c_client
#define KB_BR_P		i2c
#define KB_BR_WARN(dev, ret) \
	dev_warn(&(dev)->dev, "remove failed (%pe), will be ignored\n", ERR_PTR(ret))
#include "kb_fragments/bus_remove.h"
#undef KB_BR_S
#undef KB_BR_D
#undef KB_BR_P
#undef KB_BR_WARN
#undef KB_BR_KERNEL_VOID

#define i2c_register_driver(owner, drv) \
	KB_BR_REGISTER(i2c, i2c_driver, drv, (i2c_register_driver)(owner, __kb_d))
#define i2c_del_driver(drv) \
	KB_BR_UNREGISTER(i2c, i2c_driver, drv, (i2c_del_driver)(__kb_d))
#else
#include_next <linux/i2c.h>
#endif
