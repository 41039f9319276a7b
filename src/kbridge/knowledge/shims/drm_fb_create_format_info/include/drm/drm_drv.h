/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule drm_fb_create_format_info: the trampoline between this kernel's
 * call of dev->mode_config.funcs->fb_create and the driver's callback of the
 * other kernel's type (the slot is retyped by this rule's wrapper of
 * <drm/drm_mode_config.h>: read that first).
 *
 * The driver's struct drm_mode_config_funcs is const (in .rodata) and the
 * driver stores its address in dev->mode_config.funcs itself, an assignment
 * no shim can wrap. The core reads fb_create only through that pointer, and
 * only once the device is registered (DRM_IOCTL_MODE_ADDFB/ADDFB2 and the
 * in-kernel clients, fbdev emulation among them, all come after
 * drm_dev_register()). So drm_dev_register() -- the API boundary every DRM
 * driver crosses -- first gives the device a copy of the driver's funcs, made
 * with drmm_kzalloc() (freed with the device, like the core's own managed
 * state), whose fb_create slot holds the trampoline; every other callback is
 * the driver's, unchanged. The trampoline finds the driver's funcs beside the
 * copy and calls the driver's fb_create:
 *  - a 7.x driver on an older kernel gets the info 7.x's core passes, looked up
 *    as 7.x's drm_internal_framebuffer_create() does it and as the older core's
 *    framebuffer_check() just did for the same request (drm_get_format_info(),
 *    never NULL there: the core refused an unknown format before the call);
 *  - an older driver on 7.x gets the call without the info (it looks the format
 *    up itself, as on its own kernel).
 * A failed registration keeps the copy (the device owns it); registering again
 * finds the trampoline in place and does not copy twice. Limit (the manifest's
 * refused_reads): driver code that reads dev->mode_config.funcs back after
 * registering finds the copy, not its own struct.
 */
#include_next <drm/drm_drv.h>
#include "kb_config.h"
#if !defined(KB_FBC_INSTALLED) && \
	(!defined(KB_HAVE_DRM_FB_CREATE_FORMAT_INFO) && \
	 __has_include("rules/drm_fb_create_format_info/new_on_old.h") || \
	 defined(KB_HAVE_DRM_FB_CREATE_FORMAT_INFO) && \
	 __has_include("rules/drm_fb_create_format_info/old_on_new.h"))
#define KB_FBC_INSTALLED
#include <linux/stddef.h>
#include <linux/err.h>
#include <linux/string.h>
#include <drm/drm_device.h>
#include <drm/drm_mode_config.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_managed.h>

struct kb_fbc_funcs {
	struct drm_mode_config_funcs funcs;		/* what the core reads */
	const struct drm_mode_config_funcs *driver;	/* the driver's own */
};

/*
 * One per module, whichever of its files defines it first (a weak definition):
 * kb_fbc_install() recognises the trampoline in a registered device's slot by its
 * address, so a registration retried from another file must meet the same function
 * (a static one per file would take the first file's trampoline for the driver's
 * callback and copy the copy: the second trampoline would then call the first one
 * with the driver's arguments -- the p9 create trampoline's bug, found by review).
 */
struct drm_framebuffer *kb_fbc_tramp(struct drm_device *dev, struct drm_file *file,
#ifdef KB_FBC_NOINFO_DRIVER
				     const struct drm_format_info *info,
#endif
				     const struct drm_mode_fb_cmd2 *mode_cmd);
struct drm_framebuffer * __attribute__((weak)) kb_fbc_tramp(struct drm_device *dev, struct drm_file *file,
#ifdef KB_FBC_NOINFO_DRIVER
							    const struct drm_format_info *info,
#endif
							    const struct drm_mode_fb_cmd2 *mode_cmd)
{
	const struct kb_fbc_funcs *f = container_of(dev->mode_config.funcs, struct kb_fbc_funcs, funcs);

#ifdef KB_FBC_INFO_DRIVER
	return f->driver->fb_create(dev, file, drm_get_format_info(dev, mode_cmd), mode_cmd);
#else
	return f->driver->fb_create(dev, file, mode_cmd);
#endif
}

static inline int kb_fbc_install(struct drm_device *dev)
{
	const struct drm_mode_config_funcs *driver = dev->mode_config.funcs;
	typeof(driver->kb_fbc_tail[0]) tramp = kb_fbc_tramp;
	struct kb_fbc_funcs *f;

	if (!driver || !driver->fb_create)
		return 0;	/* nothing to call: the core's own -ENOSYS/-EINVAL paths stay */
	if (!memcmp(&driver->fb_create, &tramp, sizeof(tramp)))
		return 0;	/* registered before (a retry after a failed registration) */
	f = drmm_kzalloc(dev, sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->funcs = *driver;
	f->driver = driver;
	memcpy(&f->funcs.fb_create, &tramp, sizeof(tramp));
	dev->mode_config.funcs = &f->funcs;
	return 0;
}

#define drm_dev_register(dev, flags) ({						\
	struct drm_device *__kb_dev = (dev);						\
	int __kb_e = kb_fbc_install(__kb_dev);						\
	__kb_e ? __kb_e : (drm_dev_register)(__kb_dev, (flags)); })
#endif
