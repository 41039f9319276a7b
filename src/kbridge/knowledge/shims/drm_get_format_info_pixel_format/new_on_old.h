/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_get_format_info(dev, pixel_format, modifier) (6.17+, 0e7d5874fb6b) on a
 * kernel whose drm_get_format_info() takes the struct drm_mode_fb_cmd2: the
 * older lookup reads only mode_cmd->pixel_format and ->modifier[0], so the
 * request is that format and that modifier. A two-argument call (the kernel's
 * own form, e.g. from another rule's shim) is the kernel's function: the macro
 * picks by argument count.
 */
#include <drm/drm_fourcc.h>
#include <drm/drm_mode.h>

static inline const struct drm_format_info *
kb_drm_get_format_info_pm(struct drm_device *dev, u32 pixel_format, u64 modifier)
{
	const struct drm_mode_fb_cmd2 mode_cmd = { .pixel_format = pixel_format, .modifier = { modifier } };

	return drm_get_format_info(dev, &mode_cmd);
}

#define KB_GFI_PICK(_1, _2, _3, name, ...)	name
#define drm_get_format_info(...) \
	KB_GFI_PICK(__VA_ARGS__, kb_drm_get_format_info_pm, (drm_get_format_info), )(__VA_ARGS__)
