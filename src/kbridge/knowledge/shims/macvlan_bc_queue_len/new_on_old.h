/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IFLA_MACVLAN_BC_QUEUE_LEN and IFLA_MACVLAN_BC_QUEUE_LEN_USED on a kernel whose
 * uapi <linux/if_link.h> stops at IFLA_MACVLAN_MACADDR_COUNT (5.10). The newer
 * uapi enum puts them right after it (5.11's d4bff72c8401), so their values are
 * IFLA_MACVLAN_MACADDR_COUNT + 1 and + 2 -- the numbers iproute2 sends -- and
 * IFLA_MACVLAN_MAX becomes the second.
 *
 * Why that is enough: rtnetlink parses a link type's IFLA_INFO_DATA with the
 * type's own rtnl_link_ops.maxtype and .policy (5.10's __rtnl_newlink and
 * rtnl_changelink path; maxtype up to RTNL_MAX_TYPE), which the driver fills
 * from IFLA_MACVLAN_MAX and its policy array sized IFLA_MACVLAN_MAX + 1, so the
 * older core validates and delivers the attributes to the driver as the newer
 * one does; the driver's get_size/fill_info report them itself.
 */
#ifndef KB_MACVLAN_BC_QUEUE_LEN_SHIM
#define KB_MACVLAN_BC_QUEUE_LEN_SHIM
#include <linux/if_link.h>
#include <linux/build_bug.h>

enum {
	IFLA_MACVLAN_BC_QUEUE_LEN = IFLA_MACVLAN_MACADDR_COUNT + 1,
	IFLA_MACVLAN_BC_QUEUE_LEN_USED,
};
static_assert((int)IFLA_MACVLAN_BC_QUEUE_LEN == (int)__IFLA_MACVLAN_MAX,
	      "kbridge: this kernel's uapi has macvlan attributes after IFLA_MACVLAN_MACADDR_COUNT; "
	      "IFLA_MACVLAN_BC_QUEUE_LEN would not have its uapi value here");
#undef IFLA_MACVLAN_MAX
#define IFLA_MACVLAN_MAX	IFLA_MACVLAN_BC_QUEUE_LEN_USED
#endif
