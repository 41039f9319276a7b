/* SPDX-License-Identifier: GPL-2.0 */
/*
 * class_create(name) (6.4, 1aaba11da9aa) on a kernel whose class_create()
 * is the older macro class_create(owner, name) over __class_create(): the
 * same creation and registration of the class, one static lock_class_key
 * per call site as the kernel's own macro has, the owner THIS_MODULE (the
 * older core only stored it; nothing read it).
 */
#include <linux/device/class.h>
#include <linux/module.h>

#undef class_create
#define class_create(name)						\
({									\
	static struct lock_class_key __kb_class_create_key;		\
	__class_create(THIS_MODULE, (name), &__kb_class_create_key);	\
})
