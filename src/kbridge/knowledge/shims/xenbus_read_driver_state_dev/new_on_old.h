/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenbus_read_driver_state(dev, path) (the newer kernels' form, with the
 * device) on a kernel whose function takes the path only. The newer function
 * answers XenbusStateUnknown for a device its bus marked vanished (a back-end
 * that disappeared without closing and came back) and otherwise reads the
 * path's state node. This kernel has no vanished flag and never removes a
 * device that way, so the answer is always the state node's: the kernel's
 * own function, the device argument evaluated once and unused.
 */
#include <xen/xenbus.h>

static inline enum xenbus_state kb_xenbus_read_driver_state(const struct xenbus_device *dev,
							    const char *path)
{
	(void)dev;
	return xenbus_read_driver_state(path);
}
#define xenbus_read_driver_state(dev, path)	kb_xenbus_read_driver_state(dev, path)
