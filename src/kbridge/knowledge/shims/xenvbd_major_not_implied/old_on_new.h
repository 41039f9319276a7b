/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XENVBD_MAJOR (and the other block device majors) for a driver that relied
 * on the older kernels' <linux/blkdev.h> including <linux/major.h>. The
 * constants are the same uapi values; only the include is gone.
 */
#include <linux/major.h>
