/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct i2c_driver.probe_new (Linux 4.10..6.5) on a kernel without it (>= 6.6),
 * whose .probe is the one-argument callback: 4.10..6.2's i2c_device_probe()
 * called probe_new(client) in place of probe, 6.3..6.5 made the two one slot
 * (a union: "the same semantic as .probe()"), so a driver that sets
 * .probe_new means exactly the one-argument .probe. The name is spelled
 * .probe here, for the driver's initializer and any ->probe_new it reads or
 * writes.
 */
#include <linux/i2c.h>
#define probe_new probe
