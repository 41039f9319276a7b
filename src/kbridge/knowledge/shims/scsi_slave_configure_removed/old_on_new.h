/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ->slave_configure(sdev) (the driver, Linux up to 6.12) on a kernel whose
 * core calls ->sdev_configure(sdev, &lim).
 *
 * 6.12's core calls a legacy ->slave_configure(sdev) exactly where the newer
 * core calls ->sdev_configure(sdev, &lim): in scsi_add_lun, inside the
 * queue-limits update it then commits; a non-zero return cancels the update
 * and the device is not added. The limits are not the callback's.
 *
 * The driver's slave_configure lies over the kernel's sdev_configure slot
 * (this rule's wrapper of <scsi/scsi_host.h>). The core gets a copy of the
 * driver's template (below) whose slot is kb_slave_configure_trampoline, of
 * the kernel's type: it calls the driver's slave_configure(sdev) and returns
 * its result.
 */
/* the template copy: knowledge/fragments/scsi_template_box.h (how and why) */
#include "kb_fragments/scsi_template_box.h"

static inline int kb_slave_configure_trampoline(struct scsi_device *sdev, struct queue_limits *lim)
{
	return kb_sht_driver(sdev->host->hostt)->slave_configure(sdev);
}

static inline bool kb_sht_patch_slave_configure(const struct scsi_host_template *drv,
						struct scsi_host_template *copy)
{
	if (!drv->slave_configure)
		return false;
	if (copy)
		copy->sdev_configure = kb_slave_configure_trampoline;
	return true;
}

#undef KB_SHT_PATCH_SLAVE_CONFIGURE
#define KB_SHT_PATCH_SLAVE_CONFIGURE	kb_sht_patch_slave_configure
