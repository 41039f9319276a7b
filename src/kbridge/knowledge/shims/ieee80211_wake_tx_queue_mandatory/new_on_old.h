/* SPDX-License-Identifier: GPL-2.0 */
/*
 * .wake_tx_queue = ieee80211_handle_wake_tx_queue (a driver written for Linux 6.2+,
 * where mac80211 needs a wake_tx_queue in every table and offers its own handler)
 * on a kernel without that handler (up to 6.1).
 *
 * The handler is the newer core's default for a driver with no TX scheduler of its
 * own: it dequeues the internal queues and hands each frame to the driver's ->tx()
 * with the station as control. Up to 6.1 the same driver, without .wake_tx_queue,
 * had the core push each frame to the same ->tx() with the same control (upstream
 * turned exactly those tables into ieee80211_handle_wake_tx_queue ones when the push
 * path went, a790cc3a4fad). So the name is a null pointer here: the driver's slot is
 * NULL and this kernel pushes, as it did for that driver. A driver that calls the
 * handler from its own code does not build (a call of a null pointer constant is an
 * error): it is not bridged, never called through NULL.
 */
#include <net/mac80211.h>

#ifdef ieee80211_handle_wake_tx_queue
#error "kbridge: ieee80211_handle_wake_tx_queue is already a macro"
#endif
#define ieee80211_handle_wake_tx_queue	((void *)0)
