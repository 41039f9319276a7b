/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct tpm_class_ops with the driver's own send callback beside the
 * kernel's slot (rule tpm_send_bufsiz, either direction).
 *
 * While the kernel's header is read, its send slot is named kb_kernel_send
 * (same offset, the kernel's type: the layer's trampoline goes there) and
 * kb_drv_send -- the driver's callback, of the type the driver was written
 * for -- is appended after the last member, clk_enable (plus one pad
 * pointer that closes the kernel's declaration of clk_enable). The kernel
 * reads the driver's table only through chip->ops and never copies or sizes
 * it, so the larger table is safe; the static_asserts prove every kernel
 * member kept its offset. The headers the kernel's <linux/tpm.h> includes
 * are read first, so that the two macros see nothing but struct
 * tpm_class_ops (clk_enable is also a function of <linux/clk.h>).
 */
#include "kb_config.h"
#if !defined(KB_TPM_SEND_BUFSIZ_WRAP) && \
	((!defined(KB_HAVE_TPM_SEND_BUFSIZ) && __has_include("rules/tpm_send_bufsiz/new_on_old.h")) || \
	 (defined(KB_HAVE_TPM_SEND_BUFSIZ) && __has_include("rules/tpm_send_bufsiz/old_on_new.h")))
#define KB_TPM_SEND_BUFSIZ_WRAP
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/hw_random.h>
#include <linux/acpi.h>
#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <crypto/hash_info.h>
#if __has_include(<crypto/aes.h>)
#include <crypto/aes.h>
#endif
#if __has_include(<linux/tpm_command.h>)
#include <linux/tpm_command.h>
#endif
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

struct tpm_chip;
#ifdef KB_HAVE_TPM_SEND_BUFSIZ
/* old_on_new: the driver's callback has the older three-argument type */
typedef int (*kb_tpm_drv_send_t)(struct tpm_chip *chip, u8 *buf, size_t len);
#else
/* new_on_old: the driver's callback has the newer four-argument type */
typedef int (*kb_tpm_drv_send_t)(struct tpm_chip *chip, u8 *buf, size_t bufsiz, size_t cmd_len);
#endif

#if defined(send) || defined(clk_enable)
#error "kbridge: send or clk_enable is already a macro; tpm_send_bufsiz cannot retype tpm_class_ops.send"
#endif
#define send		kb_kernel_send
#define clk_enable	clk_enable)(struct tpm_chip *, bool);	\
	kb_tpm_drv_send_t kb_drv_send;				\
	void (*kb_clk_enable_pad
#include_next <linux/tpm.h>
#undef send
#undef clk_enable

#ifdef CONFIG_RANDSTRUCT
#error "kbridge: tpm_send_bufsiz cannot retype tpm_class_ops.send on a kernel built with CONFIG_RANDSTRUCT"
#endif
static_assert(offsetof(struct tpm_class_ops, kb_kernel_send) ==
	      offsetof(struct tpm_class_ops, recv) + sizeof(void (*)(void)) &&
	      offsetof(struct tpm_class_ops, cancel) ==
	      offsetof(struct tpm_class_ops, kb_kernel_send) + sizeof(void (*)(void)) &&
	      offsetof(struct tpm_class_ops, kb_drv_send) ==
	      offsetof(struct tpm_class_ops, clk_enable) + sizeof(void (*)(void)),
	      "kbridge: appending to this kernel's struct tpm_class_ops would move a member, or "
	      "clk_enable is not its last; the tpm_send_bufsiz wrapper does not fit it");
#else
#include_next <linux/tpm.h>
#endif
