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
 * the newer kernel does around the callbacks (net/ethtool/ioctl.c of 6.12/7.3:
 * ethtool_get_eee with keee_to_eee, ethtool_set_eee with eee_to_keee;
 * net/ethtool/eee.c: ethnl_set_eee):
 *  - get: a zeroed struct ethtool_keee, the driver's error returned, then
 *    every field into the legacy struct: eee_active, eee_enabled,
 *    tx_lpi_enabled, tx_lpi_timer, and the three link-mode masks through
 *    ethtool_convert_link_mode_to_legacy_u32 (modes beyond bit 31 dropped;
 *    on the ioctl path, cmd ETHTOOL_GEEE, with the newer kernel's warning when
 *    supported had some -- its netlink path carries them and never warns);
 *    the struct's cmd and reserved words stay as this kernel's core set them;
 *  - set, by the path this kernel's core came from (its cmd: ETHTOOL_SEEE on
 *    ioctl, copied from the user; 0 on netlink, ethnl_set_eee's `= {}` filled
 *    by the get trampoline):
 *    ioctl: as the newer kernel's ethtool_set_eee (eee_to_keee): a zeroed keee
 *    with eee_enabled, tx_lpi_enabled, tx_lpi_timer and the 32 advertised bits;
 *    netlink: as the newer kernel's ethnl_set_eee, which hands its driver the
 *    driver's own get answer with the user's changes: the driver's get into a
 *    zeroed keee (full bitmaps: supported, lp_advertised, eee_active and the
 *    advertised modes beyond bit 31 stay as the driver has them -- before,
 *    every netlink set, even `tx-timer N` alone, cleared a newer driver's
 *    2500baseT/5000baseT EEE advertisement: 7.3's r8152 writes them to its
 *    EEE_ADV2 register from keee->advertised), then the request's flags and
 *    timer; its 32 advertised bits replace the bitmap when they differ from the
 *    driver's (ethtool's `advertise N`, a NOMASK bitset on the newer kernel,
 *    replaces it whole). Limit (named): a masked change (`advertise N/M`, mode
 *    names on/off) keeps the modes beyond bit 31 on the newer kernel, here they
 *    are cleared; a replace with the same 32 bits keeps them here.
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
	if (overflow && eee->cmd == ETHTOOL_GEEE)
		pr_warn("Ethtool ioctl interface doesn't support passing EEE linkmodes beyond bit 32\n");
	return 0;
}

static __maybe_unused int kb_ethtool_set_eee_tramp(struct net_device *dev, struct ethtool_eee *eee)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;
	struct ethtool_keee keee;
	u32 cur;
	int rc;

	if (!ops->kb_drv_set_eee)
		return -EOPNOTSUPP;
	memset(&keee, 0, sizeof(keee));
	if (eee->cmd == ETHTOOL_SEEE || !ops->kb_drv_get_eee) {
		/* ioctl: the newer kernel's eee_to_keee */
		ethtool_convert_legacy_u32_to_link_mode(keee.advertised, eee->advertised);
	} else {
		/* netlink: the driver's own answer (full bitmaps), then the user's changes */
		rc = ops->kb_drv_get_eee(dev, &keee);
		if (rc)
			return rc;
		ethtool_convert_link_mode_to_legacy_u32(&cur, keee.advertised);
		if (cur != eee->advertised)
			ethtool_convert_legacy_u32_to_link_mode(keee.advertised, eee->advertised);
	}
	keee.eee_enabled = eee->eee_enabled;
	keee.tx_lpi_enabled = eee->tx_lpi_enabled;
	keee.tx_lpi_timer = eee->tx_lpi_timer;
	return ops->kb_drv_set_eee(dev, &keee);
}

/* the designator macros (last: the code above uses the members' names) */
#if defined(get_eee) || defined(set_eee)
#error "kbridge: get_eee or set_eee is already a macro; ethtool_keee cannot fill the driver's tables"
#endif
#define get_eee		kb_kernel_get_eee = kb_ethtool_get_eee_tramp, .kb_drv_get_eee
#define set_eee		kb_kernel_set_eee = kb_ethtool_set_eee_tramp, .kb_drv_set_eee
