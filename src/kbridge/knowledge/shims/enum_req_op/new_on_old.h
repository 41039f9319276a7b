/* SPDX-License-Identifier: GPL-2.0 */
/*
 * enum req_op (Linux >= 6.0) on a kernel whose request operations are an
 * enum req_opf with the same enumerators. A tag cannot be aliased, so the
 * identifier req_op becomes req_opf: "enum req_op" is "enum req_opf", and
 * req_op(rq) -- this kernel's macro, whose name this takes over -- reaches a
 * function-like req_opf(rq) with the same body. "enum req_opf" in this
 * kernel's own headers is not a call (no '(' follows) and stays the tag.
 */
#include <linux/blk_types.h>

#if !defined(req_op)
#error "kbridge: this kernel's req_op() is not the macro of <linux/blk_types.h>; enum_req_op does not fit it"
#endif
#undef req_op
#define req_opf(req)	((req)->cmd_flags & REQ_OP_MASK)
#define req_op		req_opf
