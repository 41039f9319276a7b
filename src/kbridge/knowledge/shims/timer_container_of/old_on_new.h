/* SPDX-License-Identifier: GPL-2.0 */
/*
 * from_timer() on a kernel that names it timer_container_of(): Linux 6.16
 * renamed the macro without changing it. Both kernels define it as
 * container_of(callback_timer, typeof(*var), timer_fieldname): the pointer of
 * the structure embedding the timer.
 */
#include <linux/timer.h>

#ifndef from_timer
#define from_timer(var, callback_timer, timer_fieldname)	\
	container_of(callback_timer, typeof(*var), timer_fieldname)
#endif
