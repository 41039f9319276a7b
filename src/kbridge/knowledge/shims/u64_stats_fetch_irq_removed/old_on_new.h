/* SPDX-License-Identifier: GPL-2.0 */
/*
 * u64_stats_fetch_begin_irq()/u64_stats_fetch_retry_irq() on a kernel where
 * only the plain variants exist. The _irq variants existed for 32-bit UP
 * kernels, whose reader had to disable interrupts; once every 32-bit kernel
 * used a sequence count (the u64_stats rework of Linux 6.2), upstream
 * removed them as identical to the plain ones ("u64_stat: Remove the
 * obsolete fetch_irq() variants", 6.3). The plain reader is therefore the
 * same read-side protocol: begin returns the sequence, retry says whether a
 * writer intervened.
 */
#include <linux/u64_stats_sync.h>

#define u64_stats_fetch_begin_irq(syncp)	u64_stats_fetch_begin(syncp)
#define u64_stats_fetch_retry_irq(syncp, start)	u64_stats_fetch_retry(syncp, start)
