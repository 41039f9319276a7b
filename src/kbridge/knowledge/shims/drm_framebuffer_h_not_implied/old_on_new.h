/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <drm/drm_crtc.h> of the older kernel included <drm/drm_framebuffer.h>
 * (dropped by 720cf96d8fec, 6.0), so a driver written for it reached struct
 * drm_framebuffer and its helpers through drm_crtc.h: the include it made for
 * its users, the same declarations on both kernels.
 */
#include <drm/drm_framebuffer.h>
