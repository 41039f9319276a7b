/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strscpy(dst, src) with the size left out (Linux >= 6.8) on a kernel whose
 * strscpy() always takes (dest, src, count). The newer kernel's macro picks
 * its form by the number of extra arguments: none means sizeof(dst), which
 * must be an array (__must_be_array: a build error for a pointer, where
 * sizeof would be the pointer's); one is the size, passed through. Both call
 * this kernel's strscpy() (the expansion does not re-expand the macro's own
 * name), the function the newer kernel renamed sized_strscpy(): same copy,
 * same NUL termination, same -E2BIG on truncation or a zero size.
 */
#include <linux/string.h>
#include <linux/compiler.h>

#define kb_strscpy_nargs_(_0, _1, _2, n, ...)	n
#define kb_strscpy_nargs(...)			kb_strscpy_nargs_(, ##__VA_ARGS__, 2, 1, 0)
#define kb_strscpy_cat_(a, b)			a##b
#define kb_strscpy_cat(a, b)			kb_strscpy_cat_(a, b)
#define kb_strscpy_0(dst, src, ...)		strscpy(dst, src, sizeof(dst) + __must_be_array(dst))
#define kb_strscpy_1(dst, src, size)		strscpy(dst, src, size)

#undef strscpy
#define strscpy(dst, src, ...) \
	kb_strscpy_cat(kb_strscpy_, kb_strscpy_nargs(__VA_ARGS__))(dst, src, ##__VA_ARGS__)
