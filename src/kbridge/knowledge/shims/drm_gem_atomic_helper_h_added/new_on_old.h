/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <drm/drm_gem_atomic_helper.h> (5.13+) on a kernel without it: this rule's
 * wrapper of that header (include/drm/drm_gem_atomic_helper.h) gives its plane
 * helpers as the older kernel's functions; nothing more after it.
 */
#include <drm/drm_gem_atomic_helper.h>
