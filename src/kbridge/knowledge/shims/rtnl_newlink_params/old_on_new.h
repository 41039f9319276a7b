/* SPDX-License-Identifier: GPL-2.0 */
/* rule rtnl_newlink_params, old_on_new: everything is in the wrapper include/net/rtnetlink.h */
