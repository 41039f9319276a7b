/* SPDX-License-Identifier: GPL-2.0 */
/*
 * .ack_interrupt / .did_interrupt of a PHY driver written for Linux <= 5.10 on a
 * kernel whose core calls .handle_interrupt and .config_intr only (5.11+, commit
 * 6527b938426f "net: phy: remove the .did_interrupt() and .ack_interrupt() callback").
 *
 * What 5.10's core did with them (drivers/net/phy/phy.c, phy_device.c):
 *  - phy_interrupt(), for a driver without .handle_interrupt: did_interrupt under
 *    phydev->lock, IRQ_NONE when it says no; phy_trigger_machine(); without
 *    did_interrupt, ack_interrupt under the lock, and on an error phy_error() and
 *    IRQ_NONE; else IRQ_HANDLED. (With .handle_interrupt: that, under the lock.)
 *  - phy_enable_interrupts(): ack (an error < 0 returned), then config_intr with
 *    phydev->interrupts = PHY_INTERRUPT_ENABLED;
 *  - phy_disable_interrupts(): config_intr with PHY_INTERRUPT_DISABLED (an error
 *    returned), then ack;
 *  - phy_drv_supports_irq(): config_intr && ack_interrupt, else the PHY is polled.
 * The newer core holds phydev->lock around .handle_interrupt, calls .config_intr
 * right after setting phydev->interrupts on enable and disable, and requires
 * config_intr && handle_interrupt. So, at registration, in the driver's own table:
 * where it has ack_interrupt, .handle_interrupt gets kb_phy_legacy_handle_interrupt
 * (unless the driver has its own) and .config_intr kb_phy_legacy_config_intr (the
 * driver's saved in kb_drv_config_intr, appended by the wrapper of <linux/phy.h>);
 * where it has none, .handle_interrupt is cleared (5.10 polled such a PHY).
 * An ack error in the interrupt does what the kernel's phy_error() does: it is called
 * where it expects phydev->lock held (6.5+, a0e026e7b37e, with PHY_ERROR); 6.1's takes
 * the lock itself, which its core already holds around the handler, so there its
 * body (WARN, PHY_HALTED, a state-machine run) is done here.
 */
#include <linux/phy.h>
#include <linux/interrupt.h>
#include <linux/bug.h>
#ifndef KB_PHY_DRIVER_ACK_WRAP
#error "kbridge: phy_driver_ack_interrupt_removed appends to struct phy_driver in its wrapper of <linux/phy.h>, which is not in effect"
#endif

/* 5.10's phy_interrupt() for a driver without .handle_interrupt; phydev->lock is held */
static __maybe_unused irqreturn_t kb_phy_legacy_handle_interrupt(struct phy_device *phydev)
{
	const struct phy_driver *drv = phydev->drv;

	if (drv->did_interrupt && !drv->did_interrupt(phydev))
		return IRQ_NONE;

	/* reschedule state queue work to run as soon as possible */
	phy_trigger_machine(phydev);

	/* did_interrupt() may have cleared the interrupt already */
	if (!drv->did_interrupt && drv->ack_interrupt(phydev)) {
#ifdef KB_ANCHOR_PHY_ERROR
		phy_error(phydev);
#else
		WARN_ON(1);
		phydev->state = PHY_HALTED;
		phy_trigger_machine(phydev);
#endif
		return IRQ_NONE;
	}

	return IRQ_HANDLED;
}

/* 5.10's phy_enable_interrupts() / phy_disable_interrupts() around the driver's config_intr */
static __maybe_unused int kb_phy_legacy_config_intr(struct phy_device *phydev)
{
	const struct phy_driver *drv = phydev->drv;
	int err;

	if (phydev->interrupts == PHY_INTERRUPT_ENABLED) {
		err = drv->ack_interrupt(phydev);
		if (err < 0)
			return err;
		return drv->kb_drv_config_intr(phydev);
	}
	err = drv->kb_drv_config_intr(phydev);
	if (err)
		return err;
	return drv->ack_interrupt(phydev);
}

/* the driver's table as the newer core needs it (again on a second registration: kept) */
static __maybe_unused void kb_phy_legacy_prepare(struct phy_driver *drv)
{
	if (!drv->ack_interrupt) {
		drv->handle_interrupt = NULL;
		return;
	}
	if (!drv->handle_interrupt)
		drv->handle_interrupt = kb_phy_legacy_handle_interrupt;
	if (drv->config_intr && drv->config_intr != kb_phy_legacy_config_intr) {
		drv->kb_drv_config_intr = drv->config_intr;
		drv->config_intr = kb_phy_legacy_config_intr;
	}
}

/* phy_drivers_register() of the kernel, one element at a time (the driver's stride) */
static __maybe_unused int kb_phy_drivers_register(struct phy_driver *drv, int n, struct module *owner)
{
	int i, ret = 0;

	for (i = 0; i < n; i++) {
		kb_phy_legacy_prepare(drv + i);
		ret = phy_drivers_register(drv + i, 1, owner);
		if (ret) {
			while (i-- > 0)
				phy_drivers_unregister(drv + i, 1);
			break;
		}
	}
	return ret;
}

static __maybe_unused void kb_phy_drivers_unregister(struct phy_driver *drv, int n)
{
	int i;

	for (i = 0; i < n; i++)
		phy_drivers_unregister(drv + i, 1);
}

/* last: the functions above call the kernel's */
#if defined(phy_drivers_register) || defined(phy_drivers_unregister) || \
	defined(phy_driver_register) || defined(phy_driver_unregister)
#error "kbridge: a phylib registration function is already a macro; phy_driver_ack_interrupt_removed cannot wrap it"
#endif
#define phy_drivers_register(drv, n, owner)	kb_phy_drivers_register(drv, n, owner)
#define phy_drivers_unregister(drv, n)		kb_phy_drivers_unregister(drv, n)
#define phy_driver_register(drv, owner)		kb_phy_drivers_register(drv, 1, owner)
#define phy_driver_unregister(drv)		kb_phy_drivers_unregister(drv, 1)

/*
 * module_phy_driver()'s registration by the kb_ names themselves: the inline strategy gives
 * phy_drivers_register its kernel meaning back after this header, and the kernel's
 * phy_module_driver() would then hand the kernel the driver's whole array at the kernel's
 * stride. The kernel's body (5.10 .. 7.3), the wrappers called by name.
 */
#undef phy_module_driver
#define phy_module_driver(__phy_drivers, __count)				\
static int __init phy_module_init(void)					\
{									\
	return kb_phy_drivers_register(__phy_drivers, __count, THIS_MODULE);	\
}									\
module_init(phy_module_init);						\
static void __exit phy_module_exit(void)				\
{									\
	kb_phy_drivers_unregister(__phy_drivers, __count);		\
}									\
module_exit(phy_module_exit)
