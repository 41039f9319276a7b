/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DEFINE_SIMPLE_DEV_PM_OPS() as 5.19 and later define it (52cc1d7f9786): the
 * dev_pm_ops object without a storage class of its own, so the newer driver's
 * `static DEFINE_SIMPLE_DEV_PM_OPS(...)` compiles and keeps its linkage. The
 * initializer is this kernel's own: its SYSTEM_SLEEP_PM_OPS, runtime callbacks
 * left NULL as the newer macro's RUNTIME_PM_OPS(NULL, NULL, NULL) leaves them.
 */
#include <linux/pm.h>

#undef DEFINE_SIMPLE_DEV_PM_OPS
#define DEFINE_SIMPLE_DEV_PM_OPS(name, suspend_fn, resume_fn)		\
const struct dev_pm_ops name = {					\
	SYSTEM_SLEEP_PM_OPS(suspend_fn, resume_fn)			\
}
