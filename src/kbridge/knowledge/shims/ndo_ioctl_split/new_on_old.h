/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_device_ops.ndo_eth_ioctl / ndo_siocdevprivate / ndo_siocbond / ndo_siocwandev
 * (Linux >= 5.15, a76053707dbf "dev_ioctl: split out ndo_eth_ioctl", b9067f5dc4a0
 * "net: split out SIOCDEVPRIVATE ioctl handling") on a kernel whose core hands every
 * device ioctl to ndo_do_ioctl: the slots are appended by netdev_hwtstamp_ndo's wrapper
 * of <linux/netdevice.h>, the trampoline in the kernel's ndo_do_ioctl slot and the
 * designator macros are in rules/netdev_hwtstamp_ndo/new_on_old.h (which this rule
 * needs); this file only checks they are there.
 */
#ifndef KB_NETDEV_BOX_H
#error "kbridge: ndo_ioctl_split needs the netdev shims of netdev_hwtstamp_ndo (new_on_old.h)"
#endif
#ifndef KB_NETDEV_IOCTL_SPLIT_BRIDGED
#error "kbridge: ndo_ioctl_split needs netdev_hwtstamp_ndo's <linux/netdevice.h> wrapper (its ndo_do_ioctl variant) first on the include path"
#endif
