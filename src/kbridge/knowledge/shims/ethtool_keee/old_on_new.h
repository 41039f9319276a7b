/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ethtool_ops.get_eee/set_eee of the older form (dev, struct ethtool_eee *:
 * 32-bit link-mode masks) on a kernel whose slots take a struct ethtool_keee *
 * (link-mode bitmaps; Linux >= 6.9, commit d80a52335374).
 *
 * ethtool_kernel_ts_info's wrapper of <linux/ethtool.h> renamed the kernel's
 * slots kb_kernel_get_eee/kb_kernel_set_eee and appended kb_drv_get_eee/
 * kb_drv_set_eee of the older type; the designator macros below make the
 * driver's `.get_eee = fn` put fn there and the trampoline in the kernel's
 * slot of the driver's own table. The newer core hands the slot a zeroed keee
 * on get (ioctl ethtool_get_eee, netlink eee_prepare_data / ethnl_set_eee);
 * the trampoline calls the older driver with a zeroed struct ethtool_eee (cmd
 * 0, as the older kernel's netlink path hands it: eee_prepare_data on zeroed
 * reply data, ethnl_set_eee's `= {}` filled by get) and converts every field
 * both ways: the masks with
 * ethtool_convert_legacy_u32_to_link_mode / ethtool_convert_link_mode_to_legacy_u32
 * (the older kernel's netlink replies carry exactly these 32 bits,
 * net/ethtool/eee.c eee_fill_reply), the flags and tx_lpi_timer as they are.
 * A set whose advertised modes go beyond bit 31 (only a netlink request can
 * name them: the newer ioctl path converts from 32 bits) is refused with
 * -EINVAL, as the older kernel's ethnl_set_eee refuses it (ethnl_update_bitset32
 * over 32 bits: -EINVAL for a bit index or a compact bitmap beyond them; a bit
 * named beyond them, -EOPNOTSUPP there -- the trampoline cannot tell the
 * request's form). Limit (named): driver code that reads the members by name
 * does not build (refused).
 */
/* the trampolines read dev->ethtool_ops: the layer applies this after <linux/netdevice.h>
 * (which includes <linux/ethtool.h> before struct net_device is complete); inline may not */
#include <linux/netdevice.h>
#include <linux/ethtool.h>
#ifndef KB_ETHTOOL_KEEE_OLD_SLOTS
#error "kbridge: ethtool_keee renames the kernel's slots in ethtool_kernel_ts_info's wrapper of <linux/ethtool.h>, which is not in effect"
#endif
#include <linux/string.h>

static __maybe_unused void kb_eee_to_keee_all(struct ethtool_keee *keee, const struct ethtool_eee *eee)
{
	ethtool_convert_legacy_u32_to_link_mode(keee->supported, eee->supported);
	ethtool_convert_legacy_u32_to_link_mode(keee->advertised, eee->advertised);
	ethtool_convert_legacy_u32_to_link_mode(keee->lp_advertised, eee->lp_advertised);
	keee->eee_active = eee->eee_active;
	keee->eee_enabled = eee->eee_enabled;
	keee->tx_lpi_enabled = eee->tx_lpi_enabled;
	keee->tx_lpi_timer = eee->tx_lpi_timer;
}

static __maybe_unused int kb_ethtool_get_eee_tramp(struct net_device *dev, struct ethtool_keee *keee)
{
	struct ethtool_eee eee;
	int rc;

	if (!dev->ethtool_ops->kb_drv_get_eee)
		return -EOPNOTSUPP;
	memset(&eee, 0, sizeof(eee));
	rc = dev->ethtool_ops->kb_drv_get_eee(dev, &eee);
	if (rc)
		return rc;
	kb_eee_to_keee_all(keee, &eee);
	return 0;
}

static __maybe_unused int kb_ethtool_set_eee_tramp(struct net_device *dev, struct ethtool_keee *keee)
{
	struct ethtool_eee eee;

	if (!dev->ethtool_ops->kb_drv_set_eee)
		return -EOPNOTSUPP;
	memset(&eee, 0, sizeof(eee));
	if (!ethtool_convert_link_mode_to_legacy_u32(&eee.advertised, keee->advertised))
		return -EINVAL;
	ethtool_convert_link_mode_to_legacy_u32(&eee.supported, keee->supported);
	ethtool_convert_link_mode_to_legacy_u32(&eee.lp_advertised, keee->lp_advertised);
	eee.eee_active = keee->eee_active;
	eee.eee_enabled = keee->eee_enabled;
	eee.tx_lpi_enabled = keee->tx_lpi_enabled;
	eee.tx_lpi_timer = keee->tx_lpi_timer;
	return dev->ethtool_ops->kb_drv_set_eee(dev, &eee);
}

/* the designator macros (last: the code above uses the members' names) */
#if defined(get_eee) || defined(set_eee)
#error "kbridge: get_eee or set_eee is already a macro; ethtool_keee cannot fill the driver's tables"
#endif
#define get_eee		kb_kernel_get_eee = kb_ethtool_get_eee_tramp, .kb_drv_get_eee
#define set_eee		kb_kernel_set_eee = kb_ethtool_set_eee_tramp, .kb_drv_set_eee
