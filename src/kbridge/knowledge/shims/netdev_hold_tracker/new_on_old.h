/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netdev_hold()/netdev_put() and netdevice_tracker on a kernel without the
 * reference tracker (5.10). The newer kernels' helpers (include/linux/netdevice.h,
 * 6.0 .. 7.3) take a reference on a non-NULL device and, only with
 * CONFIG_NET_DEV_REFCNT_TRACKER (a debugging option Debian leaves unset on every
 * series), record it in the tracker; without that option netdevice_tracker is an
 * empty struct (include/net/net_trackers.h) and the helpers are exactly
 * dev_hold()/dev_put() of a non-NULL device. The older kernel's dev_hold()/dev_put()
 * are the same per-CPU reference count, so the shim gives the type the untracked
 * definition (zero bytes: a struct embedding one keeps its layout) and the helpers
 * the untracked bodies.
 */
#ifndef KB_NETDEV_HOLD_TRACKER_SHIM
#define KB_NETDEV_HOLD_TRACKER_SHIM	/* also read by the wrapper of <linux/if_macvlan.h> (rule macvlan_dev_dev_tracker) */
#include <linux/netdevice.h>
#include <linux/build_bug.h>

typedef struct {} netdevice_tracker;
static_assert(sizeof(netdevice_tracker) == 0, "kbridge: netdevice_tracker must take no room");

static inline void netdev_hold(struct net_device *dev, netdevice_tracker *tracker, gfp_t gfp)
{
	if (dev)
		dev_hold(dev);
}

static inline void netdev_put(struct net_device *dev, netdevice_tracker *tracker)
{
	if (dev)
		dev_put(dev);
}
#endif
