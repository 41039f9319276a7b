/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule rtnl_newlink_params: struct rtnl_link_ops.newlink with the other
 * kernel's arguments -- (dev, struct rtnl_newlink_params *, extack) since 6.15's
 * 69c7be1b903f "rtnetlink: Pack newlink() params into struct", (src_net, dev,
 * tb, data, extack) before.
 *
 * While the kernel's header is read, its newlink slot is named kb_kernel_newlink
 * (same offset, the kernel's type: the layer's trampoline goes there) and
 * kb_drv_newlink -- the driver's callback, of the type the driver was written
 * for -- is appended after the last member, fill_linkxstats (on every kernel
 * 5.10 .. 7.3; plus one pad pointer that closes the kernel's declaration of
 * fill_linkxstats). After the header, `.newlink = fn` in the driver's table
 * puts the trampoline in the kernel's slot and fn in kb_drv_newlink. The
 * kernel reads the driver's table only through the pointer it was registered
 * with (rtnl_link_register keeps it on its list; rtnl_create_link sets
 * dev->rtnl_link_ops to it before calling newlink, on 5.10 as on 7.3), never
 * copies or sizes it: the trampoline finds the driver's callback there.
 *
 * new_on_old (a 6.15+ driver on an older core): the older core calls
 * newlink(link_net ?: net, dev, tb, data, extack), net being the requesting
 * socket's namespace and link_net the one IFLA_LINK_NETNSID names. The
 * trampoline gives the driver { .src_net = that net, .link_net = it too when
 * tb[IFLA_LINK_NETNSID] is present (else NULL), .peer_net = NULL, tb, data }:
 * rtnl_newlink_link_net() -- what the newer drivers read -- is exactly the net
 * the older core passed, as the newer core computes it. Not reproducible: the
 * socket's namespace when IFLA_LINK_NETNSID is given (the older core does not
 * pass it; src_net is then the link namespace, which is what the older
 * kernel's own drivers were given), and peer_net, which the newer core derives
 * for rtnl_link_ops.peer_type -- a member the older struct lacks, so a driver
 * with a peer does not build and is not silently misled.
 *
 * old_on_new (a driver written before 6.15 on a newer core): the trampoline
 * calls the driver with rtnl_newlink_link_net(params) (= link_net ?: src_net,
 * what the older core passed), dev, params->tb, params->data, extack.
 */
#include "kb_config.h"
#if !defined(KB_RTNL_NEWLINK_PARAMS_DRIVER) && !defined(KB_RTNL_NEWLINK_ARGS_DRIVER)
#if !defined(KB_HAVE_RTNL_NEWLINK_PARAMS) && \
	__has_include("rules/rtnl_newlink_params/new_on_old.h")
#define KB_RTNL_NEWLINK_PARAMS_DRIVER	/* the driver's newlink takes the params; this core does not */
#elif defined(KB_HAVE_RTNL_NEWLINK_PARAMS) && \
	__has_include("rules/rtnl_newlink_params/old_on_new.h")
#define KB_RTNL_NEWLINK_ARGS_DRIVER	/* this core passes the params; the driver's newlink does not take them */
#endif
#endif

#if (defined(KB_RTNL_NEWLINK_PARAMS_DRIVER) || defined(KB_RTNL_NEWLINK_ARGS_DRIVER)) && \
	!defined(KB_RTNL_NEWLINK_WRAPPED)
#define KB_RTNL_NEWLINK_WRAPPED
/* what the kernel's header includes, first: the macros below must meet only its text */
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/rtnetlink.h>
#if __has_include(<linux/srcu.h>)
#include <linux/srcu.h>
#endif
#include <net/netlink.h>
#include <linux/netdevice.h>

struct net;
struct net_device;
struct nlattr;
struct netlink_ext_ack;

#ifdef KB_RTNL_NEWLINK_PARAMS_DRIVER
/* the newer kernel's struct (include/net/rtnetlink.h of 6.15 .. 7.3), member for member */
struct rtnl_newlink_params {
	struct net *src_net;
	struct net *link_net;
	struct net *peer_net;
	struct nlattr **tb;
	struct nlattr **data;
};

static inline struct net *rtnl_newlink_link_net(struct rtnl_newlink_params *p)
{
	return p->link_net ? : p->src_net;
}

static inline struct net *rtnl_newlink_peer_net(struct rtnl_newlink_params *p)
{
	return p->peer_net ? : rtnl_newlink_link_net(p);
}

typedef int (*kb_rtnl_drv_newlink_t)(struct net_device *dev, struct rtnl_newlink_params *params,
				     struct netlink_ext_ack *extack);
#else
typedef int (*kb_rtnl_drv_newlink_t)(struct net *src_net, struct net_device *dev,
				     struct nlattr *tb[], struct nlattr *data[],
				     struct netlink_ext_ack *extack);
#endif

#if defined(newlink) || defined(fill_linkxstats)
#error "kbridge: newlink or fill_linkxstats is already a macro; rtnl_newlink_params cannot retype rtnl_link_ops.newlink"
#endif
#define newlink			kb_kernel_newlink
#define fill_linkxstats		fill_linkxstats)(struct sk_buff *, const struct net_device *, int *, int); \
	kb_rtnl_drv_newlink_t kb_drv_newlink;					\
	int (*kb_fill_linkxstats_pad
#include_next <net/rtnetlink.h>
#undef newlink
#undef fill_linkxstats

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: rtnl_newlink_params cannot retype rtnl_link_ops.newlink on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(offsetof(struct rtnl_link_ops, kb_drv_newlink) ==
	      offsetof(struct rtnl_link_ops, fill_linkxstats) + sizeof(void (*)(void)) &&
	      offsetof(struct rtnl_link_ops, kb_fill_linkxstats_pad) ==
	      offsetof(struct rtnl_link_ops, kb_drv_newlink) + sizeof(void (*)(void)),
	      "kbridge rtnl_newlink_params: appending to this kernel's struct rtnl_link_ops would move a "
	      "member; the wrapper does not fit it");

/* one trampoline per module (weak: every file of the module that reads this header
 * defines it, the link keeps one), of the kernel's type */
#ifdef KB_RTNL_NEWLINK_PARAMS_DRIVER
int kb_rtnl_newlink_tramp(struct net *net, struct net_device *dev, struct nlattr *tb[],
			  struct nlattr *data[], struct netlink_ext_ack *extack);
__weak int kb_rtnl_newlink_tramp(struct net *net, struct net_device *dev, struct nlattr *tb[],
				 struct nlattr *data[], struct netlink_ext_ack *extack)
{
	struct rtnl_newlink_params params = {
		.src_net = net,
		.link_net = tb[IFLA_LINK_NETNSID] ? net : NULL,
		.peer_net = NULL,
		.tb = tb,
		.data = data,
	};

	return dev->rtnl_link_ops->kb_drv_newlink(dev, &params, extack);
}
#else
int kb_rtnl_newlink_tramp(struct net_device *dev, struct rtnl_newlink_params *params,
			  struct netlink_ext_ack *extack);
__weak int kb_rtnl_newlink_tramp(struct net_device *dev, struct rtnl_newlink_params *params,
				 struct netlink_ext_ack *extack)
{
	return dev->rtnl_link_ops->kb_drv_newlink(rtnl_newlink_link_net(params), dev, params->tb,
						  params->data, extack);
}
#endif

/* the driver's `.newlink = fn`: the trampoline in the kernel's slot, fn appended */
#define newlink		kb_kernel_newlink = kb_rtnl_newlink_tramp, .kb_drv_newlink
#else
#include_next <net/rtnetlink.h>
#endif
