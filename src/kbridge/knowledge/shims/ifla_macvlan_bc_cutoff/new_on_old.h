/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IFLA_MACVLAN_BC_CUTOFF on a kernel whose uapi <linux/if_link.h> stops at
 * IFLA_MACVLAN_BC_QUEUE_LEN_USED. The newer uapi enum puts it right after
 * that attribute (include/uapi/linux/if_link.h of 6.12), so its value is
 * IFLA_MACVLAN_BC_QUEUE_LEN_USED + 1; IFLA_MACVLAN_MAX becomes that value.
 *
 * Why that is enough: rtnetlink parses a link type's IFLA_INFO_DATA with the
 * type's own rtnl_link_ops.maxtype and .policy (rtnl_newlink /
 * rtnl_changelink of this kernel's net/core/rtnetlink.c), which the driver
 * fills from IFLA_MACVLAN_MAX and its policy array sized IFLA_MACVLAN_MAX + 1,
 * so the older kernel validates and delivers the attribute to the driver as
 * the newer one does, and the driver's fill_info reports it the same way.
 */
#include <linux/build_bug.h>

enum { IFLA_MACVLAN_BC_CUTOFF = IFLA_MACVLAN_BC_QUEUE_LEN_USED + 1 };
static_assert((int)IFLA_MACVLAN_BC_CUTOFF == (int)__IFLA_MACVLAN_MAX,
	      "kbridge: this kernel's uapi has macvlan attributes after IFLA_MACVLAN_BC_QUEUE_LEN_USED; "
	      "IFLA_MACVLAN_BC_CUTOFF would not have its uapi value here");
#undef IFLA_MACVLAN_MAX
#define IFLA_MACVLAN_MAX	IFLA_MACVLAN_BC_CUTOFF
