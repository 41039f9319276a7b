/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct i2c_driver.probe(client, id) (Linux < 6.3) on a kernel whose slot is
 * probe(client): the work is done by this rule's wrapper of <linux/i2c.h> (the
 * bus_remove fragment), which finds this file to know the direction; its
 * trampoline passes i2c_match_id(driver->id_table, client), as the older core
 * did. Nothing more is needed after the header.
 */
#include <linux/i2c.h>
