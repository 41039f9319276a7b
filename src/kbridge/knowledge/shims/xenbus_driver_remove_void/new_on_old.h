/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenbus_driver.remove returning void on a kernel whose slot returns int: the
 * work is done by this rule's wrapper of <xen/xenbus.h> (include/xen/xenbus.h:
 * the retyped slot, the registration wrappers and the trampoline of the
 * bus_remove fragment), which acts around the kernel's header and finds this file to
 * know the direction. Nothing more is needed after the header.
 */
#include <xen/xenbus.h>
