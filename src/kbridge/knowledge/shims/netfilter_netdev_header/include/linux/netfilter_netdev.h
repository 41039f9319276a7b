/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <linux/netfilter_netdev.h> on a kernel that has no such header (before
 * 5.16): there a net device's netfilter hook is the ingress one, declared by
 * <linux/netfilter_ingress.h>, the header 5.16 renamed to this one when it
 * added the egress hook (42df6e1d221d "netfilter: Introduce egress hook").
 * nf_skip_egress() marks a packet to skip the egress hook; a kernel without
 * that hook has nothing to skip, which is what the newer kernel's own
 * nf_skip_egress() does when built without CONFIG_NETFILTER_EGRESS (an empty
 * inline). nf_hook_egress() itself is not provided: a driver that runs the
 * egress hook cannot get one from an older kernel. On a kernel that has the
 * real header this wrapper forwards to it (and stops if the build-time probe
 * disagrees with the compiler, which means a stale compat/kb_config.h).
 */
#include "kb_config.h"
#ifdef KB_HAVE_NETFILTER_NETDEV_HEADER
#include_next <linux/netfilter_netdev.h>
#else
#if __has_include_next(<linux/netfilter_netdev.h>)
#error "kbridge: this kernel has <linux/netfilter_netdev.h> but compat/kb_config.h says it has not; run make clean"
#endif
#ifndef KB_NETFILTER_NETDEV_H
#define KB_NETFILTER_NETDEV_H
#include <linux/netfilter_ingress.h>
#include <linux/skbuff.h>

static inline void kb_nf_skip_egress(struct sk_buff *skb, bool skip)
{
}
#define nf_skip_egress(skb, skip)	kb_nf_skip_egress(skb, skip)
#endif
#endif
