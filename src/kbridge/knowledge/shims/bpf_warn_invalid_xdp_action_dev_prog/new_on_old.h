/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpf_warn_invalid_xdp_action(dev, prog, act) -- 5.17 (2cbad989033b) -- on a
 * kernel whose function takes only the verdict. The newer function prints
 * one warning per boot naming the verdict, the program and the device; the
 * shim prints the same text once (printk_once: once per module here, once
 * for all callers in the kernel), without the calling driver's pr_fmt, as
 * net/core/filter.c has none.
 */
#include <linux/filter.h>
#include <linux/printk.h>

static inline void kb_bpf_warn_invalid_xdp_action(const struct net_device *dev,
						  const struct bpf_prog *prog, u32 act)
{
	const u32 act_max = XDP_REDIRECT;

	printk_once(KERN_WARNING "%s XDP return value %u on prog %s (id %d) dev %s, expect packet loss!\n",
		    act > act_max ? "Illegal" : "Driver unsupported",
		    act, prog->aux->name, prog->aux->id, dev ? dev->name : "N/A");
}

#undef bpf_warn_invalid_xdp_action
#define bpf_warn_invalid_xdp_action kb_bpf_warn_invalid_xdp_action
