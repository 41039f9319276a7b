/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule drm_gem_vmap_iosys_map: <linux/dma-buf.h> of 5.18+ includes
 * <linux/iosys-map.h> (5.11..5.17: <linux/dma-buf-map.h>), so its users have
 * struct iosys_map and its helpers; on a kernel with neither, this rule's
 * <linux/iosys-map.h> gives them.
 */
#include_next <linux/dma-buf.h>
#include "kb_config.h"
#if !defined(KB_HAVE_DRM_GEM_VMAP_IOSYS_MAP) && \
	__has_include("rules/drm_gem_vmap_iosys_map/new_on_old.h")
#include <linux/iosys-map.h>
#endif
