/* SPDX-License-Identifier: GPL-2.0 */
/*
 * macvlan_common_newlink() of a driver written for 6.15+ -- (dev, struct
 * rtnl_newlink_params *, extack) -- in a module that replaces an older kernel's
 * macvlan.ko. The older kernel declares (and its macvtap.ko calls, with its own
 * devices) macvlan_common_newlink(src_net, dev, tb, data, extack). The driver
 * *defines* the function the kernel's header declares, so the two declarations
 * would clash, and the export macvtap resolves must keep the kernel's type.
 *
 * So: the kernel's declaration stands; after it this file defines and exports
 * macvlan_common_newlink of that type, which packs its arguments as the older
 * core's newlink trampoline does (rule rtnl_newlink_params: src_net the net
 * macvtap was given, which is link_net ?: the socket's net; link_net that net when
 * IFLA_LINK_NETNSID was given) and calls the driver's function, whose name -- in
 * its definition, its callers and its own EXPORT_SYMBOL_GPL -- the macro at the
 * end turns into kb_drv_macvlan_common_newlink. Its return value goes back to
 * macvtap unchanged (macvtap's error path frees what it set up, as with its own
 * kernel's macvlan). One provider file per module: the function is defined here,
 * in the file that includes the header (macvlan is one file).
 */
#include <linux/if_macvlan.h>
#include <linux/export.h>
#include <net/rtnetlink.h>

int kb_drv_macvlan_common_newlink(struct net_device *dev, struct rtnl_newlink_params *params,
				  struct netlink_ext_ack *extack);

int macvlan_common_newlink(struct net *src_net, struct net_device *dev, struct nlattr *tb[],
			   struct nlattr *data[], struct netlink_ext_ack *extack)
{
	struct rtnl_newlink_params params = {
		.src_net = src_net,
		.link_net = tb && tb[IFLA_LINK_NETNSID] ? src_net : NULL,
		.peer_net = NULL,
		.tb = tb,
		.data = data,
	};

	return kb_drv_macvlan_common_newlink(dev, &params, extack);
}
EXPORT_SYMBOL_GPL(macvlan_common_newlink);

#define macvlan_common_newlink	kb_drv_macvlan_common_newlink
