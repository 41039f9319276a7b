/* SPDX-License-Identifier: GPL-2.0 */
/*
 * class_create(owner, name) of a driver written for kernels before 6.4 on a
 * kernel whose class_create(name) takes no owner (1aaba11da9aa): the older
 * core only stored owner in struct class, where nothing read it, so the call
 * is class_create(name). A function-like macro of the function's own name:
 * the name inside its expansion is the kernel's function.
 */
#include <linux/device/class.h>

#define class_create(owner, name)	class_create(name)
