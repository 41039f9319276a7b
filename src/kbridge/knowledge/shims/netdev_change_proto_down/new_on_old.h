/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_device.change_proto_down on a kernel that reads IFF_CHANGE_PROTO_DOWN: the member is this
 * rule's wrapper of <linux/netdevice.h>; the conversion, by the module's
 * NETDEV_POST_INIT notifier, is in rules/netdev_hwtstamp_ndo/new_on_old.h
 * (which this rule needs).
 */
#ifndef KB_NETDEV_CPD_BRIDGED
#error "kbridge: netdev_change_proto_down needs its <linux/netdevice.h> wrapper (compat/include) first on the include path"
#endif
#ifndef KB_NETDEV_BOX_H
#error "kbridge: netdev_change_proto_down needs the netdev shims of netdev_hwtstamp_ndo (new_on_old.h)"
#endif
