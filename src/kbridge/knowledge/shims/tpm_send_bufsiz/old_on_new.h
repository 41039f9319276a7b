/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpm_class_ops.send(chip, buf, len) -- the driver's callback before the
 * bufsiz argument -- on a kernel that calls send(chip, buf, bufsiz, count).
 * The wrapper of <linux/tpm.h> gave the driver's table kb_drv_send; the
 * designator macro below makes `.send = fn` fill it with fn and the
 * kernel's slot with the trampoline, which calls fn with the count. bufsiz
 * only serves synchronous devices (TPM_CHIP_FLAG_SYNC), which an older
 * driver cannot be.
 */
#include <linux/tpm.h>

static int __maybe_unused kb_tpm_send_old(struct tpm_chip *chip, u8 *buf, size_t bufsiz,
					  size_t cmd_len)
{
	return chip->ops->kb_drv_send(chip, buf, cmd_len);
}

#undef send
#define send	kb_kernel_send = kb_tpm_send_old, .kb_drv_send
