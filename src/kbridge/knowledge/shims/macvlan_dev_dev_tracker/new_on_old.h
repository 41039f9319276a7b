/* SPDX-License-Identifier: GPL-2.0 */
/* rule macvlan_dev_dev_tracker, new_on_old: everything is in the wrapper include/linux/if_macvlan.h */
