/* SPDX-License-Identifier: GPL-2.0 */
/*
 * p9_req_put(r) -- the older put, which names no client -- on a kernel whose
 * p9_req_put(c, r) also removes the request's tag from client c's IDR when it
 * drops the last reference (67dd8e445ee0, 6.0; the older client removed the
 * tag itself, in p9_tag_remove()). The transport's reference can be the last
 * one (5.10's trans_xen puts its reference after notifying the back-end, when
 * the answer may have come and the client may have put its own), so the put
 * needs the request's client, which a struct p9_req_t does not name.
 *
 * Per module, the layer keeps the clients its transports serve: from
 * v9fs_register_trans() to v9fs_unregister_trans() (function-like macros
 * below) the kernel's create and close slots hold trampolines that call the
 * driver's callbacks (moved to slots the wrapper of <net/9p/transport.h>
 * appends) and add the client to the module's list when the driver's create
 * succeeds, and take it out once the driver's close has returned (the kernel
 * calls close exactly for the clients whose create succeeded, and frees the
 * client after close returns). The driver's p9_req_put(r) finds the client
 * whose IDR maps r->tc.tag to r itself -- pointer identity: tags are per
 * client, so two clients' IDRs can both hold a tag, never the same request --
 * and calls the kernel's p9_req_put(c, r), returning what it returns (1 when
 * it freed the request, as the older put did).
 *
 * Why a request the driver holds is always found: the newer client enters the
 * request in its IDR before the reference count leaves zero (p9_tag_alloc)
 * and removes it only at the last put, and the transport only meets requests
 * of clients between create and close. So a request not found is not a live
 * request of a live client of this module (a second put of a freed request,
 * or a put after the client's close): the kernel's put with any client would
 * be a double free or a use of the freed client, and dropping the count
 * without the client would free it with its tag left in the IDR. The layer
 * then warns once and leaves the request alone (returns 0, as the older put
 * did when it did not free).
 *
 * Locking and context: the list is read under RCU and the IDR with idr_find()
 * under RCU, as the kernel's own p9_tag_lookup() does ("any context"): the
 * one entry looked for cannot change while the driver holds its reference
 * (the client's lock guards the IDR's writers); no lock is taken before the
 * kernel's put, which takes the client's spinlock only at the last put (as it
 * would for the driver's own call), so the put may run in hard or soft IRQ
 * context, in a threaded handler, or under a lock of the driver's. The put
 * runs inside the RCU read section, as the kernel's p9_tag_cleanup() runs its
 * own; the close trampoline unlinks the client under the list's spinlock and
 * waits for a grace period (synchronize_rcu(): close runs in process context)
 * before the kernel frees the client, so a put that found it has finished.
 * The list, its lock and the trampolines are weak definitions: one per module
 * whatever file registers or puts; a module's clients hold a reference on it
 * (v9fs_get_trans_by_name), so it is never unloaded with clients listed, and a
 * reload starts with an empty list.
 */
#include <net/9p/client.h>
#include <net/9p/transport.h>
#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/rculist.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>

/* the wrapper's layout check, here after the whole chain of wrappers of the header */
#ifdef CONFIG_RANDSTRUCT
#error "kbridge: p9_req_put_client cannot append to struct p9_trans_module on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(offsetof(struct p9_trans_module, kb_drv_track_create) >
	      offsetof(struct p9_trans_module, show_options) &&
	      offsetof(struct p9_trans_module, kb_drv_track_close) >
	      offsetof(struct p9_trans_module, kb_drv_track_create),
	      "kbridge: show_options is not the last member of this kernel's struct p9_trans_module; "
	      "the p9_req_put_client wrapper does not fit it");

struct kb_p9_tracked {
	struct list_head list;
	struct p9_client *client;
};

extern struct list_head kb_p9_tracked_clients;
extern spinlock_t kb_p9_tracked_lock;
struct list_head __attribute__((weak)) kb_p9_tracked_clients = LIST_HEAD_INIT(kb_p9_tracked_clients);
spinlock_t __attribute__((weak)) kb_p9_tracked_lock = __SPIN_LOCK_UNLOCKED(kb_p9_tracked_lock);

int kb_p9_track_create(struct p9_client *client, const char *devname, char *args);
int __attribute__((weak)) kb_p9_track_create(struct p9_client *client, const char *devname, char *args)
{
	/* allocated first: nothing to undo in the driver when it fails (create may fail
	 * with -ENOMEM: the client then fails as for any error of create) */
	struct kb_p9_tracked *t = kmalloc(sizeof(*t), GFP_KERNEL);
	int err;

	if (!t)
		return -ENOMEM;
	err = client->trans_mod->kb_drv_track_create(client, devname, args);
	if (err) {
		kfree(t);
		return err;
	}
	t->client = client;
	spin_lock(&kb_p9_tracked_lock);
	list_add_tail_rcu(&t->list, &kb_p9_tracked_clients);
	spin_unlock(&kb_p9_tracked_lock);
	return 0;
}

void kb_p9_track_close(struct p9_client *client);
void __attribute__((weak)) kb_p9_track_close(struct p9_client *client)
{
	struct kb_p9_tracked *t, *gone = NULL;

	client->trans_mod->kb_drv_track_close(client);
	spin_lock(&kb_p9_tracked_lock);
	list_for_each_entry(t, &kb_p9_tracked_clients, list) {
		if (t->client == client) {
			list_del_rcu(&t->list);
			gone = t;
			break;
		}
	}
	spin_unlock(&kb_p9_tracked_lock);
	if (gone) {
		synchronize_rcu();
		kfree(gone);
	}
}

int kb_p9_req_put_old(struct p9_req_t *r);
int __attribute__((weak)) kb_p9_req_put_old(struct p9_req_t *r)
{
	struct kb_p9_tracked *t;
	u16 tag = r->tc.tag;
	int ret = -1;

	rcu_read_lock();
	list_for_each_entry_rcu(t, &kb_p9_tracked_clients, list) {
		if (idr_find(&t->client->reqs, tag) == r) {
			ret = p9_req_put(t->client, r);
			break;
		}
	}
	rcu_read_unlock();
	if (ret >= 0)
		return ret;
	WARN_ONCE(1, "kbridge: p9_req_put(%p): no client of this module's 9P transports holds it (tag %u); left alone\n",
		  r, tag);
	return 0;
}

#if defined(KB_P9_CREATE_FS_CONTEXT_WRAP) && defined(KB_HAVE_P9_TRANS_CREATE_FS_CONTEXT)
/* p9_trans_create_fs_context (old_on_new) wraps registration too, whichever of the two
 * wrappers runs first: once its trampoline holds the kernel's slot, the driver's create
 * (or this rule's trampoline) is in its kb_drv_create */
struct fs_context;
int kb_p9_create_old(struct p9_client *client, struct fs_context *fc);
#define KB_P9_TRACK_CREATE_SLOT(m)	((m)->kb_kernel_create == kb_p9_create_old ? \
					 &(m)->kb_drv_create : &(m)->create)
#else
#define KB_P9_TRACK_CREATE_SLOT(m)	(&(m)->create)
#endif

/* the driver's struct, before the kernel sees it: its create and close move to the
 * appended slots, the trampolines take theirs; and back once the kernel has let go of
 * it, so that registering it again finds the driver's */
static inline void kb_p9_track_register(struct p9_trans_module *m)
{
	int (**slot)(struct p9_client *, const char *, char *) = KB_P9_TRACK_CREATE_SLOT(m);

	if (*slot != kb_p9_track_create) {
		m->kb_drv_track_create = *slot;
		*slot = kb_p9_track_create;
	}
	if (m->close != kb_p9_track_close) {
		m->kb_drv_track_close = m->close;
		m->close = kb_p9_track_close;
	}
	v9fs_register_trans(m);
}

static inline void kb_p9_track_unregister(struct p9_trans_module *m)
{
	int (**slot)(struct p9_client *, const char *, char *);

	v9fs_unregister_trans(m);
	slot = KB_P9_TRACK_CREATE_SLOT(m);
	if (*slot == kb_p9_track_create)
		*slot = m->kb_drv_track_create;
	if (m->close == kb_p9_track_close)
		m->close = m->kb_drv_track_close;
}

#undef v9fs_register_trans
#undef v9fs_unregister_trans
#define v9fs_register_trans(m)		kb_p9_track_register(m)
#define v9fs_unregister_trans(m)	kb_p9_track_unregister(m)
#undef p9_req_put
#define p9_req_put(r)			kb_p9_req_put_old(r)
