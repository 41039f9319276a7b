/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_get_format_info(dev, mode_cmd) (before 6.17) on a kernel whose
 * drm_get_format_info() takes the pixel format and the modifier
 * (0e7d5874fb6b): the call becomes (dev, mode_cmd->pixel_format,
 * mode_cmd->modifier[0]), the conversion the upstream series applied to every
 * caller. A three-argument call is the kernel's function: the macro picks by
 * argument count.
 */
#include <drm/drm_fourcc.h>
#include <drm/drm_mode.h>

static inline const struct drm_format_info *
kb_drm_get_format_info_cmd(struct drm_device *dev, const struct drm_mode_fb_cmd2 *mode_cmd)
{
	return drm_get_format_info(dev, mode_cmd->pixel_format, mode_cmd->modifier[0]);
}

#define KB_GFI_PICK(_1, _2, _3, name, ...)	name
#define drm_get_format_info(...) \
	KB_GFI_PICK(__VA_ARGS__, (drm_get_format_info), kb_drm_get_format_info_cmd, )(__VA_ARGS__)
