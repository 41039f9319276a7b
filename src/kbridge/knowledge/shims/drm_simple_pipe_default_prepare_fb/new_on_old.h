/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A simple display pipe without .prepare_fb, of a driver written for 5.15+
 * (40cfc7fce4d0), on a kernel whose simple pipe then prepares nothing (5.10):
 * drm_simple_display_pipe_init() gives the pipe a drmm-managed copy of the
 * driver's funcs whose .prepare_fb does what 5.15+'s drm_simple_kms_plane_prepare_fb
 * does when the driver has none -- WARN_ON_ONCE and 0 without DRIVER_GEM,
 * WARN_ON_ONCE if the driver set a .cleanup_fb, then the GEM helper (this
 * kernel's drm_gem_fb_simple_display_pipe_prepare_fb: an explicit fence in the
 * plane state is kept, else the buffer's implicit fence is attached).
 * Limit: pipe->funcs is the copy.
 */
#include <drm/drm_simple_kms_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_managed.h>
#include <linux/bug.h>

static inline int kb_sp_default_prepare_fb(struct drm_simple_display_pipe *pipe,
					   struct drm_plane_state *state)
{
	if (WARN_ON_ONCE(!drm_core_check_feature(pipe->plane.dev, DRIVER_GEM)))
		return 0;
	WARN_ON_ONCE(pipe->funcs->cleanup_fb);
	return drm_gem_fb_simple_display_pipe_prepare_fb(pipe, state);
}

static inline int kb_drm_simple_display_pipe_init(struct drm_device *dev,
						  struct drm_simple_display_pipe *pipe,
						  const struct drm_simple_display_pipe_funcs *funcs,
						  const uint32_t *formats, unsigned int format_count,
						  const uint64_t *format_modifiers,
						  struct drm_connector *connector)
{
	if (!funcs || !funcs->prepare_fb) {
		struct drm_simple_display_pipe_funcs *copy = drmm_kzalloc(dev, sizeof(*copy), GFP_KERNEL);

		if (!copy)
			return -ENOMEM;
		if (funcs)
			*copy = *funcs;
		copy->prepare_fb = kb_sp_default_prepare_fb;
		funcs = copy;
	}
	return drm_simple_display_pipe_init(dev, pipe, funcs, formats, format_count,
					    format_modifiers, connector);
}

#define drm_simple_display_pipe_init(dev, pipe, funcs, formats, format_count, modifiers, connector) \
	kb_drm_simple_display_pipe_init(dev, pipe, funcs, formats, format_count, modifiers, connector)
