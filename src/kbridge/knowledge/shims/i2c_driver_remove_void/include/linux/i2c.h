/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct i2c_driver's callbacks with the other kernel's types, through the
 * bus_remove fragment (knowledge/fragments/bus_remove.h: how and why).
 * Shipped, byte for byte the same, by i2c_driver_remove_void and
 * i2c_driver_probe_one_arg (the layer keeps one copy); each rule's probes and
 * direction file say what this kernel needs:
 *   remove  new_on_old  the driver's remove returns void (>= 6.1), this
 *                       kernel's int: the trampoline returns 0
 *           old_on_new  the driver's remove returns int, this kernel's void;
 *                       a non-zero value gets the dev_warn of
 *                       i2c_device_remove() in 5.11..6.0
 *   probe   new_on_old  the driver's probe(client) (>= 6.3), this kernel's
 *                       probe(client, id): the trampoline drops the id (the
 *                       driver asks for it, i2c_client_get_device_id())
 *           old_on_new  the driver's probe(client, id) (< 6.3), this kernel's
 *                       probe(client): the trampoline passes what
 *                       i2c_device_probe() of 4.10..6.2 passed,
 *                       i2c_match_id(driver->id_table, client)
 * Entry points wrapped: i2c_register_driver (i2c_add_driver,
 * module_i2c_driver) and i2c_del_driver.
 *
 * The header also names a parameter `probe` (i2c_new_scanned_device(...,
 * int (*probe)(struct i2c_adapter *, unsigned short))): that declaration is
 * hidden while the probe macro is defined (a function-like macro drops its
 * arguments unexpanded) and declared again after it, as every kernel has it.
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
#if !defined(KB_BR_I2C_PROBE) && \
	!defined(KB_HAVE_I2C_DRIVER_PROBE_ONE_ARG) && defined(KB_OLD_I2C_DRIVER_PROBE_ONE_ARG) && \
	__has_include("rules/i2c_driver_probe_one_arg/new_on_old.h")
#define KB_BR_I2C_PROBE		1	/* the kernel's slot takes (client, id), the driver's (client) */
#define KB_BR_I2C_PROBE_DP	(struct i2c_client *)
#elif !defined(KB_BR_I2C_PROBE) && \
	defined(KB_HAVE_I2C_DRIVER_PROBE_ONE_ARG) && !defined(KB_OLD_I2C_DRIVER_PROBE_ONE_ARG) && \
	__has_include("rules/i2c_driver_probe_one_arg/old_on_new.h")
#define KB_BR_I2C_PROBE		2	/* the kernel's slot takes (client), the driver's (client, id) */
#define KB_BR_I2C_PROBE_DP	(struct i2c_client *, const struct i2c_device_id *)
#endif

#if (defined(KB_BR_I2C) || defined(KB_BR_I2C_PROBE)) && !defined(KB_BR_I2C_DONE)
#define KB_BR_I2C_DONE
/* what the kernel's header includes (any of 5.10..7.3), first: the macros below must meet only its text */
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
#ifdef KB_BR_I2C
#ifdef remove
#error "kbridge: remove is already a macro; i2c_driver_remove_void cannot retype struct i2c_driver.remove"
#endif
#define remove	kb_kernel_remove[0])(struct i2c_client *); KB_BR_I2C_DT (*remove
#endif
#ifdef KB_BR_I2C_PROBE
#ifdef probe
#error "kbridge: probe is already a macro; i2c_driver_probe_one_arg cannot retype struct i2c_driver.probe"
#endif
#define probe	probe)KB_BR_I2C_PROBE_DP; int (*kb_kernel_probe[0]
#define i2c_new_scanned_device(...)	kb_i2c_new_scanned_device_hidden(void)
#endif
#include_next <linux/i2c.h>
#ifdef KB_BR_I2C
#undef remove
#endif
#ifdef KB_BR_I2C_PROBE
#undef probe
#undef i2c_new_scanned_device
struct i2c_client *
i2c_new_scanned_device(struct i2c_adapter *adap,
		       struct i2c_board_info *info,
		       unsigned short const *addr_list,
		       int (*kb_probe_fn)(struct i2c_adapter *adap, unsigned short addr));
#endif

#ifdef KB_BR_I2C
#define KB_BR_S		i2c_driver
#define KB_BR_D		i2c_client
#define KB_BR_P		i2c
#define KB_BR_WARN(dev, ret) \
	dev_warn(&(dev)->dev, "remove failed (%pe), will be ignored\n", ERR_PTR(ret))
#endif
#include "kb_fragments/bus_remove.h"
#undef KB_BR_S
#undef KB_BR_D
#undef KB_BR_P
#undef KB_BR_WARN
#undef KB_BR_KERNEL_VOID

#ifdef KB_BR_I2C_PROBE
#if KB_BR_I2C_PROBE == 1
static_assert(__builtin_types_compatible_p(typeof(((struct i2c_driver *)0)->kb_kernel_probe[0]),
					   int (*)(struct i2c_client *, const struct i2c_device_id *)) &&
	      __builtin_types_compatible_p(typeof(((struct i2c_driver *)0)->probe),
					   int (*)(struct i2c_client *)),
	      "kbridge i2c_driver_probe_one_arg: this kernel's probe slot is not the type the rule's probe answered");

/* the kernel's probe(client, id): the driver's probe(client) finds its id itself, as on >= 6.3 */
static inline int kb_i2c_probe_tramp(struct i2c_client *client, const struct i2c_device_id *id)
{
	return KB_BR_DRIVER_FN(i2c_driver, client->dev.driver, probe)(client);
}
#else
static_assert(__builtin_types_compatible_p(typeof(((struct i2c_driver *)0)->kb_kernel_probe[0]),
					   int (*)(struct i2c_client *)) &&
	      __builtin_types_compatible_p(typeof(((struct i2c_driver *)0)->probe),
					   int (*)(struct i2c_client *, const struct i2c_device_id *)),
	      "kbridge i2c_driver_probe_one_arg: this kernel's probe slot is not the type the rule's probe answered");

/* the kernel's probe(client): the driver's probe(client, id) gets what i2c_device_probe() of 4.10..6.2 passed */
static inline int kb_i2c_probe_tramp(struct i2c_client *client)
{
	const struct i2c_driver *drv = container_of(client->dev.driver, struct i2c_driver, driver);

	return KB_BR_DRIVER_FN(i2c_driver, client->dev.driver, probe)(client, i2c_match_id(drv->id_table, client));
}
#endif
static_assert(__builtin_types_compatible_p(typeof(&kb_i2c_probe_tramp),
					   typeof(((struct i2c_driver *)0)->kb_kernel_probe[0])),
	      "kbridge: the probe trampoline is not of the kernel's type");
#endif

/* every slot bridged here: 1 when one was installed, 0 nothing (or registered already), <0 error */
static inline void kb_i2c_restore(struct i2c_driver *drv)
{
#ifdef KB_BR_I2C
	kb_i2c_remove_restore(drv);
#endif
#ifdef KB_BR_I2C_PROBE
	kb_br_restore_slot(&drv->probe);
#endif
}

static inline int kb_i2c_install(struct i2c_driver *drv)
{
	int ret = 0;
#ifdef KB_BR_I2C_PROBE
	int err;
#endif

#ifdef KB_BR_I2C
	ret = kb_i2c_remove_install(drv);
	if (ret < 0)
		return ret;
#endif
#ifdef KB_BR_I2C_PROBE
	err = kb_br_install_slot(&drv->probe, (void (*)(void))kb_i2c_probe_tramp);
	if (err < 0) {
		if (ret > 0)
			kb_i2c_restore(drv);
		return err;
	}
	ret |= err;
#endif
	return ret;
}

#define i2c_register_driver(owner, drv) \
	KB_BR_REGISTER_FN(kb_i2c_install, kb_i2c_restore, i2c_driver, drv, (i2c_register_driver)(owner, __kb_d))
#define i2c_del_driver(drv) \
	KB_BR_UNREGISTER_FN(kb_i2c_restore, i2c_driver, drv, (i2c_del_driver)(__kb_d))
#else
#include_next <linux/i2c.h>
#endif
