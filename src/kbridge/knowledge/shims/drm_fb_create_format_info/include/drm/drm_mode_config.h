/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule drm_fb_create_format_info: struct drm_mode_config_funcs.fb_create
 * with the other kernel's arguments -- (dev, file, info, mode_cmd) since 7.x's
 * "drm: Pass the format info to .fb_create()", (dev, file, mode_cmd) before.
 *
 * While the kernel's header is read, the slot is retyped in place by one macro
 * on its name, as the bus_remove fragment does for a bus's remove:
 *     KERNEL (*fb_create)(KERNEL ARGS);
 * becomes
 *     struct drm_framebuffer *(*kb_fbc_kernel[0])(ARGS THIS FILE STATES);
 *     struct drm_framebuffer *(*fb_create)(THE DRIVER'S ARGS);
 *     struct drm_framebuffer *(*kb_fbc_tail[0])(KERNEL ARGS);
 * two zero-length views of the kernel's type around a member of the driver's
 * type at the same offset and size, so the driver's own const struct
 * drm_mode_config_funcs initializes as on its kernel and the struct's layout
 * is the kernel's (static_asserts below; the ABI check compares it with BTF).
 * The kernel never calls the driver's function through the retyped slot: the
 * wrapper of <drm/drm_drv.h> gives the device, at drm_dev_register(), a copy of
 * the driver's funcs whose slot holds a trampoline of the kernel's type
 * (see there). The helpers of <drm/drm_gem_framebuffer_helper.h> that changed
 * with the callback are adapted by this rule's wrapper of that header.
 */
#include "kb_config.h"
#if !defined(KB_FBC_INFO_DRIVER) && !defined(KB_FBC_NOINFO_DRIVER)
#if !defined(KB_HAVE_DRM_FB_CREATE_FORMAT_INFO) && \
	__has_include("rules/drm_fb_create_format_info/new_on_old.h")
#define KB_FBC_INFO_DRIVER	/* the driver's fb_create takes the info; this kernel does not pass it */
#elif defined(KB_HAVE_DRM_FB_CREATE_FORMAT_INFO) && \
	__has_include("rules/drm_fb_create_format_info/old_on_new.h")
#define KB_FBC_NOINFO_DRIVER	/* this kernel passes the info; the driver's fb_create does not take it */
#endif
#endif

#if (defined(KB_FBC_INFO_DRIVER) || defined(KB_FBC_NOINFO_DRIVER)) && !defined(KB_FBC_RETYPED)
#define KB_FBC_RETYPED
/* what the kernel's header includes, first: the macro below must meet only its text */
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/idr.h>
#include <linux/workqueue.h>
#include <linux/llist.h>
#include <drm/drm_modeset_lock.h>
struct drm_device;
struct drm_file;
struct drm_framebuffer;
struct drm_format_info;
struct drm_mode_fb_cmd2;

#ifdef KB_FBC_INFO_DRIVER
#define KB_FBC_KERNEL_ARGS	struct drm_device *, struct drm_file *, const struct drm_mode_fb_cmd2 *
#define KB_FBC_DRIVER_ARGS	struct drm_device *, struct drm_file *, const struct drm_format_info *, \
				const struct drm_mode_fb_cmd2 *
#else
#define KB_FBC_KERNEL_ARGS	struct drm_device *, struct drm_file *, const struct drm_format_info *, \
				const struct drm_mode_fb_cmd2 *
#define KB_FBC_DRIVER_ARGS	struct drm_device *, struct drm_file *, const struct drm_mode_fb_cmd2 *
#endif

#ifdef fb_create
#error "kbridge: fb_create is already a macro; drm_fb_create_format_info cannot retype struct drm_mode_config_funcs.fb_create"
#endif
#define fb_create	kb_fbc_kernel[0])(KB_FBC_KERNEL_ARGS);				\
			struct drm_framebuffer *(*fb_create)(KB_FBC_DRIVER_ARGS);	\
			struct drm_framebuffer *(*kb_fbc_tail[0]
#include_next <drm/drm_mode_config.h>
#undef fb_create

static_assert(__builtin_types_compatible_p(typeof(((struct drm_mode_config_funcs *)0)->kb_fbc_kernel[0]),
					   typeof(((struct drm_mode_config_funcs *)0)->kb_fbc_tail[0])),
	      "kbridge drm_fb_create_format_info: this kernel's fb_create slot is not the type the rule's probe answered");
static_assert(offsetof(struct drm_mode_config_funcs, fb_create) ==
	      offsetof(struct drm_mode_config_funcs, kb_fbc_kernel) &&
	      sizeof(((struct drm_mode_config_funcs *)0)->fb_create) == sizeof(void (*)(void)) &&
	      offsetof(struct drm_mode_config_funcs, kb_fbc_tail) ==
	      offsetof(struct drm_mode_config_funcs, fb_create) + sizeof(void (*)(void)),
	      "kbridge drm_fb_create_format_info: the retyped fb_create slot moved");
#else
#include_next <drm/drm_mode_config.h>
#endif
