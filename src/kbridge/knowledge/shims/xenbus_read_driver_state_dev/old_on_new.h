/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenbus_read_driver_state(path) (the older form) on a kernel whose function
 * also takes the xenbus_device. With dev NULL the newer function skips its
 * vanished-device test and reads the path's state node, XenbusStateUnknown
 * when it cannot: exactly the older function.
 */
#include <xen/xenbus.h>

static inline enum xenbus_state kb_xenbus_read_driver_state(const char *path)
{
	return xenbus_read_driver_state(NULL, path);
}
#define xenbus_read_driver_state(path)	kb_xenbus_read_driver_state(path)
