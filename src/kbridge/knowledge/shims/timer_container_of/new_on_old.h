/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timer_container_of() on a kernel that names it from_timer(): Linux 6.16
 * renamed the macro without changing it. Both kernels define it as
 * container_of(callback_timer, typeof(*var), timer_fieldname): the pointer of
 * the structure embedding the timer.
 */
#include <linux/timer.h>

#ifndef timer_container_of
#define timer_container_of(var, callback_timer, timer_fieldname)	\
	container_of(callback_timer, typeof(*var), timer_fieldname)
#endif
