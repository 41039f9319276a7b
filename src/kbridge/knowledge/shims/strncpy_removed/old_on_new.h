/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strncpy() on a kernel that removed it (7.2). Its semantics, the C
 * library's that lib/string.c implemented: copy src up to its terminating
 * NUL but at most count bytes, fill the remainder of the count bytes with
 * NULs, and return dest. When src is count bytes or longer, dest is NOT
 * NUL-terminated. Built from strnlen(), memcpy() and memset() (no strncpy
 * symbol is needed from the kernel).
 */
#include <linux/string.h>

static inline char *kb_strncpy(char *dest, const char *src, size_t count)
{
	size_t len = strnlen(src, count);

	memcpy(dest, src, len);
	memset(dest + len, 0, count - len);
	return dest;
}

#define strncpy(dest, src, count)	kb_strncpy(dest, src, count)
