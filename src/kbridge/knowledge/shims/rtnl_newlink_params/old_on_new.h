/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtnl_link_ops.newlink across 6.15's rtnl_newlink_params rework (old_on_new): the
 * work is done by this rule's wrapper of <net/rtnetlink.h>
 * (include/net/rtnetlink.h), which renames the kernel's newlink slot in place
 * (same offset and type: the layer's trampoline of the kernel's type goes there),
 * appends the driver's own callback after the kernel's last member, and finds
 * this file to know the direction. Nothing more is needed after the header.
 */
