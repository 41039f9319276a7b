/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct i2c_driver.probe(client) (Linux >= 6.3) on a kernel whose slot is
 * probe(client, id): the work is done by this rule's wrapper of <linux/i2c.h>
 * (the retyped slot, the registration wrappers and the trampoline, through the
 * bus_remove fragment), which acts around the kernel's header and finds this
 * file to know the direction. Nothing more is needed after the header.
 */
#include <linux/i2c.h>
