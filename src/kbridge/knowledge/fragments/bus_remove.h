/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge fragment bus_remove: a bus driver's callback with the other kernel's
 * type, where the bus core's use of it is known on both sides. Named for its
 * first class, remove int <-> void (the core never used the int: it dropped
 * it, or printed a warning and went on); the same slot machinery serves any
 * callback member, e.g. i2c_driver.probe losing its id argument (6.3: the
 * trampoline passes what the older core passed, i2c_match_id()).
 * One mechanism for every bus; a rule's wrapper of the bus header
 * (shims/<rule>/include/<header>, manifest `fragments = ["bus_remove"]`)
 * instantiates it:
 *
 *  1. while the kernel's header is read, the member is retyped in place by one
 *     macro on its name. Same parameters, other return type (remove):
 *	#define remove  kb_kernel_remove[0])(struct DEV *); DRIVER_T (*remove
 *     so `KERNEL_T (*remove)(struct DEV *);` becomes a zero-length view of the
 *     kernel's slot (its type, no room) and, at the same offset and size, a
 *     member of the driver's type. Same return type, other parameters (probe):
 *	#define probe  probe)(DRIVER_PARAMS); int (*kb_kernel_probe[0]
 *     the driver's member first, the kernel's parameter list left to the
 *     zero-length view after it (no room either). Either way the struct's
 *     layout is the kernel's, member for member (static_asserts; the ABI
 *     check compares it with BTF);
 *  2. after the header, for remove: with KB_BR_S (driver struct), KB_BR_D
 *     (device struct), KB_BR_P (a name prefix), KB_BR_KERNEL_VOID (defined
 *     when the kernel's slot returns void) and, for a kernel whose slot is
 *     void, KB_BR_WARN(dev, ret) (what the last kernel with the int slot did
 *     with a non-zero value), this file is included: it defines the
 *     trampoline and the install/restore pair of that bus
 *     (kb_<P>_remove_tramp/_install/_restore). Without KB_BR_S it defines the
 *     common part only: a wrapper bridging another member writes its own
 *     trampoline (KB_BR_DRIVER_FN finds the driver's function) and installs
 *     it with kb_br_install_slot / kb_br_restore_slot;
 *  3. the wrapper redefines the bus's registration and unregistration entry
 *     points (what module_X_driver, X_register_driver, ... expand to) as
 *     statement expressions around the kernel's own functions:
 *     KB_BR_REGISTER(P, S, drv, call) and KB_BR_UNREGISTER(P, S, drv, call)
 *     (remove only), or KB_BR_REGISTER_FN / KB_BR_UNREGISTER_FN with the
 *     wrapper's own install/restore of every slot it bridges.
 *
 * Registration (the API boundary) takes the driver's function out of the slot
 * and puts the trampoline of the kernel's type in it; the driver's function
 * is kept in a list of this module keyed by the slot's address (one list per
 * module, shared by all its files: a weak definition, so a driver registered
 * in one file and unregistered in another finds its entry; two slots of one
 * driver are two entries). A failed registration and the unregistration
 * (after the bus has removed every device) put the driver's function back, so
 * the struct reads as the driver wrote it whenever it is not registered
 * (reload, second registration). The list entry is allocated at registration
 * (GFP_KERNEL, as driver_register() allocates its own private data; -ENOMEM is
 * a failure registration already has). NULL stays NULL: a driver without the
 * callback gets no trampoline.
 *
 * The trampoline finds the driver struct from the device (dev->dev.driver, or
 * the bus's own member name for it, KB_BR_DEVM: hv_device calls it `device`;
 * container_of ... driver, as every bus's to_X_driver()) and calls the
 * driver's function. remove: for a kernel that wants an int it returns 0 (the
 * new API has no value to give; 0 is the value every old core took silently);
 * for a kernel whose slot is void it reproduces what the last old core did
 * with a non-zero value (KB_BR_WARN: the same dev_warn, or nothing).
 *
 * Limit (named in each rule's shim.toml, refused_reads): driver code that
 * reads the bridged member of its registered struct by name would find the
 * trampoline.
 */
#ifndef KB_FRAGMENT_BUS_REMOVE_COMMON
#define KB_FRAGMENT_BUS_REMOVE_COMMON
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>

struct kb_br_node {
	struct kb_br_node *next;
	const void *slot;	/* &drv->member: the driver struct and which callback */
	void (*fn)(void);
};

/* one list per module, whichever of its files defines it first */
struct kb_br_node *kb_br_list __attribute__((weak));
spinlock_t kb_br_lock __attribute__((weak)) = __SPIN_LOCK_UNLOCKED(kb_br_lock);

static inline void (*kb_br_find(const void *slot))(void)
{
	struct kb_br_node *n;
	void (*fn)(void) = NULL;

	spin_lock(&kb_br_lock);
	for (n = kb_br_list; n; n = n->next)
		if (n->slot == slot) {
			fn = n->fn;
			break;
		}
	spin_unlock(&kb_br_lock);
	return fn;
}

static inline int kb_br_add(const void *slot, void (*fn)(void))
{
	struct kb_br_node *n = kmalloc(sizeof(*n), GFP_KERNEL);

	if (!n)
		return -ENOMEM;
	n->slot = slot;
	n->fn = fn;
	spin_lock(&kb_br_lock);
	n->next = kb_br_list;
	kb_br_list = n;
	spin_unlock(&kb_br_lock);
	return 0;
}

/* the driver's function, its entry removed; NULL when there was none */
static inline void (*kb_br_del(const void *slot))(void)
{
	struct kb_br_node **p, *n = NULL;
	void (*fn)(void) = NULL;

	spin_lock(&kb_br_lock);
	for (p = &kb_br_list; *p; p = &(*p)->next)
		if ((*p)->slot == slot) {
			n = *p;
			*p = n->next;
			fn = n->fn;
			break;
		}
	spin_unlock(&kb_br_lock);
	kfree(n);
	return fn;
}

/*
 * One slot (the address of a callback member of a driver struct; every
 * function pointer has the same representation): 1 installed, 0 nothing to do
 * (NULL, or already installed: the struct is registered, which the kernel
 * refuses a second time), <0 an error.
 */
static inline int kb_br_install_slot(void *slot, void (*tramp)(void))
{
	void (**s)(void) = slot;
	int err;

	if (kb_br_find(slot) || !*s)
		return 0;
	err = kb_br_add(slot, *s);
	if (err)
		return err;
	*s = tramp;
	return 1;
}

static inline void kb_br_restore_slot(void *slot)
{
	void (*fn)(void) = kb_br_del(slot);

	if (fn)
		*(void (**)(void))slot = fn;
}

/* in a trampoline: the driver's function of member M, of the driver's type
 * (devdrv: the device's struct device_driver *, e.g. client->dev.driver) */
#define KB_BR_DRIVER_FN(S, devdrv, M)						\
	((typeof(((struct S *)0)->M))kb_br_find(				\
		&container_of((devdrv), struct S, driver)->M))

#define KB_BR_CAT_(a, b)	a##b
#define KB_BR_CAT(a, b)		KB_BR_CAT_(a, b)
#define KB_BR_NAME(p, x)	KB_BR_CAT(KB_BR_CAT(kb_, p), x)

/* register: install, call the kernel's (the call names __kb_d), restore on failure */
#define KB_BR_REGISTER_FN(install, restore, S, drv, call) ({			\
	struct S *__kb_d = (drv);						\
	int __kb_i = install(__kb_d);						\
	int __kb_e = __kb_i < 0 ? __kb_i : (call);				\
	if (__kb_e && __kb_i > 0)						\
		restore(__kb_d);						\
	__kb_e; })
/* unregister: the kernel's (the call names __kb_d; every device is removed), then restore */
#define KB_BR_UNREGISTER_FN(restore, S, drv, call) ({				\
	struct S *__kb_d = (drv);						\
	call;									\
	restore(__kb_d); })
/* the same for a bus whose only bridged slot is remove */
#define KB_BR_REGISTER(P, S, drv, call)						\
	KB_BR_REGISTER_FN(KB_BR_NAME(P, _remove_install), KB_BR_NAME(P, _remove_restore), S, drv, call)
#define KB_BR_UNREGISTER(P, S, drv, call)					\
	KB_BR_UNREGISTER_FN(KB_BR_NAME(P, _remove_restore), S, drv, call)
#endif /* KB_FRAGMENT_BUS_REMOVE_COMMON */

/* --- one bus's remove: KB_BR_S, KB_BR_D, KB_BR_P, KB_BR_KERNEL_VOID, KB_BR_WARN,
 *     KB_BR_DEVM (the struct device member of KB_BR_D, when it is not `dev`) --- */
#ifdef KB_BR_S
#ifndef KB_BR_DEVM
#define KB_BR_DEVM	dev
#endif
#ifdef KB_BR_KERNEL_VOID
#define KB_BR_KT	void
#define KB_BR_DT	int
#else
#define KB_BR_KT	int
#define KB_BR_DT	void
#endif

static_assert(__builtin_types_compatible_p(typeof(((struct KB_BR_S *)0)->kb_kernel_remove[0]),
					   KB_BR_KT (*)(struct KB_BR_D *)) &&
	      __builtin_types_compatible_p(typeof(((struct KB_BR_S *)0)->remove),
					   KB_BR_DT (*)(struct KB_BR_D *)),
	      "kbridge bus_remove: this kernel's remove slot is not the type the rule's probe answered");
static_assert(offsetof(struct KB_BR_S, remove) == offsetof(struct KB_BR_S, kb_kernel_remove) &&
	      sizeof(((struct KB_BR_S *)0)->remove) == sizeof(void (*)(void)),
	      "kbridge bus_remove: the retyped remove slot moved");

static inline KB_BR_KT KB_BR_NAME(KB_BR_P, _remove_tramp)(struct KB_BR_D *dev)
{
	KB_BR_DT (*fn)(struct KB_BR_D *) = KB_BR_DRIVER_FN(KB_BR_S, dev->KB_BR_DEVM.driver, remove);
#ifdef KB_BR_KERNEL_VOID
	int ret = fn(dev);

	if (ret)
		KB_BR_WARN(dev, ret);
#else
	fn(dev);
	return 0;
#endif
}

/* 1: installed; 0: nothing to do (no remove, or already registered: the kernel refuses that); <0: error */
static inline int KB_BR_NAME(KB_BR_P, _remove_install)(struct KB_BR_S *drv)
{
	KB_BR_KT (*tramp)(struct KB_BR_D *) = KB_BR_NAME(KB_BR_P, _remove_tramp);

	return kb_br_install_slot(&drv->remove, (void (*)(void))tramp);
}

static inline void KB_BR_NAME(KB_BR_P, _remove_restore)(struct KB_BR_S *drv)
{
	kb_br_restore_slot(&drv->remove);
}

#undef KB_BR_KT
#undef KB_BR_DT
#undef KB_BR_DEVM
#endif /* KB_BR_S */
