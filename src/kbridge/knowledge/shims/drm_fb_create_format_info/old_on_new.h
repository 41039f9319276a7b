/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct drm_mode_config_funcs.fb_create without the format info (a driver of
 * an older kernel) on a kernel that passes it: the work is done by this rule's
 * wrappers of <drm/drm_mode_config.h>, <drm/drm_drv.h> and
 * <drm/drm_gem_framebuffer_helper.h>, which find this file to know the
 * direction. Nothing more is needed after the header.
 */
#include <drm/drm_mode_config.h>
