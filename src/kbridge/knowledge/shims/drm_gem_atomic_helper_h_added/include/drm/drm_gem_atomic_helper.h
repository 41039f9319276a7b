/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule drm_gem_atomic_helper_h_added: <drm/drm_gem_atomic_helper.h>
 * (820c1707177c, 5.13) on a kernel without it. Its plane helpers moved there
 * from <drm/drm_gem_framebuffer_helper.h> under new names; here they are the
 * older kernel's exported functions of the same contract:
 *   drm_gem_plane_helper_prepare_fb()         = drm_gem_fb_prepare_fb()
 *   drm_gem_simple_display_pipe_prepare_fb()  = drm_gem_fb_simple_display_pipe_prepare_fb()
 * (no framebuffer: nothing; an explicit fence in the plane state is kept;
 * else the buffer's implicit fence is attached for the commit to wait on; the
 * older helper looks at the framebuffer's first GEM object only). The
 * shadow-plane helpers (5.12+) have no counterpart and are not declared.
 * Static inline functions: a driver may put them in its const callback tables.
 */
#if __has_include_next(<drm/drm_gem_atomic_helper.h>)
#include_next <drm/drm_gem_atomic_helper.h>
#elif !defined(KB_DRM_GEM_ATOMIC_HELPER_H)
#define KB_DRM_GEM_ATOMIC_HELPER_H
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_simple_kms_helper.h>

struct drm_plane;
struct drm_plane_state;
struct drm_simple_display_pipe;

static inline int drm_gem_plane_helper_prepare_fb(struct drm_plane *plane, struct drm_plane_state *state)
{
	return drm_gem_fb_prepare_fb(plane, state);
}

static inline int drm_gem_simple_display_pipe_prepare_fb(struct drm_simple_display_pipe *pipe,
							 struct drm_plane_state *plane_state)
{
	return drm_gem_fb_simple_display_pipe_prepare_fb(pipe, plane_state);
}
#endif
