/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DEF_SCSI_QCMD(fn) of a driver whose fn_lck(cmd) takes no completion
 * argument, on a kernel whose macro calls fn_lck(cmd, cmd->scsi_done).
 *
 * Both kernels' macro define fn(shost, cmd): take shost->host_lock with
 * spin_lock_irqsave, call the _lck function, drop the lock, return its
 * value. Only the call differs, so the macro is this kernel's with the
 * newer call; the value is returned as this kernel's int (the newer enum
 * scsi_qc_status is an int here: rule scsi_queuecommand_qc_status). The
 * driver completes a command with scsi_done(cmd), which rule
 * scsi_done_function makes cmd->scsi_done(cmd): the completion this
 * kernel's macro would have passed as done.
 */
#include <scsi/scsi_host.h>

#undef DEF_SCSI_QCMD
#define DEF_SCSI_QCMD(func_name)					\
	int func_name(struct Scsi_Host *shost, struct scsi_cmnd *cmd)	\
	{								\
		unsigned long irq_flags;				\
		int rc;							\
		spin_lock_irqsave(shost->host_lock, irq_flags);		\
		rc = func_name##_lck(cmd);				\
		spin_unlock_irqrestore(shost->host_lock, irq_flags);	\
		return rc;						\
	}
