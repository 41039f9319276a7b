/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usbnet_get_stats64() (removed in 5.11, 323955a0498c) on a kernel whose
 * usbnet core counts rx/tx packets and bytes in net->tstats (af0c351cc348):
 * the older function reported net->stats plus usbnet's own per-CPU counters,
 * which is what dev_get_tstats64() reports here from net->tstats.
 */
#include <linux/usb/usbnet.h>
#include <linux/netdevice.h>

#define usbnet_get_stats64 dev_get_tstats64
