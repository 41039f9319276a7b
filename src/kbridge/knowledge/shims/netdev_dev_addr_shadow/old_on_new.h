/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A driver written while net_device.dev_addr was writable (before 5.17,
 * adeef3e32146) that writes the address in place -- memcpy() into it, or
 * passing it to a function that fills it (5.10's xen-netfront:
 * xen_net_read_mac(dev, info->netdev->dev_addr)) -- on a kernel that keeps a
 * shadow copy (5.16, d07b26f5bbea) and re-keys the address list's rbtree in
 * dev_addr_mod() (what dev_addr_set() and eth_hw_addr_set() call): the
 * kernel WARNs "Incorrect netdev->dev_addr" where it checks (dev_addr_check:
 * __dev_open, dev_addr_mod, dev_addr_flush from free_netdev).
 *
 * At the driver's calls that hand the device over -- register_netdev(),
 * register_netdevice(), free_netdev() -- what the driver wrote is given to
 * the kernel through dev_addr_mod(), as a newer driver gives it: the
 * shadow's bytes are put back first (so dev_addr_mod's own check passes and
 * the rbtree node is re-keyed from its inserted key), then the written bytes
 * are set. The address ends as the driver left it; no notifier is sent
 * (neither a direct write nor dev_addr_set() sends one).
 *
 * Not covered (named, not hidden): a write made while the device is
 * registered is seen by the kernel's check when the device is opened or its
 * address changed before the driver frees it; the kernel WARNs then and
 * keeps the driver's address.
 */
#include <linux/netdevice.h>
#include <linux/string.h>

static inline void kb_dev_addr_sync(struct net_device *dev)
{
	unsigned char kb_addr[MAX_ADDR_LEN];

	if (!dev->dev_addr || !memcmp(dev->dev_addr, dev->dev_addr_shadow, MAX_ADDR_LEN))
		return;
	memcpy(kb_addr, dev->dev_addr, MAX_ADDR_LEN);
	memcpy((unsigned char *)dev->dev_addr, dev->dev_addr_shadow, MAX_ADDR_LEN);
	dev_addr_mod(dev, 0, kb_addr, MAX_ADDR_LEN);
}

static inline int kb_register_netdev(struct net_device *dev)
{
	kb_dev_addr_sync(dev);
	return register_netdev(dev);
}

static inline int kb_register_netdevice(struct net_device *dev)
{
	kb_dev_addr_sync(dev);
	return register_netdevice(dev);
}

static inline void kb_free_netdev(struct net_device *dev)
{
	kb_dev_addr_sync(dev);
	free_netdev(dev);
}

#undef register_netdev
#define register_netdev kb_register_netdev
#undef register_netdevice
#define register_netdevice kb_register_netdevice
#undef free_netdev
#define free_netdev kb_free_netdev
