/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd->scsi_done(cmd) on a kernel whose struct scsi_cmnd has no completion
 * pointer and whose midlayer exports scsi_done(cmd) instead.
 *
 * The older midlayer set cmd->scsi_done to the completion the command's
 * submitter needed (block layer, error handler, reset ioctl) before it handed
 * the command to the driver; the newer scsi_done() dispatches to the same
 * completions itself. The member cannot exist (the kernel owns the struct's
 * layout), so the call is rewritten: after this header, scsi_done is a
 * function-like macro and
 *
 *	X->scsi_done(cmd)   becomes
 *	X->device ? kb_scsi_cmnd_done(cmd) : kb_scsi_cmnd_done(cmd)
 *
 * Only postfix tokens can follow "X->", so the expansion starts with a member
 * the kernel's struct has: X is still evaluated (its device pointer is read,
 * nothing else), and either way the command is completed once by the
 * kernel's scsi_done(). Both arms are void, as the call was, so the
 * expression stands where the call stood (an expression statement, an arm
 * of if/else, a void return); a comma instead of the conditional would draw
 * gcc's "left-hand operand of comma expression has no effect". A driver of
 * this API never calls scsi_done() by itself (the function did not exist for
 * drivers). One that assigns cmd->scsi_done builds only where the member is
 * appended to its view (scsi_cmnd_request_removed's wrapper, which
 * scsi_queuecommand_lck_done_removed brings): then the call goes to what
 * the member holds, unless that is empty or scsi_done() itself.
 */
#include <scsi/scsi_cmnd.h>

static inline void kb_scsi_cmnd_done(struct scsi_cmnd *cmd)
{
#ifdef KB_SCSI_CMND_TAIL_WRAP
	/*
	 * The driver's view has the member (scsi_cmnd_request_removed's wrapper,
	 * with scsi_queuecommand_lck_done_removed): call what it holds, as 5.10
	 * did -- scsi_done() as the queuecommand trampoline set it, the _lck's
	 * done the driver stored (scsi_done() too), or a completion of its own.
	 */
	if (cmd->scsi_done && cmd->scsi_done != scsi_done) {
		cmd->scsi_done(cmd);
		return;
	}
#endif
	scsi_done(cmd);
}

/*
 * No kb_scsi_done twin: the name is used as a member, which the inline
 * strategy does not rename, so kb_inline.h must keep this macro defined
 * (as it does for a function-like macro without a kb_ twin).
 */
#define scsi_done(cmd)	device ? kb_scsi_cmnd_done(cmd) : kb_scsi_cmnd_done(cmd)
