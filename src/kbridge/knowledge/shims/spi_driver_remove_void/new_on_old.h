/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct spi_driver.remove returning void on a kernel whose slot returns int:
 * the work is done by this rule's wrapper of <linux/spi/spi.h> (the retyped slot, the
 * registration wrappers and the trampoline of the bus_remove fragment), which
 * acts around the kernel's header and finds this file to know the direction.
 * The trampoline returns 0, which the older core took silently. Nothing more
 * is needed after the header.
 */
#include <linux/spi/spi.h>
