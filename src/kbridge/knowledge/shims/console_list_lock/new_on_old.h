/* SPDX-License-Identifier: GPL-2.0 */
/*
 * console_list_lock()/console_list_unlock() on a kernel without them.
 * Documented behaviour: they serialize walks and changes of the registered
 * console list (for_each_console() requires the lock). On this kernel the
 * lock that protects the console list -- the one its for_each_console()
 * documentation asks for, and the one register_console() and
 * unregister_console() change console_drivers under -- is console_lock(), so
 * the shim takes that one.
 */
#include <linux/console.h>

static inline void kb_console_list_lock(void)
{
	console_lock();
}

static inline void kb_console_list_unlock(void)
{
	console_unlock();
}

#define console_list_lock()	kb_console_list_lock()
#define console_list_unlock()	kb_console_list_unlock()
