/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fb_deferred_io_mmap() for a driver written for Linux 5.19 or later (where
 * it is exported and a deferred-I/O driver sets struct fb_ops.fb_mmap to it)
 * on an older kernel, where it is declared but not exported: there
 * drivers/video/fbdev/core/fbmem.c's fb_mmap() replaces fbops->fb_mmap by the
 * kernel's own fb_deferred_io_mmap() for every fb_info that has .fbdefio, so
 * the driver's deferred-I/O framebuffers are mapped exactly as the newer
 * kernel's fb_deferred_io_mmap() maps them, by the kernel itself.
 *
 * The module-local function below is therefore reached only for an fb_info
 * without .fbdefio. The newer kernel's fb_deferred_io_mmap() would give such
 * a mapping deferred-I/O vm_ops with no deferred-I/O state behind them (the
 * first write fault dereferences it); it is refused here with -ENODEV and a
 * warning naming the device instead.
 */
#include <linux/fb.h>
#include <linux/mm_types.h>
#include <linux/bug.h>
#include <linux/errno.h>

static inline int kb_fb_deferred_io_mmap(struct fb_info *info, struct vm_area_struct *vma)
{
	WARN_ONCE(1, "fb%d: fb_deferred_io_mmap() on a framebuffer without deferred I/O\n",
		  info->node);
	return -ENODEV;
}

#define fb_deferred_io_mmap kb_fb_deferred_io_mmap
