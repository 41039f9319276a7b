/* SPDX-License-Identifier: GPL-2.0 */
/*
 * p9_trans_module.create(client, fc) -- the newer callback, given the mount's
 * fs_context -- on a kernel whose client calls create(client, devname, args).
 * From v9fs_register_trans() to v9fs_unregister_trans() (function-like
 * macros below) the kernel's slot holds kb_p9_create_new, which finds the driver's callback
 * through client->trans_mod (the driver's struct, which the client picked
 * before calling create) and calls it with an fs_context whose source is the
 * device name -- what the newer client's fc->source holds -- every other
 * member zero: the older kernel mounts 9p without an fs_context of 9p's, so
 * the shim refuses drivers that read any other fs_context member (shim.toml).
 * The return value goes back unchanged.
 */
#include <net/9p/transport.h>
#include <net/9p/client.h>
#include <linux/fs_context.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>

/* the wrapper's layout checks, here after the whole chain of wrappers of the header:
 * while it is read, other wrappers' member macros (show_options, pooled_rbuffers)
 * are still defined */
#ifdef CONFIG_RANDSTRUCT
#error "kbridge: p9_trans_create_fs_context cannot retype p9_trans_module.create on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(offsetof(struct p9_trans_module, kb_kernel_create) ==
	      offsetof(struct p9_trans_module, owner) + sizeof(void *) &&
	      offsetof(struct p9_trans_module, create) ==
	      offsetof(struct p9_trans_module, kb_kernel_create) &&
	      offsetof(struct p9_trans_module, close) ==
	      offsetof(struct p9_trans_module, kb_kernel_create) + sizeof(void (*)(void)) &&
	      offsetof(struct p9_trans_module, kb_drv_create) >
	      offsetof(struct p9_trans_module, show_options),
	      "kbridge: retyping this kernel's struct p9_trans_module.create would move a member, or "
	      "show_options is not its last; the p9_trans_create_fs_context wrapper does not fit it");


/*
 * One per module, whichever of its files defines it first (a weak definition): the
 * registration wrappers below recognise the trampoline in the slot by its address, so
 * a transport registered in one file and unregistered or registered again in another
 * must meet the same function (a static one per file took another file's trampoline
 * for the driver's callback, and create then called itself).
 */
int kb_p9_create_new(struct p9_client *client, const char *devname, char *args);
int __attribute__((weak)) kb_p9_create_new(struct p9_client *client, const char *devname, char *args)
{
	struct fs_context fc = { .source = devname };

	return client->trans_mod->kb_drv_create(client, &fc);
}

/* the driver's struct, before the kernel sees it: its callback (in the kernel's slot, put
 * there by `.create = fn`) moves to kb_drv_create, the trampoline takes the slot; and back
 * once the kernel has let go of it, so that registering it again finds the driver's */
static inline void kb_p9_register_trans(struct p9_trans_module *m)
{
	if (m->kb_kernel_create != kb_p9_create_new) {
		m->kb_drv_create = m->create;
		m->kb_kernel_create = kb_p9_create_new;
	}
	v9fs_register_trans(m);
}

static inline void kb_p9_unregister_trans(struct p9_trans_module *m)
{
	v9fs_unregister_trans(m);
	if (m->kb_kernel_create == kb_p9_create_new)
		m->create = m->kb_drv_create;
}

/* p9_req_put_client (old_on_new) wraps registration too, in either order */
#undef v9fs_register_trans
#undef v9fs_unregister_trans
#define v9fs_register_trans(m)		kb_p9_register_trans(m)
#define v9fs_unregister_trans(m)	kb_p9_unregister_trans(m)
