/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_opf_t (Linux 6.0 on: a request's REQ_OP_* operation and REQ_* flags) on
 * a kernel that keeps the same bits in an unsigned int (bio->bi_opf,
 * request->cmd_flags). The newer type is __u32 __bitwise, which only sparse
 * tells apart from the integer; the values are this kernel's own REQ_OP_* and
 * REQ_* (the operation in the low REQ_OP_BITS bits, the flags above).
 */
#include <linux/blk_types.h>

typedef unsigned int blk_opf_t;
