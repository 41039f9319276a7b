/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct spi_driver.remove returning int on a kernel whose slot returns void:
 * the work is done by this rule's wrapper of <linux/spi/spi.h> (the bus_remove
 * fragment), which finds this file to know the direction; its trampoline gives
 * a non-zero value the dev_warn the last kernel with the int slot printed.
 * Nothing more is needed after the header.
 */
#include <linux/spi/spi.h>
