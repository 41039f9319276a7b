/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb_maxpacket(udev, pipe) on a kernel whose usb_maxpacket() still has its
 * third argument: Debian's 5.10 (the 5.19 deprecation backported) ignores it,
 * an older 5.10 chooses the endpoint array by it. Passing the pipe's own
 * direction serves both: the endpoint the pipe names, as the newer function
 * reads it, and no direction warning.
 */
#include <linux/usb.h>

#define usb_maxpacket(udev, pipe, ...) usb_maxpacket(udev, pipe, usb_pipeout(pipe))
