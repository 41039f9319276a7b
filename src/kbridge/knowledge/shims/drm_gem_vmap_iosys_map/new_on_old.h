/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct drm_gem_object_funcs .vmap/.vunmap of the iosys_map form (a driver of
 * Linux >= 5.18) on a kernel whose slots take and return the address (5.10):
 * the work is done by this rule's wrappers of <drm/drm_gem.h> (the retyped
 * slots and the trampolines), <linux/iosys-map.h> and <linux/dma-buf.h>, which
 * find this file to know the direction. Nothing more is needed after the header.
 */
#include <drm/drm_gem.h>
