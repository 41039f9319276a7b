/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RTNL-held link-ops registration of older kernels on a kernel that
 * removed it. A driver written for it (ifb and dummy of 5.10, ...) does:
 *
 *	down_write(&pernet_ops_rwsem);
 *	rtnl_lock();
 *	err = __rtnl_link_register(&ops);
 *	... create devices ...
 *	if (err)
 *		__rtnl_link_unregister(&ops);
 *	rtnl_unlock();
 *	up_write(&pernet_ops_rwsem);
 *
 * __rtnl_link_register() (RTNL held): -EEXIST when a link kind of that name is
 * registered, else the default dellink and the ops added. The kernel's
 * rtnl_link_register() does the same under its own link_ops mutex (which the
 * kernel takes inside RTNL elsewhere too), so it is called as is.
 *
 * __rtnl_link_unregister() (RTNL and pernet_ops_rwsem held): every device of
 * the ops killed in every namespace, the ops removed. The kernel's
 * rtnl_link_unregister() does that but takes pernet_ops_rwsem and RTNL
 * itself, so the caller's RTNL is released for the call and taken back: on
 * return the caller holds RTNL again and every device of the ops is gone, as
 * before; other RTNL users may run during the call (documented in the rule).
 *
 * pernet_ops_rwsem is not exported any more. The old API needed the caller to
 * hold it only for __rtnl_link_unregister()'s walk over the namespaces, which
 * the kernel's rtnl_link_unregister() now protects with the real one; the
 * caller's down_write()/up_write() take a rw_semaphore of the module instead.
 */
#include <linux/rtnetlink.h>
#include <linux/rwsem.h>
#include <net/rtnetlink.h>

/*
 * One per module, whichever of its files defines it first (a weak definition, as
 * the bus_remove fragment keeps its list): every file that includes this header
 * sees the same lock -- a down_write() in one file and the up_write() in another
 * pair up -- and a file that never takes it draws no "defined but not used".
 */
struct rw_semaphore kb_pernet_ops_rwsem __attribute__((weak)) =
	__RWSEM_INITIALIZER(kb_pernet_ops_rwsem);
#define pernet_ops_rwsem	kb_pernet_ops_rwsem

static inline int kb___rtnl_link_register(struct rtnl_link_ops *ops)
{
	ASSERT_RTNL();
	return rtnl_link_register(ops);
}

static inline void kb___rtnl_link_unregister(struct rtnl_link_ops *ops)
{
	ASSERT_RTNL();
	rtnl_unlock();
	rtnl_link_unregister(ops);
	rtnl_lock();
}

#define __rtnl_link_register(ops)	kb___rtnl_link_register(ops)
#define __rtnl_link_unregister(ops)	kb___rtnl_link_unregister(ops)
