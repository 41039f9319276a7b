/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dev_set_mac_address(dev, struct sockaddr *sa, extack) (before 6.16) on a kernel whose
 * dev_set_mac_address() takes a struct sockaddr_storage * (9ca6804ab7c3). The older core
 * read the family and dev->addr_len bytes from sa->sa_data (trusting the caller's buffer
 * for addr_len); the shim copies exactly those -- at most MAX_ADDR_LEN, which __data holds
 * -- into a zeroed sockaddr_storage and calls the kernel's function, whose checks
 * (-EOPNOTSUPP, -EINVAL for a family other than dev->type, -ENODEV), notifiers and the
 * device's ndo_set_mac_address see the same family and bytes; its value is returned as is.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/socket.h>
#include <linux/netdevice.h>

static_assert(sizeof(((struct sockaddr_storage *)0)->__data) >= MAX_ADDR_LEN,
	      "kbridge: struct sockaddr_storage cannot hold MAX_ADDR_LEN address bytes");

static inline int kb_dev_set_mac_address_sa(struct net_device *dev, struct sockaddr *sa,
					    struct netlink_ext_ack *extack)
{
	/* the address bytes by a plain char pointer: the older core read dev->addr_len
	 * bytes from sa_data whatever sa_data's declared 14, and so does this copy
	 * (FORTIFY_SOURCE would take the member's size for the buffer's) */
	const char *data = (const char *)sa + offsetof(struct sockaddr, sa_data);
	struct sockaddr_storage ss = {};

	ss.ss_family = sa->sa_family;
	memcpy(ss.__data, data, min_t(unsigned int, dev->addr_len, MAX_ADDR_LEN));
	return dev_set_mac_address(dev, &ss, extack);
}
#define dev_set_mac_address(dev, sa, extack)	kb_dev_set_mac_address_sa(dev, sa, extack)
