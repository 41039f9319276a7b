/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DID_TRANSPORT_MARGINAL on a kernel whose SCSI core does not know host byte
 * 0x14 (it would take it for a failure and escalate error handling).
 *
 * The newer core reads DID_TRANSPORT_MARGINAL in two places, each time
 * exactly as DID_TRANSPORT_FAILFAST: scsi_decide_disposition() completes the
 * command without retry (SUCCESS), scsi_result_to_blk_status() gives
 * BLK_STS_TRANSPORT. This kernel does the same for DID_TRANSPORT_FAILFAST in
 * the same two places, so that is the name's value here. The raw host byte
 * user space sees through SG_IO is 0x0f instead of 0x14.
 */
#include <scsi/scsi.h>

#define DID_TRANSPORT_MARGINAL	DID_TRANSPORT_FAILFAST
