/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NETIF_F_LLTX (a netdev feature bit until Linux 6.11) on a kernel where a
 * lockless-transmit device sets dev->lltx instead (6.12: HARD_TX_LOCK() and
 * netif_tx_lock paths test dev->lltx; the feature bit, and the "tx-lockless"
 * ethtool feature, are gone).
 *
 * A 6.1 driver puts NETIF_F_LLTX in its feature masks: in setup or ndo_init
 * (dev->features |= ...), and typically again in ndo_fix_features (macvlan's
 * ALWAYS_ON_FEATURES). Here NETIF_F_LLTX is the bit 6.12 left unused when it
 * dropped the feature (__UNUSED_NETIF_F_12; static_assert below), so the
 * driver's masks keep it, and it is converted wherever the driver hands
 * features to the kernel:
 *
 *  - register_netdevice() -- for devices the driver registers and for those
 *    the rtnetlink core creates for a link type without .newlink -- calls
 *    NETDEV_POST_INIT after the driver's setup and ndo_init, before the
 *    features are settled and before the device is visible: a netdevice
 *    notifier of the module (registered before the module's init runs,
 *    unregistered after its exit: module_init/module_exit below) turns a
 *    NETIF_F_LLTX in dev->features into dev->lltx = true and removes the bit
 *    from every feature mask of the device (features, hw_features,
 *    wanted_features, vlan_features, hw_enc_features, mpls_features,
 *    gso_partial_features), so the 6.12 core, ethtool and upper devices never
 *    see an unknown bit (no other code sets bit 12, so it acts on any device);
 *  - ndo_fix_features: the driver's table stays the one the kernel sees
 *    (dev->netdev_ops == &drv_ops); the wrapper of <linux/netdevice.h>
 *    appends kb_drv_fix_features to the driver's view of struct
 *    net_device_ops, and the designator macro below makes `.ndo_fix_features
 *    = fn` put a trampoline in the kernel's slot and fn there: the driver
 *    gets the features as 6.1 would give them (NETIF_F_LLTX included while
 *    dev->lltx is set), dev->lltx follows the driver's answer, and the kernel
 *    gets the answer without the bit -- the core applies it as 6.1 applied
 *    the feature.
 *
 * Limits (named, not hidden): a driver reading NETIF_F_LLTX back from
 * dev->features sees it cleared after registration; NETIF_F_LLTX set after
 * registration outside ndo_fix_features is not converted; driver code reading
 * `ops->ndo_fix_features` by name does not build (loudly); the module's
 * module_init must be in a file that includes <linux/netdevice.h> (modpost
 * stops the build otherwise: kb_netdev_old_notifier undefined).
 */
#include <linux/build_bug.h>
#include <linux/container_of.h>
#include <linux/netdevice.h>	/* the layer applies it after this header; inline may not */
#include <linux/netdev_features.h>
#include <linux/printk.h>
#include <linux/spinlock.h>

/*
 * 6.1's NETIF_F_LLTX_BIT was 12. 6.12 defines all 64 bits of netdev_features_t
 * (NETDEV_FEATURE_COUNT == 64) but keeps the freed ones as placeholders
 * (__UNUSED_NETIF_F_12, 13 and 37; no ethtool feature name): the old bit is
 * one the kernel gives no meaning. A kernel that reuses it drops the
 * placeholder, and this stops the build.
 */
#define KB_LLTX_FEATURE_BIT	__UNUSED_NETIF_F_12
static_assert(__UNUSED_NETIF_F_12 == 12 && __UNUSED_NETIF_F_12 < NETDEV_FEATURE_COUNT,
	      "kbridge: netdev feature bit 12 is not this kernel's unused placeholder; "
	      "netdev_lltx's old_on_new shim needs a bit the kernel does not use");
/* not renamed by the inline strategy: drivers use it in macro bodies */
#define NETIF_F_LLTX		__NETIF_F_BIT(KB_LLTX_FEATURE_BIT)

/* every mask a driver fills that the kernel reads as netdev features */
static inline void kb_lltx_from_features(struct net_device *dev)
{
	if (dev->features & NETIF_F_LLTX)
		dev->lltx = true;
	dev->features &= ~NETIF_F_LLTX;
	dev->hw_features &= ~NETIF_F_LLTX;
	dev->wanted_features &= ~NETIF_F_LLTX;
	dev->vlan_features &= ~NETIF_F_LLTX;
	dev->hw_enc_features &= ~NETIF_F_LLTX;
	dev->mpls_features &= ~NETIF_F_LLTX;
	dev->gso_partial_features &= ~NETIF_F_LLTX;
}

static inline netdev_features_t kb_lltx_ndo_fix_features(struct net_device *dev,
							 netdev_features_t features)
{
	if (dev->lltx)
		features |= NETIF_F_LLTX;
	features = dev->netdev_ops->kb_drv_fix_features(dev, features);
	if (dev->lltx != !!(features & NETIF_F_LLTX))
		dev->lltx = !!(features & NETIF_F_LLTX);
	return features & ~NETIF_F_LLTX;
}

/*
 * The module's netdevice notifier, shared with netdev_change_proto_down's
 * old_on_new shim (the rules need each other; whichever shim comes first,
 * each fills its own slot macro, and the notifier -- defined where the driver
 * writes module_init, after both -- runs both).
 */
#ifndef KB_NETDEV_OLD_NOTIFIER
#define KB_NETDEV_OLD_NOTIFIER
#include <linux/module.h>
#include <linux/init.h>
#include <linux/notifier.h>
#ifndef KB_NETDEV_POST_INIT_PROTO_DOWN
#define KB_NETDEV_POST_INIT_PROTO_DOWN(dev)	do { } while (0)
#endif
#ifndef KB_NETDEV_POST_INIT_LLTX
#define KB_NETDEV_POST_INIT_LLTX(dev)		do { } while (0)
#endif
/* rule ndo_change_proto_down_removed's old_on_new (.ndo_change_proto_down in the driver's table) */
#ifndef KB_NETDEV_POST_INIT_NDO_PROTO_DOWN
#define KB_NETDEV_POST_INIT_NDO_PROTO_DOWN(dev)	do { } while (0)
#endif
/* every file refers to it: a module_init in a file without this shim fails to link */
extern struct notifier_block kb_netdev_old_notifier;
static struct notifier_block *const kb_netdev_old_ref __used = &kb_netdev_old_notifier;

/* what the kernel's own module_init/module_exit add after the alias: 6.1 and later
 * keep init_module/cleanup_module addressable (___ADDRESSABLE(sym, section)); 5.10's
 * have no such line (and no two-argument ___ADDRESSABLE) */
#ifndef KB_MODULE_ADDRESSABLE
#ifdef ___ADDRESSABLE
#define KB_MODULE_ADDRESSABLE(sym, attrs)	___ADDRESSABLE(sym, attrs);
#else
#define KB_MODULE_ADDRESSABLE(sym, attrs)
#endif
#endif
#define KB_NETDEV_OLD_MODULE_INIT(initfn)					\
	static int kb_netdev_old_event(struct notifier_block *nb, unsigned long event, void *ptr) \
	{									\
		struct net_device *kb_dev_ = netdev_notifier_info_to_dev(ptr);	\
										\
		if (event == NETDEV_POST_INIT) {				\
			KB_NETDEV_POST_INIT_LLTX(kb_dev_);			\
			KB_NETDEV_POST_INIT_PROTO_DOWN(kb_dev_);		\
			KB_NETDEV_POST_INIT_NDO_PROTO_DOWN(kb_dev_);		\
		}								\
		return NOTIFY_DONE;						\
	}									\
	struct notifier_block kb_netdev_old_notifier = {			\
		.notifier_call = kb_netdev_old_event,				\
	};									\
	static int __init kb_netdev_old_module_init(void)			\
	{									\
		int kb_err_ = register_netdevice_notifier(&kb_netdev_old_notifier); \
										\
		if (kb_err_)							\
			return kb_err_;						\
		kb_err_ = initfn();						\
		if (kb_err_)							\
			unregister_netdevice_notifier(&kb_netdev_old_notifier);	\
		return kb_err_;							\
	}									\
	static inline initcall_t __maybe_unused __inittest(void)		\
	{ return initfn; }							\
	int init_module(void) __copy(kb_netdev_old_module_init)			\
		__attribute__((alias("kb_netdev_old_module_init")));		\
	KB_MODULE_ADDRESSABLE(init_module, __initdata)
#define KB_NETDEV_OLD_MODULE_EXIT(exitfn)					\
	static void __exit kb_netdev_old_module_exit(void)			\
	{									\
		exitfn();							\
		unregister_netdevice_notifier(&kb_netdev_old_notifier);		\
	}									\
	static inline exitcall_t __maybe_unused __exittest(void)		\
	{ return exitfn; }							\
	void cleanup_module(void) __copy(kb_netdev_old_module_exit)		\
		__attribute__((alias("kb_netdev_old_module_exit")));		\
	KB_MODULE_ADDRESSABLE(cleanup_module, __exitdata)
#ifdef MODULE
#undef module_init
#undef module_exit
#define module_init	KB_NETDEV_OLD_MODULE_INIT
#define module_exit	KB_NETDEV_OLD_MODULE_EXIT
#endif
#endif
#undef KB_NETDEV_POST_INIT_LLTX
#define KB_NETDEV_POST_INIT_LLTX(dev)	kb_lltx_from_features(dev)

/* the designator macro (last: the code above uses the member's name) */
#ifdef ndo_fix_features
#error "kbridge: ndo_fix_features is already a macro; netdev_lltx cannot fill the driver's tables"
#endif
#define ndo_fix_features	ndo_fix_features = kb_lltx_ndo_fix_features, .kb_drv_fix_features
