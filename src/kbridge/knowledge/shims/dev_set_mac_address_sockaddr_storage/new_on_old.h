/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dev_set_mac_address(dev, struct sockaddr_storage *ss, extack) (6.16, 9ca6804ab7c3) on a
 * kernel whose dev_set_mac_address() takes a struct sockaddr *. The older core reads the
 * family (-EINVAL unless it is dev->type) and dev->addr_len bytes from sa_data, and hands
 * the same pointer to the device's ndo_set_mac_address; struct sockaddr_storage starts with
 * struct sockaddr's layout (asserted below) and has room for any addr_len, so the driver's
 * sockaddr_storage is passed as the struct sockaddr * the kernel takes: every check,
 * notifier and return value is the older kernel's own.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/socket.h>
#include <linux/netdevice.h>

static_assert(offsetof(struct sockaddr_storage, ss_family) == offsetof(struct sockaddr, sa_family) &&
	      sizeof(((struct sockaddr_storage *)0)->ss_family) ==
	      sizeof(((struct sockaddr *)0)->sa_family) &&
	      offsetof(struct sockaddr_storage, __data) == offsetof(struct sockaddr, sa_data) &&
	      sizeof(((struct sockaddr_storage *)0)->__data) >= MAX_ADDR_LEN,
	      "kbridge: struct sockaddr_storage does not begin with struct sockaddr's layout");

static inline int kb_dev_set_mac_address_ss(struct net_device *dev, struct sockaddr_storage *ss,
					    struct netlink_ext_ack *extack)
{
	return dev_set_mac_address(dev, (struct sockaddr *)ss, extack);
}
#define dev_set_mac_address(dev, ss, extack)	kb_dev_set_mac_address_ss(dev, ss, extack)
