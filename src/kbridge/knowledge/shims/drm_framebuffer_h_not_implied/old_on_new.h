/* SPDX-License-Identifier: GPL-2.0 */
/* <drm/drm_crtc.h> of the older kernel included <drm/drm_framebuffer.h> (dropped by 720cf96d8fec, 6.0). */
#include <drm/drm_framebuffer.h>
