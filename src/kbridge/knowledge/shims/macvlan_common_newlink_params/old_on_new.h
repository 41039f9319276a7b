/* SPDX-License-Identifier: GPL-2.0 */
/*
 * macvlan_common_newlink() of a driver written before 6.15 -- (src_net, dev, tb,
 * data, extack) -- in a module that replaces a newer kernel's macvlan.ko, whose
 * header declares (and whose macvtap.ko calls) macvlan_common_newlink(dev,
 * struct rtnl_newlink_params *, extack). The kernel's declaration stands; this
 * file defines and exports that function of the kernel's type, which calls the
 * driver's with rtnl_newlink_link_net(params) (link_net ?: src_net: the net the
 * older core passed to newlink and the older macvtap passed on), dev,
 * params->tb, params->data and extack, and returns its value unchanged; the macro
 * at the end renames the driver's definition, callers and EXPORT_SYMBOL_GPL to
 * kb_drv_macvlan_common_newlink. One provider file per module (macvlan is one file).
 */
#include <linux/if_macvlan.h>
#include <linux/export.h>
#include <net/rtnetlink.h>

int kb_drv_macvlan_common_newlink(struct net *src_net, struct net_device *dev, struct nlattr *tb[],
				  struct nlattr *data[], struct netlink_ext_ack *extack);

int macvlan_common_newlink(struct net_device *dev, struct rtnl_newlink_params *params,
			   struct netlink_ext_ack *extack)
{
	return kb_drv_macvlan_common_newlink(rtnl_newlink_link_net(params), dev, params->tb,
					     params->data, extack);
}
EXPORT_SYMBOL_GPL(macvlan_common_newlink);

#define macvlan_common_newlink	kb_drv_macvlan_common_newlink
