/* SPDX-License-Identifier: GPL-2.0 */
/*
 * enum req_opf (Linux < 6.0) on a kernel that renamed the tag enum req_op
 * (the same enumerators): the identifier req_opf becomes req_op, so
 * "enum req_opf" is "enum req_op". The newer kernel has no other req_opf.
 */
#include <linux/blk_types.h>

#define req_opf		req_op
