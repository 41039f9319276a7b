/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_execute_cmd() (Linux 6.3 on; args->failures 6.12 here) on a kernel
 * with __scsi_execute() (5.10, 6.1): the newer function's arguments turned
 * into the older one's, the parts the newer function does itself done around
 * it the way scsi_execute_cmd() and scsi_check_passthrough() do them.
 *
 * - opf: REQ_OP_DRV_OUT is DMA_TO_DEVICE, anything else from the device (the
 *   older function makes a REQ_OP_DRV_OUT/_IN request of it, 5.10 REQ_OP_SCSI_*);
 *   the bits above REQ_OP_MASK are or'ed into the request's flags there too.
 * - args->req_flags: BLK_MQ_REQ_PM is RQF_PM (the older function allocates with
 *   BLK_MQ_REQ_PM for it and sets it); scmd_flags are dropped (the one flag the
 *   newer core keeps past preparation, SCMD_FAIL_IF_RECOVERING, is not here).
 * - the sense buffer is always written, zeros when the command left no sense
 *   (the newer core prepared the buffer zeroed); a buffer of another size than
 *   SCSI_SENSE_BUFFERSIZE: a warning, -EINVAL, nothing sent.
 * - args->failures: a non-zero result is matched as scsi_check_passthrough()
 *   matches it and the command sent again while its allowance lasts.
 * - 5.10's results may carry a driver byte (DRIVER_SENSE from a low-level
 *   driver, DRIVER_TIMEOUT): the newer kernels' results have none, so it is
 *   cleared; DRIVER_ERROR alone is 5.10's "no request could be allocated or
 *   mapped", which the newer function returns as the failing step's negative
 *   errno: blk_rq_map_kern()'s own checks (5.10 .. 7.3 alike: a length over the
 *   queue's max_hw_sectors, a length without a buffer) are -EINVAL, as 6.1's
 *   __scsi_execute() and the newer scsi_execute_cmd() return them; any other
 *   failure, whose errno 5.10 does not keep, -EIO.
 */
#include <scsi/scsi_device.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_proto.h>
#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/bug.h>
#include <linux/dma-direction.h>
#include <linux/errno.h>
#include <linux/string.h>

#define SCMD_FAILURE_RESULT_ANY	0x7fffffff
#define SCMD_FAILURE_STAT_ANY	0xff
#define SCMD_FAILURE_SENSE_ANY	0xff
#define SCMD_FAILURE_ASC_ANY	0xff
#define SCMD_FAILURE_ASCQ_ANY	0xff
#define SCMD_FAILURE_NO_LIMIT	-1

struct scsi_failure {
	int result;
	u8 sense;
	u8 asc;
	u8 ascq;
	s8 allowed;
	s8 retries;
};

struct scsi_failures {
	int total_allowed;
	int total_retries;
	struct scsi_failure *failure_definitions;
};

struct scsi_exec_args {
	unsigned char *sense;
	unsigned int sense_len;
	struct scsi_sense_hdr *sshdr;
	blk_mq_req_flags_t req_flags;
	int scmd_flags;
	int *resid;
	struct scsi_failures *failures;
};

static inline void kb_scsi_failures_reset_retries(struct scsi_failures *failures)
{
	struct scsi_failure *failure;

	failures->total_retries = 0;
	for (failure = failures->failure_definitions; failure->result; failure++)
		failure->retries = 0;
}
#define scsi_failures_reset_retries	kb_scsi_failures_reset_retries

/* the newer scsi_status_is_good(): on the whole result, DID_NO_CONNECT not good */
static inline bool kb_scsi_exec_status_good(int result)
{
	int status = result & 0xfe;

	if (result < 0 || ((result >> 16) & 0xff) == DID_NO_CONNECT)
		return false;
	return status == SAM_STAT_GOOD || status == SAM_STAT_CONDITION_MET ||
	       status == SAM_STAT_INTERMEDIATE || status == SAM_STAT_INTERMEDIATE_CONDITION_MET ||
	       status == SAM_STAT_COMMAND_TERMINATED;
}

/* scsi_check_passthrough(): -EAGAIN when *failures* says the command goes again */
static inline int kb_scsi_exec_check(int result, const unsigned char *sense,
				     struct scsi_failures *failures)
{
	struct scsi_failure *failure;
	struct scsi_sense_hdr sshdr;
	int host = (result >> 16) & 0xff, status;

	if (!result || !failures)
		return 0;
	for (failure = failures->failure_definitions; failure->result; failure++) {
		if (failure->result == SCMD_FAILURE_RESULT_ANY)
			goto maybe_retry;
		if (host && host == ((failure->result >> 16) & 0xff))
			goto maybe_retry;
		status = result & 0xff;
		if (!status)
			continue;
		if (failure->result == SCMD_FAILURE_STAT_ANY && !kb_scsi_exec_status_good(result))
			goto maybe_retry;
		if (status != (failure->result & 0xff))
			continue;
		if ((failure->result & 0xff) != SAM_STAT_CHECK_CONDITION ||
		    failure->sense == SCMD_FAILURE_SENSE_ANY)
			goto maybe_retry;
		if (!scsi_normalize_sense(sense, SCSI_SENSE_BUFFERSIZE, &sshdr))
			return 0;
		if (failure->sense != sshdr.sense_key)
			continue;
		if (failure->asc == SCMD_FAILURE_ASC_ANY)
			goto maybe_retry;
		if (failure->asc != sshdr.asc)
			continue;
		if (failure->ascq == SCMD_FAILURE_ASCQ_ANY || failure->ascq == sshdr.ascq)
			goto maybe_retry;
	}
	return 0;

maybe_retry:
	if (failure->allowed) {
		if (failure->allowed == SCMD_FAILURE_NO_LIMIT || ++failure->retries <= failure->allowed)
			return -EAGAIN;
	} else {
		if (failures->total_allowed == SCMD_FAILURE_NO_LIMIT ||
		    ++failures->total_retries <= failures->total_allowed)
			return -EAGAIN;
	}
	return 0;
}

#ifdef DRIVER_ERROR
/* the errno the newer function returns where 5.10's __scsi_execute() said DRIVER_ERROR */
static inline int kb_scsi_exec_unmapped(struct scsi_device *sdev, const void *buffer,
					unsigned int bufflen)
{
	if (bufflen && (bufflen > (queue_max_hw_sectors(sdev->request_queue) << 9) || !buffer))
		return -EINVAL;
	return -EIO;
}
#endif

static inline int kb_scsi_execute_cmd(struct scsi_device *sdev, const unsigned char *cmd,
				      blk_opf_t opf, void *buffer, unsigned int bufflen,
				      int timeout, int ml_retries, const struct scsi_exec_args *args)
{
	static const struct scsi_exec_args default_args;
	unsigned char sense[SCSI_SENSE_BUFFERSIZE];
	int ret;

	if (!args)
		args = &default_args;
	else if (WARN_ON_ONCE(args->sense && args->sense_len != SCSI_SENSE_BUFFERSIZE))
		return -EINVAL;
	do {
		memset(sense, 0, sizeof(sense));
		ret = __scsi_execute(sdev, cmd,
				     ((unsigned int)opf & REQ_OP_MASK) == REQ_OP_DRV_OUT ?
				     DMA_TO_DEVICE : DMA_FROM_DEVICE,
				     buffer, bufflen, sense, args->sshdr, timeout, ml_retries,
				     (unsigned int)opf & ~(unsigned int)REQ_OP_MASK,
				     (args->req_flags & BLK_MQ_REQ_PM) ? RQF_PM : 0, args->resid);
#ifdef DRIVER_ERROR
		if (ret == DRIVER_ERROR << 24)
			return kb_scsi_exec_unmapped(sdev, buffer, bufflen);
		ret &= 0x00ffffff;
#endif
		if (ret < 0)
			return ret;
	} while (kb_scsi_exec_check(ret, sense, args->failures) == -EAGAIN);
	if (args->sense)
		memcpy(args->sense, sense, SCSI_SENSE_BUFFERSIZE);
	return ret;
}
#define scsi_execute_cmd	kb_scsi_execute_cmd
