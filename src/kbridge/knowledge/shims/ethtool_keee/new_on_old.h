/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ethtool_ops.get_eee/set_eee taking a struct ethtool_keee * (link-mode
 * bitmaps; Linux >= 6.9, commit d80a52335374) on a kernel whose slots take the
 * uapi struct ethtool_eee * (32-bit link-mode masks).
 *
 * ethtool_kernel_ts_info's wrapper of <linux/ethtool.h> renamed the kernel's
 * slots kb_kernel_get_eee/kb_kernel_set_eee, declared struct ethtool_keee with
 * the newer kernel's members and appended kb_drv_get_eee/kb_drv_set_eee of the
 * newer type; the designator macros below make the driver's `.get_eee = fn`
 * put fn there and the trampoline in the kernel's slot of the driver's own
 * table (still the one dev->ethtool_ops points to). The trampolines do what
 * the newer kernel's ioctl path does around the callbacks (net/ethtool/ioctl.c
 * of 6.12/7.3: ethtool_get_eee with keee_to_eee, ethtool_set_eee with
 * eee_to_keee):
 *  - get: a zeroed struct ethtool_keee, the driver's error returned, then
 *    every field into the legacy struct: eee_active, eee_enabled,
 *    tx_lpi_enabled, tx_lpi_timer, and the three link-mode masks through
 *    ethtool_convert_link_mode_to_legacy_u32 (modes beyond bit 31 dropped,
 *    with the newer kernel's warning when supported had some); the struct's
 *    cmd and reserved words stay as this kernel's core set them;
 *  - set: a zeroed keee with every field of the request converted (masks
 *    through ethtool_convert_legacy_u32_to_link_mode), then the driver's
 *    set_eee. The request is what this kernel's core built: netlink
 *    (net/ethtool/eee.c ethnl_set_eee) the driver's own get answer with the
 *    user's changes, as the newer kernel's ethnl_set_eee hands its driver
 *    (get into `= {}`, update, set); ioctl the user's struct, which ethtool
 *    fills from a get first. (The newer kernel's ioctl path alone passes
 *    supported, lp_advertised and eee_active as zero -- eee_to_keee; a
 *    driver's set_eee acts on enabled, tx LPI and advertised.)
 * Limit (named): driver code that reads the members by name does not build
 * (refused).
 */
/* the trampolines read dev->ethtool_ops: the layer applies this after <linux/netdevice.h>
 * (which includes <linux/ethtool.h> before struct net_device is complete); inline may not */
#include <linux/netdevice.h>
#include <linux/ethtool.h>
#ifndef KB_ETHTOOL_KEEE_WRAP
#error "kbridge: ethtool_keee renames the kernel's slots in ethtool_kernel_ts_info's wrapper of <linux/ethtool.h>, which is not in effect"
#endif
#include <linux/printk.h>
#include <linux/string.h>

static __maybe_unused int kb_ethtool_get_eee_tramp(struct net_device *dev, struct ethtool_eee *eee)
{
	struct ethtool_keee keee;
	bool overflow;
	int rc;

	if (!dev->ethtool_ops->kb_drv_get_eee)
		return -EOPNOTSUPP;
	memset(&keee, 0, sizeof(keee));
	rc = dev->ethtool_ops->kb_drv_get_eee(dev, &keee);
	if (rc)
		return rc;
	eee->eee_active = keee.eee_active;
	eee->eee_enabled = keee.eee_enabled;
	eee->tx_lpi_enabled = keee.tx_lpi_enabled;
	eee->tx_lpi_timer = keee.tx_lpi_timer;
	overflow = !ethtool_convert_link_mode_to_legacy_u32(&eee->supported, keee.supported);
	ethtool_convert_link_mode_to_legacy_u32(&eee->advertised, keee.advertised);
	ethtool_convert_link_mode_to_legacy_u32(&eee->lp_advertised, keee.lp_advertised);
	if (overflow)
		pr_warn("Ethtool ioctl interface doesn't support passing EEE linkmodes beyond bit 32\n");
	return 0;
}

static __maybe_unused int kb_ethtool_set_eee_tramp(struct net_device *dev, struct ethtool_eee *eee)
{
	struct ethtool_keee keee;

	if (!dev->ethtool_ops->kb_drv_set_eee)
		return -EOPNOTSUPP;
	memset(&keee, 0, sizeof(keee));
	ethtool_convert_legacy_u32_to_link_mode(keee.supported, eee->supported);
	ethtool_convert_legacy_u32_to_link_mode(keee.advertised, eee->advertised);
	ethtool_convert_legacy_u32_to_link_mode(keee.lp_advertised, eee->lp_advertised);
	keee.eee_active = eee->eee_active;
	keee.eee_enabled = eee->eee_enabled;
	keee.tx_lpi_enabled = eee->tx_lpi_enabled;
	keee.tx_lpi_timer = eee->tx_lpi_timer;
	return dev->ethtool_ops->kb_drv_set_eee(dev, &keee);
}

/* the designator macros (last: the code above uses the members' names) */
#if defined(get_eee) || defined(set_eee)
#error "kbridge: get_eee or set_eee is already a macro; ethtool_keee cannot fill the driver's tables"
#endif
#define get_eee		kb_kernel_get_eee = kb_ethtool_get_eee_tramp, .kb_drv_get_eee
#define set_eee		kb_kernel_set_eee = kb_ethtool_set_eee_tramp, .kb_drv_set_eee
