/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An older driver's alloc_workqueue() on a kernel with WQ_PERCPU (930c2ea566af
 * "workqueue: Add new WQ_PERCPU flag"): there one of WQ_PERCPU and WQ_UNBOUND is
 * expected, and flags with neither make __alloc_workqueue() warn once ("using
 * neither WQ_PERCPU or WQ_UNBOUND. Setting WQ_PERCPU.", 7.3 kernel/workqueue.c)
 * before it sets WQ_PERCPU itself. The older kernel's workqueue without WQ_UNBOUND
 * is per-CPU, so the driver's flags mean WQ_PERCPU: the shim adds it where neither
 * is given -- the workqueue the newer kernel makes anyway, without a warning its
 * own kernel never gave (a WARN taints the kernel; a guest run fails on it). Flags
 * that name WQ_UNBOUND (alloc_ordered_workqueue's) or WQ_PERCPU pass unchanged; the
 * kernel's own macros that call alloc_workqueue() (create_workqueue, ...) already
 * name one of them there. Both spellings of the call: the allocation-profiling macro
 * over alloc_workqueue_noprof() (the kernels with WQ_PERCPU), else the function,
 * called by its parenthesized name so that it is not this macro again.
 */
#include <linux/workqueue.h>

static inline unsigned int kb_wq_percpu_default(unsigned int flags)
{
	return flags & (WQ_UNBOUND | WQ_PERCPU) ? flags : flags | WQ_PERCPU;
}

#ifdef alloc_workqueue
#undef alloc_workqueue
#define alloc_workqueue(fmt, flags, ...) \
	alloc_hooks(alloc_workqueue_noprof(fmt, kb_wq_percpu_default(flags), ##__VA_ARGS__))
#else
#define alloc_workqueue(fmt, flags, ...) \
	(alloc_workqueue)(fmt, kb_wq_percpu_default(flags), ##__VA_ARGS__)
#endif
