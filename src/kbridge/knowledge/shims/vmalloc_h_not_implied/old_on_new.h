/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmap()/vunmap()/VM_MAP for a driver that relied on older kernels' DRM and
 * dma-buf headers including <linux/vmalloc.h>. The functions are the same;
 * only the include moved out of those headers, so the shim includes it.
 */
#include <linux/vmalloc.h>
