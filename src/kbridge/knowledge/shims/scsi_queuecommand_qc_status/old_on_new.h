/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ->queuecommand returning int (the driver, Linux up to 6.12) on a kernel
 * whose core expects enum scsi_qc_status.
 *
 * The values are the same (0: queued; SCSI_MLQUEUE_HOST_BUSY, _DEVICE_BUSY,
 * _EH_RETRY, _TARGET_BUSY: 0x1055..0x1058 on both kernels) and the core reads
 * them the same way. The driver's queuecommand lies over the kernel's slot
 * (this rule's wrapper of <scsi/scsi_host.h>). The core gets a copy of the
 * driver's template (below) whose slot is kb_queuecommand_trampoline, of the
 * kernel's type: it calls the driver's queuecommand and returns its value
 * as the enum.
 */
/* the template copy: knowledge/fragments/scsi_template_box.h (how and why) */
#include "kb_fragments/scsi_template_box.h"

static inline enum scsi_qc_status kb_queuecommand_trampoline(struct Scsi_Host *shost,
							     struct scsi_cmnd *cmd)
{
	return kb_sht_driver(shost->hostt)->queuecommand(shost, cmd);
}

static inline bool kb_sht_patch_queuecommand(const struct scsi_host_template *drv,
					     struct scsi_host_template *copy)
{
	if (!drv->queuecommand)
		return false;
	if (copy)
		copy->kb_queuecommand_kernel = kb_queuecommand_trampoline;
	return true;
}

#undef KB_SHT_PATCH_QUEUECOMMAND
#define KB_SHT_PATCH_QUEUECOMMAND	kb_sht_patch_queuecommand
