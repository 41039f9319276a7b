/* SPDX-License-Identifier: GPL-2.0 */
/*
 * system_dfl_wq and system_percpu_wq (128ea9f6ccfb "workqueue: Add system_percpu_wq and
 * system_dfl_wq") on a kernel that has only their predecessors: the newer kernel's
 * system_dfl_wq is the unbound system workqueue ("events_unbound", WQ_UNBOUND), the older
 * system_unbound_wq; its system_percpu_wq the per-CPU one schedule_work() uses ("events"),
 * the older system_wq. Same workers, same flush and cancel semantics.
 */
#include <linux/workqueue.h>

#define system_dfl_wq		system_unbound_wq
#define system_percpu_wq	system_wq
