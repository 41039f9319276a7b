/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpm_class_ops.send(chip, buf, bufsiz, cmd_len) -- the newer callback --
 * on a kernel that calls send(chip, buf, count). The older core has checked
 * count against the buffer, which is TPM_BUFSIZE (4096 bytes, the size of
 * tpm_buf's page and of tpm-dev's data_buffer) for every caller: the size
 * the newer core clamps bufsiz to. The wrapper of <linux/tpm.h> gave the
 * driver's table kb_drv_send; the designator macro below makes `.send = fn`
 * fill it with fn and the kernel's slot with the trampoline.
 */
#include <linux/tpm.h>

#define KB_TPM_BUFSIZE	4096	/* TPM_BUFSIZE of drivers/char/tpm/tpm.h */

static int __maybe_unused kb_tpm_send_new(struct tpm_chip *chip, u8 *buf, size_t len)
{
	return chip->ops->kb_drv_send(chip, buf, KB_TPM_BUFSIZE, len);
}

#undef send
#define send	kb_kernel_send = kb_tpm_send_new, .kb_drv_send
