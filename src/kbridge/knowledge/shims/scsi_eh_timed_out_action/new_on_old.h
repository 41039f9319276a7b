/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ->eh_timed_out returning enum scsi_timeout_action (Linux 6.2 on) on a kernel
 * whose slot returns enum blk_eh_timer_return.
 *
 * This kernel's scsi_timeout() treats BLK_EH_DONE as the newer one treats
 * SCSI_EH_NOT_HANDLED (abort the command and hand it to error handling,
 * unless it completed already) and BLK_EH_RESET_TIMER as SCSI_EH_RESET_TIMER.
 * SCSI_EH_DONE ("the driver completed the command") is BLK_EH_DONE too: this
 * kernel then finds the command completed and leaves it. The driver's
 * callback is thus of this kernel's slot type: no trampoline.
 */
#include <scsi/scsi_host.h>
#include <linux/blk-mq.h>

#define scsi_timeout_action	blk_eh_timer_return
#define SCSI_EH_DONE		BLK_EH_DONE
#define SCSI_EH_RESET_TIMER	BLK_EH_RESET_TIMER
#define SCSI_EH_NOT_HANDLED	BLK_EH_DONE
