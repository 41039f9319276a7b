/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct drm_mode_config_funcs.fb_create taking the format info (a driver of
 * Linux >= 7.x) on a kernel that calls it without: the work is done by this
 * rule's wrappers of <drm/drm_mode_config.h> (the retyped slot), <drm/drm_drv.h>
 * (the trampoline, installed at drm_dev_register()) and
 * <drm/drm_gem_framebuffer_helper.h> (the helpers' arguments), which find this
 * file to know the direction. Nothing more is needed after the header.
 */
#include <drm/drm_mode_config.h>
