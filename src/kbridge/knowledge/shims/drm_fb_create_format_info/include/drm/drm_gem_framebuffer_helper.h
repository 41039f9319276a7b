/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule drm_fb_create_format_info: the GEM framebuffer helpers whose
 * arguments changed with .fb_create (7.x: the format info after the file),
 * called with the driver's arguments on this kernel.
 *
 * A 7.x driver on an older kernel: the older helpers look the format up
 * themselves, from the same mode_cmd, with the same drm_get_format_info(); the
 * info the driver passes is evaluated and dropped (it is the core's, given to
 * the driver's fb_create: the trampoline of <drm/drm_drv.h> looked it up the
 * same way). The names a driver may put in its .fb_create slot
 * (drm_gem_fb_create, drm_gem_fb_create_with_dirty) become functions of the
 * driver's type.
 * An older driver on 7.x: the info is looked up as 7.x's core does
 * (drm_get_format_info(dev, pixel_format, modifier[0])); where there is none,
 * the call fails as the older helper did (-EINVAL, and the same debug line in
 * drm_gem_fb_init_with_funcs()).
 */
#include_next <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_mode_config.h>	/* the direction (this rule's wrapper of it) */
#if (defined(KB_FBC_INFO_DRIVER) || defined(KB_FBC_NOINFO_DRIVER)) && !defined(KB_FBC_HELPERS)
#define KB_FBC_HELPERS
#include <linux/err.h>
#include <drm/drm_device.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_print.h>

#ifdef KB_FBC_INFO_DRIVER
static inline struct drm_framebuffer *kb_fbc_gem_fb_create(struct drm_device *dev, struct drm_file *file,
							    const struct drm_format_info *info,
							    const struct drm_mode_fb_cmd2 *mode_cmd)
{
	return drm_gem_fb_create(dev, file, mode_cmd);
}

static inline struct drm_framebuffer *kb_fbc_gem_fb_create_with_dirty(struct drm_device *dev,
								       struct drm_file *file,
								       const struct drm_format_info *info,
								       const struct drm_mode_fb_cmd2 *mode_cmd)
{
	return drm_gem_fb_create_with_dirty(dev, file, mode_cmd);
}
#define drm_gem_fb_create		kb_fbc_gem_fb_create
#define drm_gem_fb_create_with_dirty	kb_fbc_gem_fb_create_with_dirty
#define drm_gem_fb_create_with_funcs(dev, file, info, mode_cmd, funcs) \
	({ (void)(info); (drm_gem_fb_create_with_funcs)((dev), (file), (mode_cmd), (funcs)); })
#define drm_gem_fb_init_with_funcs(dev, fb, file, info, mode_cmd, funcs) \
	({ (void)(info); (drm_gem_fb_init_with_funcs)((dev), (fb), (file), (mode_cmd), (funcs)); })
#define drm_gem_fb_afbc_init(dev, info, mode_cmd, afbc_fb) \
	({ (void)(info); (drm_gem_fb_afbc_init)((dev), (mode_cmd), (afbc_fb)); })
#else
static inline const struct drm_format_info *kb_fbc_info(struct drm_device *dev,
							const struct drm_mode_fb_cmd2 *mode_cmd)
{
	const struct drm_format_info *info = drm_get_format_info(dev, mode_cmd->pixel_format,
								 mode_cmd->modifier[0]);

	if (!info)
		drm_dbg_kms(dev, "Failed to get FB format info\n");
	return info;
}

static inline struct drm_framebuffer *kb_fbc_gem_fb_create(struct drm_device *dev, struct drm_file *file,
							    const struct drm_mode_fb_cmd2 *mode_cmd)
{
	const struct drm_format_info *info = kb_fbc_info(dev, mode_cmd);

	return info ? drm_gem_fb_create(dev, file, info, mode_cmd) : ERR_PTR(-EINVAL);
}

static inline struct drm_framebuffer *kb_fbc_gem_fb_create_with_dirty(struct drm_device *dev,
								       struct drm_file *file,
								       const struct drm_mode_fb_cmd2 *mode_cmd)
{
	const struct drm_format_info *info = kb_fbc_info(dev, mode_cmd);

	return info ? drm_gem_fb_create_with_dirty(dev, file, info, mode_cmd) : ERR_PTR(-EINVAL);
}

static inline struct drm_framebuffer *
kb_fbc_gem_fb_create_with_funcs(struct drm_device *dev, struct drm_file *file,
				const struct drm_mode_fb_cmd2 *mode_cmd,
				const struct drm_framebuffer_funcs *funcs)
{
	const struct drm_format_info *info = kb_fbc_info(dev, mode_cmd);

	return info ? drm_gem_fb_create_with_funcs(dev, file, info, mode_cmd, funcs) : ERR_PTR(-EINVAL);
}

static inline int kb_fbc_gem_fb_init_with_funcs(struct drm_device *dev, struct drm_framebuffer *fb,
						struct drm_file *file,
						const struct drm_mode_fb_cmd2 *mode_cmd,
						const struct drm_framebuffer_funcs *funcs)
{
	const struct drm_format_info *info = kb_fbc_info(dev, mode_cmd);

	return info ? drm_gem_fb_init_with_funcs(dev, fb, file, info, mode_cmd, funcs) : -EINVAL;
}

static inline int kb_fbc_gem_fb_afbc_init(struct drm_device *dev, const struct drm_mode_fb_cmd2 *mode_cmd,
					  struct drm_afbc_framebuffer *afbc_fb)
{
	const struct drm_format_info *info = drm_get_format_info(dev, mode_cmd->pixel_format,
								 mode_cmd->modifier[0]);

	return info ? drm_gem_fb_afbc_init(dev, info, mode_cmd, afbc_fb) : -EINVAL;
}
#define drm_gem_fb_create		kb_fbc_gem_fb_create
#define drm_gem_fb_create_with_dirty	kb_fbc_gem_fb_create_with_dirty
#define drm_gem_fb_create_with_funcs	kb_fbc_gem_fb_create_with_funcs
#define drm_gem_fb_init_with_funcs	kb_fbc_gem_fb_init_with_funcs
#define drm_gem_fb_afbc_init		kb_fbc_gem_fb_afbc_init
#endif
#endif
