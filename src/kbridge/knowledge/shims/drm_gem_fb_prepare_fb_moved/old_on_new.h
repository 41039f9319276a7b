/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_gem_fb_prepare_fb() and drm_gem_fb_simple_display_pipe_prepare_fb()
 * (5.10's <drm/drm_gem_framebuffer_helper.h>) on a kernel where they moved to
 * <drm/drm_gem_atomic_helper.h> (820c1707177c, 5.13): the plane helper under
 * its new name, and for the simple pipe the call 6.1's
 * drm_gem_simple_display_pipe_prepare_fb() makes (that wrapper itself is gone
 * from 6.12 on). The driver may put either in a const callback table: both are
 * functions of the old types.
 */
#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_simple_kms_helper.h>

static inline int kb_drm_gem_fb_simple_display_pipe_prepare_fb(struct drm_simple_display_pipe *pipe,
								struct drm_plane_state *plane_state)
{
	return drm_gem_plane_helper_prepare_fb(&pipe->plane, plane_state);
}

#define drm_gem_fb_prepare_fb				drm_gem_plane_helper_prepare_fb
#define drm_gem_fb_simple_display_pipe_prepare_fb	kb_drm_gem_fb_simple_display_pipe_prepare_fb
