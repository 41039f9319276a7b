/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_device.lltx on a kernel that reads NETIF_F_LLTX: the member is this
 * rule's wrapper of <linux/netdevice.h>; the conversion (the module's
 * NETDEV_POST_INIT notifier) and the ndo_fix_features trampoline are in
 * rules/netdev_hwtstamp_ndo/new_on_old.h (which this rule needs).
 */
#ifndef KB_NETDEV_LLTX_BRIDGED
#error "kbridge: netdev_lltx needs its <linux/netdevice.h> wrapper (compat/include) first on the include path"
#endif
#ifndef KB_NETDEV_BOX_H
#error "kbridge: netdev_lltx needs the netdev shims of netdev_hwtstamp_ndo (new_on_old.h)"
#endif
