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
 * driver's masks keep it, and it is converted wherever the driver hands features to
 * the kernel:
 *
 *  - register_netdevice()/register_netdev(): after the driver's setup, a
 *    NETIF_F_LLTX in dev->features becomes dev->lltx = true, and the bit is
 *    removed from every feature mask of the device (features, hw_features,
 *    wanted_features, vlan_features, hw_enc_features, mpls_features,
 *    gso_partial_features), so the 6.12 core, ethtool and upper devices never
 *    see an unknown bit;
 *  - the driver's net_device_ops is static const, so at registration
 *    dev->netdev_ops is replaced by a box -- static storage in the module,
 *    one per distinct driver ops, nothing to free -- holding a copy of the
 *    driver's ops whose ndo_init and ndo_fix_features are trampolines:
 *    ndo_init converts as above once the driver's init has run (macvlan sets
 *    its features there); ndo_fix_features gives the driver the features as
 *    6.1 would (NETIF_F_LLTX included while dev->lltx is set), then sets
 *    dev->lltx from the driver's answer and returns it without the bit -- the
 *    core applies the result as 6.1 applied the feature.
 *
 * Limits (named, not hidden): a driver reading NETIF_F_LLTX back from
 * dev->features sees it cleared after registration; a driver comparing
 * dev->netdev_ops with its own ops (`dev->netdev_ops == &x_ops`) sees the box
 * (macvlan does neither); ops assigned after registration are not boxed.
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

struct kb_lltx_ops_box {
	struct net_device_ops ops;		/* what the kernel calls */
	const struct net_device_ops *driver;	/* the driver's own ops */
};

static inline const struct net_device_ops *kb_lltx_driver_ops(const struct net_device *dev)
{
	return container_of(dev->netdev_ops, struct kb_lltx_ops_box, ops)->driver;
}

static inline int kb_lltx_ndo_init(struct net_device *dev)
{
	int err = kb_lltx_driver_ops(dev)->ndo_init(dev);

	kb_lltx_from_features(dev);
	return err;
}

static inline netdev_features_t kb_lltx_ndo_fix_features(struct net_device *dev,
							 netdev_features_t features)
{
	if (dev->lltx)
		features |= NETIF_F_LLTX;
	features = kb_lltx_driver_ops(dev)->ndo_fix_features(dev, features);
	if (dev->lltx != !!(features & NETIF_F_LLTX))
		dev->lltx = !!(features & NETIF_F_LLTX);
	return features & ~NETIF_F_LLTX;
}

#define KB_LLTX_OPS_BOXES	8

static inline int kb_lltx_box_ops(struct net_device *dev)
{
	static struct kb_lltx_ops_box boxes[KB_LLTX_OPS_BOXES];
	static DEFINE_SPINLOCK(lock);
	const struct net_device_ops *ops = dev->netdev_ops;
	int i, err = -ENOSPC;

	if (!ops || !(ops->ndo_init || ops->ndo_fix_features))
		return 0;
	spin_lock(&lock);
	for (i = 0; i < KB_LLTX_OPS_BOXES; i++) {
		struct kb_lltx_ops_box *box = &boxes[i];

		if (ops == &box->ops || ops == box->driver) {	/* boxed already */
			dev->netdev_ops = &box->ops;
			err = 0;
			break;
		}
		if (!box->driver) {
			box->ops = *ops;
			if (ops->ndo_init)
				box->ops.ndo_init = kb_lltx_ndo_init;
			if (ops->ndo_fix_features)
				box->ops.ndo_fix_features = kb_lltx_ndo_fix_features;
			box->driver = ops;
			dev->netdev_ops = &box->ops;
			err = 0;
			break;
		}
	}
	spin_unlock(&lock);
	if (err)
		pr_err("kbridge netdev_lltx: more than %d distinct net_device_ops; %s not registered\n",
		       KB_LLTX_OPS_BOXES, dev->name);
	return err;
}

static inline int kb_lltx_pre_register(struct net_device *dev)
{
	kb_lltx_from_features(dev);
	return kb_lltx_box_ops(dev);
}

/*
 * The registration hook, shared with netdev_change_proto_down's old_on_new
 * shim (the rules need each other; whichever shim comes first, each fills its
 * own slot, and an empty slot does nothing).
 */
#ifndef KB_NETDEV_OLD_REGISTER_HOOK
#define KB_NETDEV_OLD_REGISTER_HOOK
#ifndef KB_NETDEV_PRE_REGISTER_PROTO_DOWN
#define KB_NETDEV_PRE_REGISTER_PROTO_DOWN(dev)	0
#endif
#ifndef KB_NETDEV_PRE_REGISTER_LLTX
#define KB_NETDEV_PRE_REGISTER_LLTX(dev)	0
#endif
#define kb_netdev_old_pre_register(dev)					\
	(KB_NETDEV_PRE_REGISTER_PROTO_DOWN(dev) ?: KB_NETDEV_PRE_REGISTER_LLTX(dev))
#define kb_register_netdevice(dev) ({					\
	struct net_device *kb_reg_dev_ = (dev);				\
	int kb_reg_err_ = kb_netdev_old_pre_register(kb_reg_dev_);	\
	kb_reg_err_ ? kb_reg_err_ : (register_netdevice)(kb_reg_dev_);	\
})
#define kb_register_netdev(dev) ({					\
	struct net_device *kb_reg_dev_ = (dev);				\
	int kb_reg_err_ = kb_netdev_old_pre_register(kb_reg_dev_);	\
	kb_reg_err_ ? kb_reg_err_ : (register_netdev)(kb_reg_dev_);	\
})
#define register_netdevice(dev)	kb_register_netdevice(dev)
#define register_netdev(dev)	kb_register_netdev(dev)
#endif
#undef KB_NETDEV_PRE_REGISTER_LLTX
#define KB_NETDEV_PRE_REGISTER_LLTX(dev)	kb_lltx_pre_register(dev)
