/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct vlan_pcpu_stats with u64_stats_t counters (a newer driver) on a kernel
 * whose struct has plain u64 ones (5.10): the work is done by this rule's
 * wrapper of <linux/if_vlan.h> (include/linux/if_vlan.h), which, after the
 * kernel's header, lets u64_stats_read/add/inc also take a u64 * -- the
 * kernel's struct is left exactly as it is -- and finds this file to know the
 * direction. Nothing more is needed after the header.
 */
#include <linux/if_vlan.h>
