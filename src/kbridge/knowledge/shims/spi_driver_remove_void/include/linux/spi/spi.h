/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct spi_driver.remove with the other kernel's return type, through the
 * bus_remove fragment (knowledge/fragments/bus_remove.h: how and why):
 *   new_on_old  the driver's remove returns void (>= 5.18), this kernel's int
 *   old_on_new  the driver's remove returns int, this kernel's void; a
 *               non-zero value gets the dev_warn of spi_remove() in 5.11..5.17
 * Entry points wrapped: __spi_register_driver (spi_register_driver,
 * module_spi_driver) and spi_unregister_driver.
 *
 * The int-slot kernels' header also names a parameter `remove`
 * (spi_replace_transfers(..., size_t remove, ...)): that declaration is
 * hidden while the macro is defined (a function-like macro drops its
 * arguments unexpanded) and declared again after it, as those kernels have it.
 */
#include "kb_config.h"
#if !defined(KB_BR_SPI) && \
	!defined(KB_HAVE_SPI_DRIVER_REMOVE_VOID) && defined(KB_OLD_SPI_DRIVER_REMOVE_VOID) && \
	__has_include("rules/spi_driver_remove_void/new_on_old.h")
#define KB_BR_SPI
#define KB_BR_SPI_DT	void		/* the kernel's slot returns int */
#define KB_BR_SPI_HIDE_REPLACE
#elif !defined(KB_BR_SPI) && \
	defined(KB_HAVE_SPI_DRIVER_REMOVE_VOID) && !defined(KB_OLD_SPI_DRIVER_REMOVE_VOID) && \
	__has_include("rules/spi_driver_remove_void/old_on_new.h")
#define KB_BR_SPI
#define KB_BR_SPI_DT	int		/* the kernel's slot returns void */
#define KB_BR_KERNEL_VOID
#endif

#if defined(KB_BR_SPI) && !defined(KB_BR_SPI_DONE)
#define KB_BR_SPI_DONE
/* what the kernel's header includes (any of 5.10..7.3), first: the macro below must meet only its text */
#include <linux/acpi.h>
#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/gpio/consumer.h>
#include <linux/kthread.h>
#include <linux/mod_devicetable.h>
#if __has_include(<linux/device-id/spi.h>)
#include <linux/device-id/acpi.h>
#include <linux/device-id/of.h>
#include <linux/device-id/spi.h>
#endif
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/u64_stats_sync.h>
#if __has_include(<uapi/linux/spi/spi.h>)
#include <uapi/linux/spi/spi.h>
#endif
#if __has_include(<linux/ptp_clock_kernel.h>)
#include <linux/ptp_clock_kernel.h>
#endif
#ifdef remove
#error "kbridge: remove is already a macro; spi_driver_remove_void cannot retype struct spi_driver.remove"
#endif
#define remove	kb_kernel_remove[0])(struct spi_device *); KB_BR_SPI_DT (*remove
#ifdef KB_BR_SPI_HIDE_REPLACE
#define spi_replace_transfers(...)	kb_spi_replace_transfers_hidden(void)
#endif
#include_next <linux/spi/spi.h>
#undef remove
#ifdef KB_BR_SPI_HIDE_REPLACE
#undef spi_replace_transfers
extern struct spi_replaced_transfers *spi_replace_transfers(
	struct spi_message *msg,
	struct spi_transfer *xfer_first,
	size_t kb_remove,
	size_t insert,
	spi_replaced_release_t release,
	size_t extradatasize,
	gfp_t gfp);
#endif

#define KB_BR_S		spi_driver
#define KB_BR_D		spi_device
#define KB_BR_P		spi
#define KB_BR_WARN(dev, ret) \
	dev_warn(&(dev)->dev, "Failed to unbind driver (%pe), ignoring\n", ERR_PTR(ret))
#include "kb_fragments/bus_remove.h"
#undef KB_BR_S
#undef KB_BR_D
#undef KB_BR_P
#undef KB_BR_WARN
#undef KB_BR_KERNEL_VOID

#define __spi_register_driver(owner, drv) \
	KB_BR_REGISTER(spi, spi_driver, drv, (__spi_register_driver)(owner, __kb_d))
#define spi_unregister_driver(drv) \
	KB_BR_UNREGISTER(spi, spi_driver, drv, (spi_unregister_driver)(__kb_d))
#else
#include_next <linux/spi/spi.h>
#endif
