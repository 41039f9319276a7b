/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ethtool_sprintf() on a kernel before 5.13 (7888fe53b706 "ethtool: Add
 * common function for filling out strings"). The newer kernel's exported
 * function (net/ethtool/ioctl.c) is, in full:
 *
 *	va_start(args, fmt);
 *	vsnprintf(*data, ETH_GSTRING_LEN, fmt, args);
 *	va_end(args);
 *	*data += ETH_GSTRING_LEN;
 *
 * vsnprintf() truncates to ETH_GSTRING_LEN - 1 characters and always writes
 * the NUL; the rest of the slot is left as the caller had it. The shim is
 * that body over the older kernel's own vsnprintf().
 */
#include <linux/ethtool.h>
#include <linux/kernel.h>

static __printf(2, 3) __maybe_unused void kb_ethtool_sprintf(u8 **data, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(*data, ETH_GSTRING_LEN, fmt, args);
	va_end(args);

	*data += ETH_GSTRING_LEN;
}

#define ethtool_sprintf	kb_ethtool_sprintf
