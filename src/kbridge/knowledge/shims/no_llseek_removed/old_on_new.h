/* SPDX-License-Identifier: GPL-2.0 */
/*
 * no_llseek on a kernel that removed the name (6.12). From 6.0 to 6.11 it
 * was "#define no_llseek NULL": a file whose ->llseek is NULL gets no
 * FMODE_LSEEK at open (do_dentry_open()), so lseek(2) and vfs_llseek() fail
 * with -ESPIPE -- what the older no_llseek() function returned.
 */
#include <linux/fs.h>

#define no_llseek	NULL
