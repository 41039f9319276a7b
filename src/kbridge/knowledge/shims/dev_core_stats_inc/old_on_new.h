/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atomic_long_inc/add/read(&dev->rx_dropped) (and tx_dropped, rx_nohandler), as a
 * driver written before 5.18 counts the drops of its device, on a kernel that keeps
 * them per CPU in dev->core_stats (625788b58445 "net: add per-cpu storage and
 * net->core_stats"). The members are the zero-byte ones this rule's wrapper of
 * <linux/netdevice.h> gives struct net_device; their address has a type of its own,
 * and the three accessors pick, by that type (_Generic), what the newer kernel does
 * for the same device:
 *  - inc: dev_core_stats_<field>_inc(dev), the newer kernel's own increment (it
 *    allocates dev->core_stats on first use; safe from any context, as the atomic
 *    increment was);
 *  - add(i): i of those increments (the newer kernel has no add; i is a count of
 *    frames); a negative i counts nothing (the older counter would have gone down:
 *    a limit, named);
 *  - read: the sum over every possible CPU of dev->core_stats, which is what the
 *    newer kernel's dev_get_stats() adds to the device's statistics.
 * Any other pointer goes to the kernel's accessor unchanged. Limits (named): other
 * atomic_long_* operations on these members (set, dec, xchg) do not build.
 */
#include <linux/atomic.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>

#define KB_NETDEV_CORE_STAT(field)						\
static inline struct net_device *kb_netdev_of_##field(const struct kb_netdev_##field *p) \
{										\
	return (struct net_device *)((char *)p - offsetof(struct net_device, field)); \
}										\
static inline void kb_netdev_##field##_inc(struct kb_netdev_##field *p)	\
{										\
	dev_core_stats_##field##_inc(kb_netdev_of_##field(p));			\
}										\
static inline void kb_netdev_##field##_add(long i, struct kb_netdev_##field *p)	\
{										\
	for (; i > 0; i--)							\
		dev_core_stats_##field##_inc(kb_netdev_of_##field(p));		\
}										\
static inline long kb_netdev_##field##_read(const struct kb_netdev_##field *p)	\
{										\
	const struct net_device *dev = kb_netdev_of_##field(p);		\
	struct net_device_core_stats __percpu *s = READ_ONCE(dev->core_stats);	\
	unsigned long sum = 0;							\
	int cpu;								\
										\
	if (s)									\
		for_each_possible_cpu(cpu)					\
			sum += READ_ONCE(per_cpu_ptr(s, cpu)->field);		\
	return (long)sum;							\
}
KB_NETDEV_CORE_STAT(rx_dropped)
KB_NETDEV_CORE_STAT(tx_dropped)
KB_NETDEV_CORE_STAT(rx_nohandler)
#undef KB_NETDEV_CORE_STAT

#if defined(atomic_long_inc) || defined(atomic_long_add) || defined(atomic_long_read)
#error "kbridge: atomic_long_inc/add/read is already a macro; dev_core_stats_inc cannot count the older drop counters"
#endif
#define atomic_long_inc(v)							\
	_Generic((v),								\
		 struct kb_netdev_rx_dropped *: kb_netdev_rx_dropped_inc,	\
		 struct kb_netdev_tx_dropped *: kb_netdev_tx_dropped_inc,	\
		 struct kb_netdev_rx_nohandler *: kb_netdev_rx_nohandler_inc,	\
		 default: atomic_long_inc)(v)
#define atomic_long_add(i, v)							\
	_Generic((v),								\
		 struct kb_netdev_rx_dropped *: kb_netdev_rx_dropped_add,	\
		 struct kb_netdev_tx_dropped *: kb_netdev_tx_dropped_add,	\
		 struct kb_netdev_rx_nohandler *: kb_netdev_rx_nohandler_add,	\
		 default: atomic_long_add)(i, v)
#define atomic_long_read(v)							\
	_Generic((v),								\
		 struct kb_netdev_rx_dropped *: kb_netdev_rx_dropped_read,	\
		 const struct kb_netdev_rx_dropped *: kb_netdev_rx_dropped_read,	\
		 struct kb_netdev_tx_dropped *: kb_netdev_tx_dropped_read,	\
		 const struct kb_netdev_tx_dropped *: kb_netdev_tx_dropped_read,	\
		 struct kb_netdev_rx_nohandler *: kb_netdev_rx_nohandler_read,	\
		 const struct kb_netdev_rx_nohandler *: kb_netdev_rx_nohandler_read,	\
		 default: atomic_long_read)(v)
