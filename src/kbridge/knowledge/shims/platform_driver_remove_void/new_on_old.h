/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct platform_driver.remove returning void (a driver of Linux >= 6.11) on a
 * kernel whose slot returns int: the work is done by this rule's wrapper of
 * <linux/platform_device.h> (the retyped slot, the registration wrappers and
 * the trampoline of the bus_remove fragment), which acts around the kernel's
 * header and finds this file to know the direction. The trampoline returns 0,
 * which every old core took silently. Nothing more is needed after the header.
 */
#include <linux/platform_device.h>
