/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmap()/vunmap()/VM_MAP for a driver that relied on older kernels' DRM and
 * dma-buf headers including <linux/vmalloc.h> (through <linux/io.h> ->
 * <asm-generic/io.h>, whose include 690da22dbfa8 dropped in 6.10). The
 * functions are the same; only the include is gone, so the shim includes it.
 */
#include <linux/vmalloc.h>
