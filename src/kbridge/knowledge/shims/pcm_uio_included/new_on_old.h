/* SPDX-License-Identifier: GPL-2.0 */
/*
 * copy_from_iter()/copy_to_iter() for PCM drivers on a kernel whose
 * <sound/pcm.h> does not include <linux/uio.h>. The newer <sound/pcm.h>
 * includes it for the iov_iter based .copy callback; the functions and their
 * behaviour are the same on both kernels, only the include is missing, so
 * the shim adds that include.
 */
#include <sound/pcm.h>
#include <linux/uio.h>
