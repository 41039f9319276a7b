/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WQ_PERCPU (930c2ea566af "workqueue: Add new WQ_PERCPU flag") on a kernel
 * without it: there a workqueue allocated without WQ_UNBOUND is per-CPU, so
 * the explicit flag is no bit at all -- alloc_workqueue() then makes the same
 * per-CPU workqueue the newer kernel makes for WQ_PERCPU.
 */
#include <linux/workqueue.h>

#define WQ_PERCPU	0
