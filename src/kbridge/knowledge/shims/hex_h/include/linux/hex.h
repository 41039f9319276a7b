/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <linux/hex.h> on a kernel that has no such header: there the hex helpers
 * (hex_asc[], hex_asc_upper[], hex_byte_pack(), hex_to_bin(), hex2bin(),
 * bin2hex(), mac_pton()) are declared by <linux/kernel.h>, out of which the
 * newer kernel split them unchanged. On a kernel that has the real header
 * this wrapper forwards to it (and stops if the build-time probe disagrees
 * with the compiler, which means a stale compat/kb_config.h).
 */
#include "kb_config.h"
#ifdef KB_HAVE_HEX_H
#include_next <linux/hex.h>
#else
#if __has_include_next(<linux/hex.h>)
#error "kbridge: this kernel has <linux/hex.h> but compat/kb_config.h says it has not; run make clean"
#endif
#include <linux/kernel.h>
#endif
