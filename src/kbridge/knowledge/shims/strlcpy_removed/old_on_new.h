/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strlcpy() on a kernel that removed it (6.8). Its semantics, as
 * lib/string.c defined it until then: return strlen(src) -- the length of
 * the string it tried to create, so "ret >= size" means truncated -- and,
 * when size is not 0, copy min(strlen(src), size - 1) bytes and write the
 * terminating NUL; size 0 leaves dest untouched. No padding. strscpy() is
 * not the same call: it returns -E2BIG on truncation.
 */
#include <linux/string.h>

static inline size_t kb_strlcpy(char *dest, const char *src, size_t size)
{
	size_t ret = strlen(src);

	if (size) {
		size_t len = (ret >= size) ? size - 1 : ret;

		memcpy(dest, src, len);
		dest[len] = '\0';
	}
	return ret;
}

#define strlcpy(dest, src, size)	kb_strlcpy(dest, src, size)
