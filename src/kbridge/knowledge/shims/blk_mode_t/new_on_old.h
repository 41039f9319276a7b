/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_mode_t and BLK_OPEN_* on a kernel whose block_device_operations take
 * an fmode_t. The newer type is the same kind of value (an unsigned int
 * __bitwise set of open flags) and the flags a block driver is handed have
 * the same meaning: read, write, exclusive, no-delay. So blk_mode_t names
 * fmode_t here and each BLK_OPEN_* flag names the FMODE_* flag with that
 * meaning, which is what this kernel actually passes to ->open/->ioctl.
 */
#include <linux/blkdev.h>
#include <linux/fs.h>

typedef fmode_t blk_mode_t;
#define BLK_OPEN_READ		FMODE_READ
#define BLK_OPEN_WRITE		FMODE_WRITE
#define BLK_OPEN_EXCL		FMODE_EXCL
#define BLK_OPEN_NDELAY		FMODE_NDELAY
#define BLK_OPEN_WRITE_IOCTL	FMODE_WRITE_IOCTL
