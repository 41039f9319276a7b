/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WQ_PERCPU (930c2ea566af "workqueue: Add new WQ_PERCPU flag") on a kernel
 * without it: there a workqueue allocated without WQ_UNBOUND is per-CPU, so
 * the explicit flag is no bit at all -- alloc_workqueue() then makes the same
 * per-CPU workqueue the newer kernel makes for WQ_PERCPU. Debian's 6.12 declares
 * the enumerator (1 << 8) but its alloc_workqueue() never reads it -- except to
 * refuse it beside WQ_BH (__WQ_BH_ALLOWS), which the newer kernel accepts: there
 * too it is made no bit.
 */
#include <linux/workqueue.h>

#define WQ_PERCPU	0
