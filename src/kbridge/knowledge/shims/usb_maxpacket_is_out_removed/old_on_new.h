/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb_maxpacket(udev, pipe, is_out) on a kernel whose usb_maxpacket() takes
 * (udev, pipe) only: the older inline (with the 5.19 deprecation) ignored its
 * third argument and took the direction from the pipe, as this one does, so
 * the extra argument is dropped and this kernel's function called.
 */
#include <linux/usb.h>

#define usb_maxpacket(udev, pipe, ...) usb_maxpacket(udev, pipe)
