/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FBINFO_FLAG_DEFAULT on a kernel that removed it. Its value was 0 on every kernel that had
 * it (fb_info.flags with no flag set: the framebuffer core's defaults), and
 * upstream removed it because OR-ing 0 into fb_info.flags does nothing
 * (Linux 6.6). Defining it as 0 gives the driver's flags the same value.
 */
#include <linux/fb.h>

#ifndef FBINFO_FLAG_DEFAULT
#define FBINFO_FLAG_DEFAULT	0
#endif
