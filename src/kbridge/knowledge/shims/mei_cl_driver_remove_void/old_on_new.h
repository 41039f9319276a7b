/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct mei_cl_driver.remove returning int (Linux < 5.12) on a kernel whose slot
 * returns void: the work is done by this rule's wrapper of <linux/mei_cl_bus.h> (the
 * bus_remove fragment), which finds this file to know the direction; its
 * trampoline drops the value, as the older core did (no warning). Nothing
 * more is needed after the header.
 */
#include <linux/mei_cl_bus.h>
