/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct hv_driver.remove returning void (Linux >= 6.3) on a kernel whose slot
 * returns int: the work is done by this rule's wrapper of <linux/hyperv.h> (the
 * retyped slot, the registration wrappers and the trampoline of the
 * bus_remove fragment), which acts around the kernel's header and finds this
 * file to know the direction. The trampoline returns 0, a value the older
 * core dropped. Nothing more is needed after the header.
 */
#include <linux/hyperv.h>
