/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct vlan_pcpu_stats with plain u64 counters (an older driver: ++, += and
 * plain reads under u64_stats_update_begin / u64_stats_fetch_begin) on a
 * kernel whose struct has u64_stats_t ones: the work is done by this rule's
 * wrapper of <linux/if_vlan.h> (include/linux/if_vlan.h), which spells the
 * five members u64 while the kernel's header is read (same offsets, sizes and
 * alignment: static_asserts there, and the ABI check against the kernel's BTF)
 * and lets the kernel's own inlines' u64_stats_* calls take them. It finds
 * this file to know the direction. Nothing more is needed after the header.
 */
#include <linux/if_vlan.h>
