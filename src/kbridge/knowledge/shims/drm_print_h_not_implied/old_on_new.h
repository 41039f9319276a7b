/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DRM_ERROR(), DRM_INFO(), DRM_DEBUG(), drm_err() ... for a driver that
 * relied on older kernels' <drm/drm_mm.h> including <drm/drm_print.h> (every
 * user of <drm/drm_gem.h> reached it through <drm/drm_vma_manager.h>). The
 * macros are the same; only the include is gone, so the shim includes it.
 */
#include <drm/drm_print.h>
