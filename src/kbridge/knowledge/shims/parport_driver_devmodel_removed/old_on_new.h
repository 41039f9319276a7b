/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parport_driver.devmodel on a kernel that removed it (6.11): the member is
 * appended to the driver's view of struct parport_driver by this rule's
 * wrapper of <linux/parport.h> (include/linux/parport.h), read before this
 * file; nothing reads it, as nothing did on the kernels the driver was
 * written for. This file marks the direction on for the wrapper.
 */
#include <linux/parport.h>
