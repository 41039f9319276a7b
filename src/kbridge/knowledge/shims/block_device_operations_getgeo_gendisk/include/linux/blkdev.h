/* SPDX-License-Identifier: GPL-2.0 */
/*
 * block_device_operations.getgeo of the driver's type on a kernel whose
 * member has the other one: ->getgeo(struct block_device *, ...) (Linux up
 * to 6.12) or ->getgeo(struct gendisk *, ...) (7.2, 7.3).
 *
 * A driver writes `.getgeo = fn` in a static const struct
 * block_device_operations; the kernel builds modules with
 * -Werror=incompatible-pointer-types (gcc 16: an error anyway), and a const
 * initializer cannot be converted afterwards. So while the kernel's header
 * is read, the member's one declaration line becomes a union of the two
 * types at the same place:
 *
 *	int (*kb_gg_pad[0])(void);
 *	union {
 *		int (*getgeo)(<the driver's argument>, struct hd_geometry *);
 *		int (*kb_getgeo_kernel)(<the kernel's argument>, struct hd_geometry *);
 *	};
 *	int (*kb_gg_pad2[0])(<the rest of the kernel's line>);
 *
 * (one macro for the member's name, which occurs nowhere else in
 * <linux/blkdev.h> or what it includes; zero-length GNU arrays take no room,
 * and a macro does not re-expand its own name). The static_asserts below
 * prove that the union is one pointer in the kernel's slot and stop the build
 * with a message on a kernel whose header differs. What the kernel calls
 * through that slot is a trampoline of the kernel's type (this rule's
 * new_on_old.h / old_on_new.h), never the driver's function: the disk's fops
 * are swapped when the driver adds the disk.
 *
 * The rule's two directions define KB_GETGEO_GENDISK_NEW_ON_OLD or
 * KB_GETGEO_GENDISK_OLD_ON_NEW (shim.toml cflags): the union is made only
 * where that direction's shim is on.
 */
#include "kb_config.h"
#if !defined(KB_GETGEO_GENDISK_WRAP) && \
	((defined(KB_GETGEO_GENDISK_NEW_ON_OLD) && !defined(KB_HAVE_BLOCK_DEVICE_OPERATIONS_GETGEO_GENDISK)) || \
	 (defined(KB_GETGEO_GENDISK_OLD_ON_NEW) && defined(KB_HAVE_BLOCK_DEVICE_OPERATIONS_GETGEO_GENDISK)))
#define KB_GETGEO_GENDISK_WRAP
#include <linux/build_bug.h>
#include <linux/stddef.h>

struct block_device;
struct gendisk;
struct hd_geometry;

#if defined(getgeo)
#error "kbridge: getgeo is already a macro; the block_device_operations_getgeo_gendisk wrapper of <linux/blkdev.h> cannot retype block_device_operations.getgeo"
#endif
#ifdef KB_HAVE_BLOCK_DEVICE_OPERATIONS_GETGEO_GENDISK
/* the kernel calls it with the disk, the driver's function takes a bdev */
#define KB_GETGEO_KERNEL_ARG	struct gendisk *
#define getgeo	kb_gg_pad[0])(void); union { int (*getgeo)(struct block_device *, struct hd_geometry *); \
		int (*kb_getgeo_kernel)(struct gendisk *, struct hd_geometry *); }; int (*kb_gg_pad2[0]
#else
/* the kernel calls it with a bdev, the driver's function takes the disk */
#define KB_GETGEO_KERNEL_ARG	struct block_device *
#define getgeo	kb_gg_pad[0])(void); union { int (*getgeo)(struct gendisk *, struct hd_geometry *); \
		int (*kb_getgeo_kernel)(struct block_device *, struct hd_geometry *); }; int (*kb_gg_pad2[0]
#endif
#include_next <linux/blkdev.h>
#undef getgeo

#ifdef CONFIG_RANDSTRUCT
/* the randstruct plugin shuffles all-function-pointer structs by their declared shape */
#error "kbridge: block_device_operations_getgeo_gendisk cannot retype block_device_operations.getgeo on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(__builtin_types_compatible_p(typeof(((struct block_device_operations *)0)->kb_getgeo_kernel),
					   int (*)(KB_GETGEO_KERNEL_ARG, struct hd_geometry *)),
	      "kbridge: this kernel's block_device_operations.getgeo has another type; "
	      "the block_device_operations_getgeo_gendisk wrapper does not fit it");
static_assert(offsetof(struct block_device_operations, getgeo) ==
	      offsetof(struct block_device_operations, kb_getgeo_kernel) &&
	      offsetof(struct block_device_operations, kb_gg_pad) ==
	      offsetof(struct block_device_operations, getgeo) &&
	      offsetof(struct block_device_operations, kb_gg_pad2) ==
	      offsetof(struct block_device_operations, getgeo) + sizeof(void (*)(void)) &&
	      sizeof(((struct block_device_operations *)0)->getgeo) == sizeof(void (*)(void)),
	      "kbridge: retyping block_device_operations.getgeo would move a member of this "
	      "kernel's struct block_device_operations; the wrapper does not fit it");
#else
#include_next <linux/blkdev.h>
#endif
