/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ->eh_timed_out returning enum blk_eh_timer_return (Linux up to 6.1) on a
 * kernel whose slot returns enum scsi_timeout_action.
 *
 * The older core read BLK_EH_DONE from the callback as "not handled": the
 * command is aborted and goes to error handling unless it already completed,
 * which the newer core does for SCSI_EH_NOT_HANDLED (its SCSI_EH_DONE, the
 * same number as BLK_EH_DONE, leaves the command alone: a timed-out command
 * would hang). BLK_EH_RESET_TIMER is SCSI_EH_RESET_TIMER. In the driver's code
 * (after the kernel's headers) the type and the two names are the SCSI ones,
 * so its callback is of the newer slot's type: no trampoline.
 */
#include <scsi/scsi_host.h>
#include <linux/blk-mq.h>

#define blk_eh_timer_return	scsi_timeout_action
#define BLK_EH_DONE		SCSI_EH_NOT_HANDLED
#define BLK_EH_RESET_TIMER	SCSI_EH_RESET_TIMER
