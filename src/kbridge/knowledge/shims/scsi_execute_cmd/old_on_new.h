/* SPDX-License-Identifier: GPL-2.0 */
/*
 * __scsi_execute(), scsi_execute() and scsi_execute_req() (Linux up to 6.2)
 * on a kernel with only scsi_execute_cmd(): the older arguments turned into
 * the newer ones, as the newer kernel's own callers were converted.
 *
 * - data_direction: DMA_TO_DEVICE is REQ_OP_DRV_OUT, any other REQ_OP_DRV_IN
 *   (the older function's own mapping); flags are or'ed into the operation.
 * - rq_flags: RQF_PM asks for BLK_MQ_REQ_PM, which gives the request RQF_PM as
 *   the older function's allocation and flag did; RQF_QUIET the newer function
 *   sets itself; no other request flag can be handed to it.
 * - the sense: the older function copied it only when the command returned
 *   some (scmd->sense_len, set only for a non-zero result whose sense
 *   normalizes), leaving the caller's buffer as it was otherwise; the newer
 *   function always copies, so it copies into a buffer of the shim's, copied
 *   on under that condition.
 * - no failures: the older function retried nothing itself.
 */
#include <scsi/scsi_device.h>
#include <scsi/scsi_common.h>
#include <linux/blk-mq.h>
#include <linux/build_bug.h>
#include <linux/dma-direction.h>
#include <linux/string.h>

static inline int kb___scsi_execute(struct scsi_device *sdev, const unsigned char *cmd,
				    int data_direction, void *buffer, unsigned int bufflen,
				    unsigned char *sense, struct scsi_sense_hdr *sshdr,
				    int timeout, int retries, blk_opf_t flags,
				    req_flags_t rq_flags, int *resid)
{
	unsigned char got[SCSI_SENSE_BUFFERSIZE];
	struct scsi_sense_hdr valid;
	const struct scsi_exec_args args = {
		.sense = got,
		.sense_len = sizeof(got),
		.sshdr = sshdr,
		.req_flags = (rq_flags & RQF_PM) ? BLK_MQ_REQ_PM : 0,
		.resid = resid,
	};
	int ret;

	ret = scsi_execute_cmd(sdev, cmd,
			       (data_direction == DMA_TO_DEVICE ? REQ_OP_DRV_OUT : REQ_OP_DRV_IN) | flags,
			       buffer, bufflen, timeout, retries, &args);
	if (sense && ret > 0 && scsi_normalize_sense(got, sizeof(got), &valid))
		memcpy(sense, got, SCSI_SENSE_BUFFERSIZE);
	return ret;
}
#define __scsi_execute	kb___scsi_execute

#define scsi_execute(sdev, cmd, data_direction, buffer, bufflen, sense,	\
		     sshdr, timeout, retries, flags, rq_flags, resid)	\
({									\
	BUILD_BUG_ON((sense) != NULL &&					\
		     sizeof(sense) != SCSI_SENSE_BUFFERSIZE);		\
	kb___scsi_execute(sdev, cmd, data_direction, buffer, bufflen,	\
			  sense, sshdr, timeout, retries, flags, rq_flags, \
			  resid);					\
})

static inline int kb_scsi_execute_req(struct scsi_device *sdev, const unsigned char *cmd,
				      int data_direction, void *buffer, unsigned int bufflen,
				      struct scsi_sense_hdr *sshdr, int timeout, int retries,
				      int *resid)
{
	return kb___scsi_execute(sdev, cmd, data_direction, buffer, bufflen, NULL, sshdr,
				 timeout, retries, 0, 0, resid);
}
#define scsi_execute_req	kb_scsi_execute_req
