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

/*
 * An object-like name, so that the newer drivers' `void (*done)(struct scsi_cmnd *) =
 * scsi_done;` (upstream's conversion of the _lck functions) takes a function of the
 * completion's type too. The member cmd->scsi_done is not named after this point by this
 * kernel's headers (DEF_SCSI_QCMD's body, the one use, is replaced by
 * scsi_queuecommand_lck_done_removed for such a driver), nor by a driver of the newer API.
 */
#define scsi_done	kb_scsi_done
