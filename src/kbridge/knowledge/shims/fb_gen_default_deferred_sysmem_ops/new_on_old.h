/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FB_GEN_DEFAULT_DEFERRED_SYSMEM_OPS() and FB_DEFAULT_DEFERRED_OPS() on a
 * kernel without the fbdev ops generators (added in Linux 6.6).
 *
 * Documented behaviour of the generator for a framebuffer in system memory
 * with deferred I/O: it defines <prefix>_defio_read/_write, which read and
 * write the framebuffer memory with the system-memory helpers and, after a
 * successful write, report the written byte range with the driver's
 * damage_range callback; and <prefix>_defio_fillrect/_copyarea/_imageblit,
 * which draw with the system-memory drawing helpers and then report the
 * drawn rectangle with the driver's damage_area callback.
 * FB_DEFAULT_DEFERRED_OPS(prefix) fills struct fb_ops with those five and
 * with fb_deferred_io_mmap. This kernel has every helper used
 * (fb_sys_read/fb_sys_write, sys_fillrect/sys_copyarea/sys_imageblit,
 * fb_deferred_io_mmap), so the generated functions do the same work in the
 * same order.
 */
#include <linux/fb.h>

#define KB_FB_GEN_DEFERRED_RDWR(__prefix, __damage_range)			\
static ssize_t __prefix##_defio_read(struct fb_info *info, char __user *buf,	\
				     size_t count, loff_t *ppos)		\
{										\
	return fb_sys_read(info, buf, count, ppos);				\
}										\
static ssize_t __prefix##_defio_write(struct fb_info *info,			\
				      const char __user *buf,			\
				      size_t count, loff_t *ppos)		\
{										\
	loff_t start = *ppos;							\
	ssize_t written = fb_sys_write(info, buf, count, ppos);			\
										\
	if (written > 0)							\
		__damage_range(info, start, written);				\
	return written;								\
}

#define KB_FB_GEN_DEFERRED_DRAW(__prefix, __damage_area)			\
static void __prefix##_defio_fillrect(struct fb_info *info,			\
				      const struct fb_fillrect *r)		\
{										\
	sys_fillrect(info, r);							\
	__damage_area(info, r->dx, r->dy, r->width, r->height);			\
}										\
static void __prefix##_defio_copyarea(struct fb_info *info,			\
				      const struct fb_copyarea *a)		\
{										\
	sys_copyarea(info, a);							\
	__damage_area(info, a->dx, a->dy, a->width, a->height);			\
}										\
static void __prefix##_defio_imageblit(struct fb_info *info,			\
				       const struct fb_image *img)		\
{										\
	sys_imageblit(info, img);						\
	__damage_area(info, img->dx, img->dy, img->width, img->height);		\
}

/*
 * A kernel that has the generator under its first name (stable backports,
 * e.g. Debian's 6.1: FB_GEN_DEFAULT_DEFERRED_SYS_OPS, renamed to _SYSMEM_
 * by 744d35d3436f "fbdev: Align deferred I/O with naming of helpers" in 6.6)
 * gets its own generator; the others get the one above.
 */
#ifdef FB_GEN_DEFAULT_DEFERRED_SYS_OPS
#define FB_GEN_DEFAULT_DEFERRED_SYSMEM_OPS(__prefix, __damage_range, __damage_area) \
	FB_GEN_DEFAULT_DEFERRED_SYS_OPS(__prefix, __damage_range, __damage_area)
#else
#define FB_GEN_DEFAULT_DEFERRED_SYSMEM_OPS(__prefix, __damage_range, __damage_area) \
	KB_FB_GEN_DEFERRED_RDWR(__prefix, __damage_range)			\
	KB_FB_GEN_DEFERRED_DRAW(__prefix, __damage_area)
#endif

/* some stable kernels already have this half (same meaning): keep theirs */
#ifndef FB_DEFAULT_DEFERRED_OPS
#define FB_DEFAULT_DEFERRED_OPS(__prefix)					\
	.fb_read	= __prefix##_defio_read,				\
	.fb_write	= __prefix##_defio_write,				\
	.fb_fillrect	= __prefix##_defio_fillrect,				\
	.fb_copyarea	= __prefix##_defio_copyarea,				\
	.fb_imageblit	= __prefix##_defio_imageblit,				\
	.fb_mmap	= fb_deferred_io_mmap
#endif
