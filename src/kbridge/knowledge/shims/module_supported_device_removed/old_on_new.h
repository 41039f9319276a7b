/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MODULE_SUPPORTED_DEVICE() on a kernel that removed it (5.12). It was never
 * implemented: <linux/module.h> defined it as an empty macro ("not yet
 * implemented"), so it added nothing to .modinfo. The same empty macro.
 */
#include <linux/module.h>

#define MODULE_SUPPORTED_DEVICE(name)
