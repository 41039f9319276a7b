/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_done(cmd) on a kernel whose commands carry their completion callback,
 * cmd->scsi_done.
 *
 * The newer scsi_done() completes a command as its submitter needs: a
 * block-layer command through blk_mq_complete_request(), an error-handler
 * command through scsi_eh_done(), a reset-ioctl command not at all. This
 * kernel's midlayer sets cmd->scsi_done to exactly that completion before it
 * hands the command to the driver (scsi_mq_done in scsi_queue_rq,
 * scsi_eh_done in scsi_send_eh_cmnd, the reset provider's in
 * scsi_ioctl_reset), so calling it is what scsi_done() does.
 */
#include <scsi/scsi_cmnd.h>

static inline void kb_scsi_done(struct scsi_cmnd *cmd)
{
	cmd->scsi_done(cmd);
}

#define scsi_done(cmd)	kb_scsi_done(cmd)
