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
 *	X->scsi_done(cmd)   becomes   X->device, kb_scsi_cmnd_done(cmd)
 *
 * X is still evaluated (reading its device pointer has no effect of its own)
 * and the command is completed by the kernel's scsi_done(). The result is
 * void, so the comma expression is valid wherever the call was. A driver of
 * this API never calls scsi_done() by itself (the function did not exist for
 * drivers); one that assigns cmd->scsi_done does not build.
 */
#include <scsi/scsi_cmnd.h>

static inline void kb_scsi_cmnd_done(struct scsi_cmnd *cmd)
{
	scsi_done(cmd);
}

#define kb_scsi_done(cmd)	device, kb_scsi_cmnd_done(cmd)
#define scsi_done(cmd)		kb_scsi_done(cmd)
