/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct phy_driver of a driver written for .ack_interrupt / .did_interrupt
 * (Linux <= 5.10) on a kernel without them (5.11+, commit 6527b938426f).
 *
 * The driver's view of struct phy_driver gets three members appended after the
 * kernel's last one, every kernel member keeping its offset:
 *
 *	int (*ack_interrupt)(struct phy_device *);	the driver's, by its own designator
 *	int (*did_interrupt)(struct phy_device *);	the driver's, by its own designator
 *	int (*kb_drv_config_intr)(struct phy_device *);	its config_intr, saved at registration
 *	<pad of the last member's type>
 *
 * The kernel's last member's name is a macro while the kernel's header is read: it
 * declares that member again (same name, same type, same place), then the appended
 * members, and opens a pad member that the rest of the kernel's own declaration
 * completes. The member differs by kernel (attach_mdi_port 7.2/7.3, led_polarity_set
 * 6.12, get_sqi_max 6.1: build-time anchors, checked in that order, each occurring
 * once in the text the kernel's <linux/phy.h> reads); static_asserts pin it after
 * the member before it, and the ABI check compares every kernel member's offset.
 *
 * The kernel registers drivers through phy_drivers_register(array, n), which walks the
 * array at the kernel's sizeof: the shim's registration wrappers (old_on_new.h) hand it
 * one element at a time, so the driver's larger stride never reaches the kernel, and
 * the kernel only ever reads each element through its own pointer (phydev->drv,
 * to_phy_driver()), never copying or sizing it.
 */
#include "kb_config.h"
#if defined(KB_HAVE_PHY_DRIVER_ACK_INTERRUPT_REMOVED) && !defined(KB_PHY_DRIVER_ACK_WRAP) && \
	__has_include("rules/phy_driver_ack_interrupt_removed/old_on_new.h")
#define KB_PHY_DRIVER_ACK_WRAP
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
struct phy_device;
struct phy_port;
#if defined(attach_mdi_port) || defined(led_polarity_set) || defined(get_sqi_max) || \
	defined(ack_interrupt) || defined(did_interrupt)
#error "kbridge: a struct phy_driver member name is already a macro; phy_driver_ack_interrupt_removed cannot append to the driver's struct phy_driver"
#endif
#define KB_PHY_DRIVER_TAIL						\
	int (*ack_interrupt)(struct phy_device *phydev);		\
	int (*did_interrupt)(struct phy_device *phydev);		\
	int (*kb_drv_config_intr)(struct phy_device *phydev);
#if defined(KB_ANCHOR_PHY_DRIVER_ATTACH_MDI_PORT)
#define attach_mdi_port	attach_mdi_port)(struct phy_device *, struct phy_port *);	\
	KB_PHY_DRIVER_TAIL int (*kb_phy_driver_tail_pad
#define KB_PHY_DRIVER_LAST		attach_mdi_port
#define KB_PHY_DRIVER_BEFORE_LAST	attach_mii_port
#elif defined(KB_ANCHOR_PHY_DRIVER_LED_POLARITY_SET)
#define led_polarity_set	led_polarity_set)(struct phy_device *, int, unsigned long);	\
	KB_PHY_DRIVER_TAIL int (*kb_phy_driver_tail_pad
#define KB_PHY_DRIVER_LAST		led_polarity_set
#define KB_PHY_DRIVER_BEFORE_LAST	led_hw_control_get
#elif defined(KB_ANCHOR_PHY_DRIVER_GET_SQI_MAX)
#define get_sqi_max	get_sqi_max)(struct phy_device *);				\
	KB_PHY_DRIVER_TAIL int (*kb_phy_driver_tail_pad
#define KB_PHY_DRIVER_LAST		get_sqi_max
#define KB_PHY_DRIVER_BEFORE_LAST	get_sqi
#else
#error "kbridge: this kernel's struct phy_driver has none of attach_mdi_port, led_polarity_set, get_sqi_max (the build-time anchors); the phy_driver_ack_interrupt_removed wrapper knows no variant for it"
#endif
#include_next <linux/phy.h>
#undef attach_mdi_port
#undef led_polarity_set
#undef get_sqi_max
#ifdef CONFIG_RANDSTRUCT
#error "kbridge: phy_driver_ack_interrupt_removed cannot append to struct phy_driver on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(offsetof(struct phy_driver, KB_PHY_DRIVER_LAST) ==
	      offsetof(struct phy_driver, KB_PHY_DRIVER_BEFORE_LAST) + sizeof(void (*)(void)) &&
	      offsetof(struct phy_driver, ack_interrupt) ==
	      offsetof(struct phy_driver, KB_PHY_DRIVER_LAST) + sizeof(void (*)(void)) &&
	      offsetof(struct phy_driver, kb_phy_driver_tail_pad) ==
	      offsetof(struct phy_driver, kb_drv_config_intr) + sizeof(void (*)(void)) &&
	      sizeof(struct phy_driver) ==
	      offsetof(struct phy_driver, kb_phy_driver_tail_pad) + sizeof(void (*)(void)),
	      "kbridge: the anchor is not where this kernel's struct phy_driver ends; "
	      "the phy_driver_ack_interrupt_removed wrapper does not fit it");
#else
#include_next <linux/phy.h>
#endif
