/* SPDX-License-Identifier: GPL-2.0 */
/* rule rtnl_newlink_params, new_on_old: everything is in the wrapper include/net/rtnetlink.h */
