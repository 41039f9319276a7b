/* SPDX-License-Identifier: GPL-2.0 */
/*
 * console_list_lock()/console_list_unlock() on a kernel without them.
 * Documented behaviour: they serialize walks and changes of the registered
 * console list (for_each_console() requires the lock). On this kernel the
 * lock that protects the console list -- the one its for_each_console()
 * documentation asks for -- is console_lock(), so the shim takes that one.
 *
 * console_force_preferred_locked() (rule console_force_preferred_locked)
 * cannot re-register a console while console_lock is held on this kernel,
 * so it only records the console; console_list_unlock() finishes the job
 * once the lock is dropped. The record is per compilation unit (static):
 * the driver calls both under one lock, in one function.
 */
#include <linux/console.h>

static struct console *kb_console_force_preferred_pending __maybe_unused;

static inline void kb_console_force_preferred_finish(void);

static inline void kb_console_list_lock(void)
{
	console_lock();
}

static inline void kb_console_list_unlock(void)
{
	console_unlock();
	kb_console_force_preferred_finish();
}

#define console_list_lock()	kb_console_list_lock()
#define console_list_unlock()	kb_console_list_unlock()

/* the part of console_force_preferred_locked() that runs after the unlock */
static inline void kb_console_force_preferred_finish(void)
{
	struct console *con = kb_console_force_preferred_pending;
	short flags;

	if (!con)
		return;
	kb_console_force_preferred_pending = NULL;
	flags = con->flags;
	/*
	 * This kernel's way of making a registered console the preferred
	 * one: register it again with CON_CONSDEV, which puts it at the head
	 * of the list and clears CON_CONSDEV on the previous head.
	 */
	if (unregister_console(con))
		return;		/* unregistered meanwhile: nothing to prefer */
	/*
	 * unregister_console() cleared CON_ENABLED, and register_console()
	 * only takes a console back that a console= entry names or that
	 * comes enabled (as netconsole does): set it again, or any console
	 * not named on the command line would be dropped instead of
	 * preferred. Without CON_PRINTBUFFER so the log is not replayed on
	 * it; the newer kernel changes no flag but CON_CONSDEV, so
	 * CON_PRINTBUFFER and a stopped console's state are restored after.
	 */
	con->flags |= CON_CONSDEV | CON_ENABLED;
	con->flags &= ~CON_PRINTBUFFER;
	register_console(con);
	if (flags & CON_PRINTBUFFER) {
		console_lock();
		con->flags |= CON_PRINTBUFFER;
		console_unlock();
	}
	if (!(flags & CON_ENABLED))
		console_stop(con);
}
