/* SPDX-License-Identifier: GPL-2.0 */
/*
 * console_force_preferred_locked(con) on a kernel without it (added in 6.2,
 * kernel/printk/printk.c). Its behaviour there: with the console list locked,
 * a registered console that is not already the head is unlinked and put back
 * at the head of the list, gets CON_CONSDEV, and the previous head loses it;
 * nothing else about the console changes (it is never unregistered: no
 * ->exit, no second ->setup, its flags and its position in the log, con->seq,
 * stay), and WARN_ON(!con->device). An unregistered console, or the head
 * itself, is left alone.
 *
 * This kernel keeps its consoles in the singly linked console_drivers list,
 * which register_console() and unregister_console() change under
 * console_lock() -- the lock console_list_lock() takes here (rule
 * console_list_lock). So the shim makes the same list change the newer kernel
 * makes, under the same lock, by hand.
 */
#include <linux/bug.h>		/* WARN_ON: 5.10's console.h does not bring it */
#include <linux/console.h>

static inline void kb_console_force_preferred_locked(struct console *con)
{
	struct console **link, *head = console_drivers;

	/* already preferred (or no console at all): left alone, as the newer kernel does */
	if (!head || head == con)
		return;
	for (link = &console_drivers; *link; link = &(*link)->next)
		if (*link == con)
			break;
	if (!*link)
		return;		/* not registered: left alone */
	*link = con->next;
	con->next = console_drivers;
	console_drivers = con;
	con->flags |= CON_CONSDEV;
	WARN_ON(!con->device);
	/* only the new head has CON_CONSDEV */
	head->flags &= ~CON_CONSDEV;
}

#define console_force_preferred_locked(con)	kb_console_force_preferred_locked(con)
