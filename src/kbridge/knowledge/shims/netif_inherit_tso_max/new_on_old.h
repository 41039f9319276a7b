/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netif_inherit_tso_max(to, from) (6df6398f7c8b "net: add netif_inherit_tso_max()",
 * 5.19) on an older kernel: the helper as upstream added it, which is the older kernel's
 * own code for it (its macvlan, ipvlan, vlan, veth and vxlan open-coded the two lines) --
 * the upper device takes the lower's gso_max_size through the kernel's
 * netif_set_gso_max_size() and its gso_max_segs. The next upstream patch made the newer
 * helper copy from's tso_max_size/tso_max_segs ceilings instead; the older kernel has no
 * such ceilings, its gso limits are the device's (see the rule's why).
 */
#include <linux/netdevice.h>

static inline void kb_netif_inherit_tso_max(struct net_device *to, const struct net_device *from)
{
	netif_set_gso_max_size(to, READ_ONCE(from->gso_max_size));
	WRITE_ONCE(to->gso_max_segs, READ_ONCE(from->gso_max_segs));
}

#define netif_inherit_tso_max(to, from)	kb_netif_inherit_tso_max(to, from)
