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
#include <linux/if_link.h>
#include "kb_config.h"

/*
 * 5.10's uapi stops at IFLA_MACVLAN_MACADDR_COUNT: the two attributes 5.11 put after it
 * (IFLA_MACVLAN_BC_QUEUE_LEN, _USED) get their uapi values from macvlan_bc_queue_len's
 * shim first (this rule needs it), so this one follows them at its own uapi value,
 * IFLA_MACVLAN_MACADDR_COUNT + 3 -- the number iproute2 sends. The older core does what
 * it does with any link type's IFLA_INFO_DATA: parses it with the driver's own maxtype
 * and policy (5.10 rtnl_newlink / rtnl_changelink, liberal parsing) and hands it to the
 * driver, so the bridged driver honours the attribute as it does on the newer kernel;
 * 5.10's own macvlan, whose maxtype stops below it, ignores it (that difference is the
 * drivers', not the kernels').
 */
#if !defined(KB_ANCHOR_IFLA_MACVLAN_BC_QUEUE_LEN_USED) && defined(KB_ANCHOR_IFLA_MACVLAN_MACADDR_COUNT)
#include "rules/macvlan_bc_queue_len/new_on_old.h"
/* the kernel's enum ends after IFLA_MACVLAN_MACADDR_COUNT; the two above follow it */
#define KB_BC_CUTOFF_KERNEL_END		((int)__IFLA_MACVLAN_MAX + 2)
#else
#define KB_BC_CUTOFF_KERNEL_END		((int)__IFLA_MACVLAN_MAX)
#endif

enum { IFLA_MACVLAN_BC_CUTOFF = IFLA_MACVLAN_BC_QUEUE_LEN_USED + 1 };
static_assert((int)IFLA_MACVLAN_BC_CUTOFF == KB_BC_CUTOFF_KERNEL_END,
	      "kbridge: this kernel's uapi has macvlan attributes after IFLA_MACVLAN_BC_QUEUE_LEN_USED; "
	      "IFLA_MACVLAN_BC_CUTOFF would not have its uapi value here");
#undef IFLA_MACVLAN_MAX
#define IFLA_MACVLAN_MAX	IFLA_MACVLAN_BC_CUTOFF
