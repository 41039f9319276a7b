/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DEF_SCSI_QCMD(fn) of a driver whose fn_lck(cmd, done) takes the command's
 * completion, on a kernel whose macro calls fn_lck(cmd) and whose midlayer
 * exports scsi_done(cmd) instead of setting cmd->scsi_done.
 *
 * The older macro took shost->host_lock with spin_lock_irqsave and called
 * fn_lck(cmd, cmd->scsi_done): the completion the midlayer had set for the
 * command's submitter (block layer, error handler, reset ioctl). The newer
 * scsi_done() dispatches to exactly those, so it is the done argument here,
 * under the same lock; fn returns int, the driver's queuecommand type (6.1
 * and 6.12's slot; on 7.2/7.3 the slot scsi_queuecommand_qc_status gives an
 * old driver). `cmd->scsi_done = done` in the driver lands in the member
 * that scsi_cmnd_request_removed's wrapper appends (this rule needs it); its
 * queuecommand trampoline sets that member to scsi_done first, as the older
 * midlayer did, and scsi_cmnd_scsi_done_removed's rewrite of
 * cmd->scsi_done(cmd) calls what it holds.
 */
#include <scsi/scsi_host.h>
#include <scsi/scsi_cmnd.h>

#undef DEF_SCSI_QCMD
#define DEF_SCSI_QCMD(func_name)					\
	int func_name(struct Scsi_Host *shost, struct scsi_cmnd *cmd)	\
	{								\
		unsigned long irq_flags;				\
		int rc;							\
		spin_lock_irqsave(shost->host_lock, irq_flags);		\
		rc = func_name##_lck(cmd, scsi_done);			\
		spin_unlock_irqrestore(shost->host_lock, irq_flags);	\
		return rc;						\
	}
