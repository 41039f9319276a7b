/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A driver written for a kernel whose core hands every device ioctl to
 * net_device_ops.ndo_do_ioctl, on a kernel (>= 5.15, a76053707dbf "dev_ioctl: split
 * out ndo_eth_ioctl", b9067f5dc4a0 "net: split out SIOCDEVPRIVATE ioctl handling")
 * whose core sends them to ndo_eth_ioctl (SIOCGMIIPHY/SIOCGMIIREG/SIOCSMIIREG),
 * ndo_siocdevprivate (SIOCDEVPRIVATE..+15), ndo_siocbond (SIOCBOND*) and
 * ndo_siocwandev (SIOCWANDEV) and never to ndo_do_ioctl: the driver would build and
 * silently answer -EOPNOTSUPP to all of them.
 *
 * The designator .ndo_do_ioctl = fn keeps fn in ndo_do_ioctl and fills the newer slots
 * of the driver's own table (dev->netdev_ops still points at it) with trampolines
 * that call fn as the older core did: the same ifreq and command, after the same
 * netif_device_present() and CAP_NET_ADMIN checks, which the newer core makes before
 * each slot. The private range: the newer core passes the user's pointer as data
 * (get_user_ifreq(): ifr_data, or compat_ptr() of the 32-bit one on a compat
 * syscall); the older native path had it in ifr->ifr_data and its compat path stored
 * compat_ptr() there (compat_ifr_data_ioctl), so the trampoline sets ifr_data to data
 * for the call and puts the caller's value back (the newer core copies the ifreq out).
 * SIOCWANDEV: the newer dev_ifsioc is the only caller of ndo_siocwandev and passes
 * &ifr->ifr_settings, so the ifreq is the one that contains it.
 *
 * Limits (named): a table that designates .ndo_eth_ioctl (or the other newer slots)
 * as well gets whichever designator comes last; time-stamping (SIOCxHWTSTAMP) goes to
 * ndo_hwtstamp_get/set on the newer kernels, not here; code reading ndo_do_ioctl by
 * name does not build.
 */
#include <linux/netdevice.h>
#include <linux/if.h>
#include <linux/stddef.h>

static __maybe_unused int kb_ioctl_split_eth_tramp(struct net_device *dev, struct ifreq *ifr, int cmd)
{
	return dev->netdev_ops->ndo_do_ioctl(dev, ifr, cmd);
}

static __maybe_unused int kb_ioctl_split_bond_tramp(struct net_device *dev, struct ifreq *ifr, int cmd)
{
	return dev->netdev_ops->ndo_do_ioctl(dev, ifr, cmd);
}

static __maybe_unused int kb_ioctl_split_wandev_tramp(struct net_device *dev, struct if_settings *ifs)
{
	return dev->netdev_ops->ndo_do_ioctl(dev, container_of(ifs, struct ifreq, ifr_settings),
					     SIOCWANDEV);
}

static __maybe_unused int kb_ioctl_split_priv_tramp(struct net_device *dev, struct ifreq *ifr,
						    void __user *data, int cmd)
{
	void __user *saved = ifr->ifr_data;
	int err;

	ifr->ifr_data = data;
	err = dev->netdev_ops->ndo_do_ioctl(dev, ifr, cmd);
	ifr->ifr_data = saved;
	return err;
}

#ifdef ndo_do_ioctl
#error "kbridge: ndo_do_ioctl is already a macro; ndo_ioctl_split cannot fill the driver's tables"
#endif
#define ndo_do_ioctl	ndo_eth_ioctl = kb_ioctl_split_eth_tramp,				\
			.ndo_siocdevprivate = kb_ioctl_split_priv_tramp,			\
			.ndo_siocbond = kb_ioctl_split_bond_tramp,				\
			.ndo_siocwandev = kb_ioctl_split_wandev_tramp,			\
			.ndo_do_ioctl
