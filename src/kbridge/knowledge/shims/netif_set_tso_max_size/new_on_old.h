/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netif_set_tso_max_size() on a kernel before 5.19 (14d7b8122fd5 "net:
 * don't allow user space to lift the device limits"). The newer kernel's
 * (net/core/dev.c):
 *
 *	dev->tso_max_size = min(GSO_MAX_SIZE, size);
 *	if (size < READ_ONCE(dev->gso_max_size))
 *		netif_set_gso_max_size(dev, size);
 *
 * (and the same for gso_ipv4_max_size, which came with BIG TCP in 6.3). The
 * older kernel has no tso_max_size: dev->gso_max_size is the device's limit,
 * and user space may set it up to GSO_MAX_SIZE. So the device gets what the
 * newer kernel gives it -- gso_max_size lowered through the kernel's own
 * setter exactly when size is below it; a size of GSO_MAX_SIZE or more
 * changes nothing on either kernel -- but no ceiling a later user-space
 * change of gso_max_size must respect: that did not exist before 5.19.
 */
#include <linux/netdevice.h>

static inline void kb_netif_set_tso_max_size(struct net_device *dev, unsigned int size)
{
	if (size < READ_ONCE(dev->gso_max_size))
		netif_set_gso_max_size(dev, size);
}

#define netif_set_tso_max_size(dev, size)	kb_netif_set_tso_max_size(dev, size)
