/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd->request and cmd->SCp (a driver written for Linux 5.10) on a kernel
 * whose struct scsi_cmnd has neither: the members are appended to the
 * driver's view of the struct (this rule's wrapper of <scsi/scsi_cmnd.h>),
 * in the per-command private area, which the core allocates larger by their
 * size: scsi_host_alloc() hands the core a copy of the driver's template
 * (knowledge/fragments/scsi_template_box.h) whose cmd_size is the driver's
 * plus KB_SCSI_CMND_TAIL_SIZE.
 *
 * request: 5.10's midlayer stored the command's request (the memory just
 * before the command, scsi_cmd_to_rq(cmd); for the reset ioctl's command its
 * kzalloc'ed request) before it handed the command to the driver. The copy's
 * queuecommand, eh_*_handler and eh_timed_out slots are trampolines that
 * store scsi_cmd_to_rq(cmd) there, then call what the slot held (the
 * driver's function, or another shim's trampoline): every command the core
 * hands the driver has it -- block-layer and error-handler submissions, the
 * error handler's and the reset ioctl's commands, timeouts. The newer core
 * zeroes the appended bytes at each block-layer dispatch (below), before it
 * starts the request: not bridged, a command the driver finds by tag or by
 * scsi_host_busy_iter() in the moment between that start and the core's
 * queuecommand call reads request NULL (5.10 stored it before the start).
 * No init_cmd_priv trampoline (which would store it once per request): the
 * core skips that zeroing for a template with init_cmd_priv.
 *
 * scsi_done (scsi_queuecommand_lck_done_removed): 5.10's midlayer set
 * cmd->scsi_done to the submitter's completion before each queuecommand
 * call; the queuecommand trampoline sets it to the kernel's scsi_done(),
 * which dispatches to those completions. A driver's own store (its _lck's
 * done, or a completion of its own) stays until the next queuecommand.
 *
 * SCp: driver scratch that 5.10's scsi_init_command() zeroed with the rest
 * of the command each time it prepared one for the block layer. The newer
 * core zeroes the private area (so the appended SCp) at each block-layer
 * dispatch when the template has no init_cmd_priv; when the driver has one,
 * the queuecommand trampoline zeroes SCp for block-layer submissions
 * (cmd->submitter), as the core would. Not bridged: a command re-dispatched
 * without being prepared again (queuecommand returned busy, or the error
 * handler retries it) finds SCp zeroed where 5.10 kept the driver's values;
 * a driver reading shost->hostt->cmd_size sees the copy's.
 */
/* the template copy: knowledge/fragments/scsi_template_box.h (how and why) */
#include "kb_fragments/scsi_template_box.h"
#include <scsi/scsi_cmnd.h>
#include <linux/string.h>

#if defined(KB_SCSI_QC_STATUS_OLD_ON_NEW) && defined(KB_HAVE_SCSI_QUEUECOMMAND_QC_STATUS)
#define KB_CMND_QC_SLOT	kb_queuecommand_kernel	/* scsi_queuecommand_qc_status's name for the kernel's slot */
#else
#define KB_CMND_QC_SLOT	queuecommand
#endif

/* what the copy's slots held before this shim's patch (the driver's, or another shim's) */
static inline const struct scsi_host_template *kb_cmnd_next(const struct scsi_host_template *hostt)
{
	return &container_of(hostt, struct kb_sht_box, sht)->cmnd_next;
}

static inline void kb_cmnd_enter(struct scsi_cmnd *cmd)
{
	cmd->request = scsi_cmd_to_rq(cmd);
}

static inline typeof(((struct scsi_host_template *)0)->KB_CMND_QC_SLOT((struct Scsi_Host *)0, (struct scsi_cmnd *)0))
kb_cmnd_queuecommand(struct Scsi_Host *shost, struct scsi_cmnd *cmd)
{
	kb_cmnd_enter(cmd);
	/* 5.10's midlayer set the command's completion before each queuecommand call */
	cmd->scsi_done = scsi_done;
	if (kb_sht_driver(shost->hostt)->init_cmd_priv && cmd->submitter == SUBMITTED_BY_BLOCK_LAYER)
		memset(&cmd->SCp, 0, sizeof(cmd->SCp));
	return kb_cmnd_next(shost->hostt)->KB_CMND_QC_SLOT(shost, cmd);
}

#define KB_CMND_EH(slot)								\
static inline int kb_cmnd_##slot(struct scsi_cmnd *cmd)				\
{											\
	kb_cmnd_enter(cmd);								\
	return kb_cmnd_next(cmd->device->host->hostt)->slot(cmd);			\
}
KB_CMND_EH(eh_abort_handler)
KB_CMND_EH(eh_device_reset_handler)
KB_CMND_EH(eh_target_reset_handler)
KB_CMND_EH(eh_bus_reset_handler)
KB_CMND_EH(eh_host_reset_handler)
#undef KB_CMND_EH

static inline typeof(((struct scsi_host_template *)0)->eh_timed_out((struct scsi_cmnd *)0))
kb_cmnd_eh_timed_out(struct scsi_cmnd *cmd)
{
	kb_cmnd_enter(cmd);
	return kb_cmnd_next(cmd->device->host->hostt)->eh_timed_out(cmd);
}

static inline bool kb_sht_patch_cmnd(const struct scsi_host_template *drv, struct scsi_host_template *copy)
{
	if (!copy)
		return true;	/* every template: the core must allocate the appended members */
	container_of(copy, struct kb_sht_box, sht)->cmnd_next = *copy;
	copy->cmd_size += KB_SCSI_CMND_TAIL_SIZE;
	if (copy->KB_CMND_QC_SLOT)
		copy->KB_CMND_QC_SLOT = kb_cmnd_queuecommand;
	if (copy->eh_abort_handler)
		copy->eh_abort_handler = kb_cmnd_eh_abort_handler;
	if (copy->eh_device_reset_handler)
		copy->eh_device_reset_handler = kb_cmnd_eh_device_reset_handler;
	if (copy->eh_target_reset_handler)
		copy->eh_target_reset_handler = kb_cmnd_eh_target_reset_handler;
	if (copy->eh_bus_reset_handler)
		copy->eh_bus_reset_handler = kb_cmnd_eh_bus_reset_handler;
	if (copy->eh_host_reset_handler)
		copy->eh_host_reset_handler = kb_cmnd_eh_host_reset_handler;
	if (copy->eh_timed_out)
		copy->eh_timed_out = kb_cmnd_eh_timed_out;
	return true;
}

#undef KB_SHT_PATCH_CMND
#define KB_SHT_PATCH_CMND	kb_sht_patch_cmnd
