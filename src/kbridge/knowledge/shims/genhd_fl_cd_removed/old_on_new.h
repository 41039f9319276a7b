/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GENHD_FL_CD on a kernel whose gendisk flags no longer have it.
 *
 * 5.10's block core never read GENHD_FL_CD: only the driver that set it read
 * it back (xen-blkfront answers CDROM_GET_CAPABILITY and CDROMMULTISESSION
 * from it), and /sys/block/<disk>/capability printed the flags as they were.
 * Its old value, 0x0008, is a bit none of this kernel's flags uses
 * (GENHD_FL_REMOVABLE, GENHD_FL_HIDDEN, GENHD_FL_NO_PART: 1 << 0..2), checked
 * below: the driver reads back what it set, the capability attribute shows
 * the bit as the old kernel did, and nothing in this kernel acts on it.
 */
#include <linux/blkdev.h>
#include <linux/build_bug.h>

#define GENHD_FL_CD	0x0008

static_assert(!(GENHD_FL_CD & (GENHD_FL_REMOVABLE | GENHD_FL_HIDDEN | GENHD_FL_NO_PART)),
	      "kbridge: GENHD_FL_CD's old bit is one of this kernel's gendisk flags");
