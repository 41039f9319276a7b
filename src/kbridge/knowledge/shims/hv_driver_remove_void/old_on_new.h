/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct hv_driver.remove returning int (Linux < 6.3) on a kernel whose slot
 * returns void: the work is done by this rule's wrapper of <linux/hyperv.h> (the
 * bus_remove fragment), which finds this file to know the direction; its
 * trampoline drops the value, as the older core did (no warning). Nothing
 * more is needed after the header.
 */
#include <linux/hyperv.h>
