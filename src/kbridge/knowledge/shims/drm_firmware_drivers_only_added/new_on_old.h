/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_firmware_drivers_only() (5.17, 6a2d2ddf2c34) on an older kernel: the
 * "nomodeset" boot parameter is vgacon's there (__setup("nomodeset") sets
 * vgacon_text_mode_force), and vgacon_text_force() -- what the older DRM
 * drivers called instead -- returns it; without CONFIG_VGA_CONSOLE the older
 * kernel had no nomodeset and <linux/console.h> returns false.
 */
#include <linux/console.h>

static inline bool kb_drm_firmware_drivers_only(void)
{
	return vgacon_text_force();
}
#define drm_firmware_drivers_only kb_drm_firmware_drivers_only
