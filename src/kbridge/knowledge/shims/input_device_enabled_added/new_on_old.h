/* SPDX-License-Identifier: GPL-2.0 */
/*
 * input_device_enabled() (5.11, 39be39ceffd5) on a kernel without input
 * inhibiting: the newer function is !dev->inhibited && dev->users > 0 under
 * dev->mutex; here nothing can inhibit a device, so it is dev->users > 0, with
 * the same lockdep assertion on the mutex that guards the count.
 */
#include <linux/input.h>
#include <linux/lockdep.h>

static inline bool input_device_enabled(struct input_dev *dev)
{
	lockdep_assert_held(&dev->mutex);
	return dev->users > 0;
}
