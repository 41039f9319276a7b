/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpf_warn_invalid_xdp_action(act) -- the form before 5.17 -- on a kernel
 * whose function also takes the device and the program (and dereferences
 * the program, which the old caller does not give). The older function
 * printed one warning per boot with the verdict only; the shim prints that
 * text once (printk_once, once per module), without the driver's pr_fmt.
 */
#include <linux/filter.h>
#include <linux/printk.h>

static inline void kb_bpf_warn_invalid_xdp_action(u32 act)
{
	const u32 act_max = XDP_REDIRECT;

	printk_once(KERN_WARNING "%s XDP return value %u, expect packet loss!\n",
		    act > act_max ? "Illegal" : "Driver unsupported", act);
}

#undef bpf_warn_invalid_xdp_action
#define bpf_warn_invalid_xdp_action kb_bpf_warn_invalid_xdp_action
