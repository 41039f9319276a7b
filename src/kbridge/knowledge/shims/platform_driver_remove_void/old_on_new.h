/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct platform_driver.remove returning int (a driver of Linux < 6.11) on a
 * kernel whose slot returns void: the work is done by this rule's wrapper of
 * <linux/platform_device.h> (the bus_remove fragment), which finds this file to
 * know the direction; its trampoline gives a non-zero value the dev_warn of
 * platform_remove() in 5.12..6.10. Nothing more is needed after the header.
 */
#include <linux/platform_device.h>
