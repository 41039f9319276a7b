/* SPDX-License-Identifier: GPL-2.0 */
/*
 * console_force_preferred_locked(con) on a kernel without it. Documented
 * behaviour: with the console list locked, make the registered console
 * *con* the preferred one (head of the list, CON_CONSDEV), without printing
 * the log on it again; an unregistered console is left alone.
 *
 * This kernel changes the preferred console by unregistering and
 * registering it, which takes the console lock itself; so under
 * console_list_lock() (console_lock() here, rule console_list_lock) the shim
 * records the console and console_list_unlock() does the re-registration
 * right after dropping the lock -- the sequence this kernel's own drivers
 * use, keeping the console enabled across it. A console that is not
 * registered (unregister_console() would clear its CON_ENABLED) or is
 * already the head is left alone, as the newer kernel does.
 */
#include <linux/console.h>

static inline void kb_console_force_preferred_locked(struct console *con)
{
	struct console *c, *head = NULL;

	/* under console_lock(), as this kernel's for_each_console() asks */
	for_each_console(c) {
		if (!head)
			head = c;
		if (c == con)
			break;
	}
	/* not registered, or already preferred: left alone, as the newer kernel does */
	if (!c || c == head)
		return;
	kb_console_force_preferred_pending = con;
}

#define console_force_preferred_locked(con)	kb_console_force_preferred_locked(con)
