/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct macvlan_dev.dev_tracker for a newer macvlan on a kernel whose struct
 * lacks it: the work is done by this rule's wrapper of <linux/if_macvlan.h>
 * (include/linux/if_macvlan.h), which adds the zero-byte member after
 * set_features while the kernel's header is read (every kernel member keeps its
 * offset, static_asserts and the ABI check say so) and finds this file to know
 * the direction. Nothing more is needed after the header.
 */
