/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct mei_cl_driver.remove returning void (Linux >= 5.12) on a kernel whose slot
 * returns int: the work is done by this rule's wrapper of <linux/mei_cl_bus.h> (the
 * retyped slot, the registration wrappers and the trampoline of the
 * bus_remove fragment), which acts around the kernel's header and finds this
 * file to know the direction. The trampoline returns 0, a value the older
 * core dropped. Nothing more is needed after the header.
 */
#include <linux/mei_cl_bus.h>
