/* SPDX-License-Identifier: GPL-2.0 */
/*
 * enum scsi_qc_status (Linux 7.2, 7.3: what ->queuecommand returns) on a
 * kernel whose ->queuecommand returns int.
 *
 * The values are the same: 0 (queued) or one of SCSI_MLQUEUE_HOST_BUSY,
 * _DEVICE_BUSY, _EH_RETRY, _TARGET_BUSY, which this kernel #defines as the
 * same numbers the newer enum gives them (0x1055..0x1058); the core reads
 * them the same way. So the type is declared as an enum whose compatible
 * type is int -- one private negative enumerator makes GCC choose int -- and
 * a driver's queuecommand returning it has exactly the type of this kernel's
 * slot: nothing converted, nothing called through another type. The names
 * of the values stay this kernel's macros.
 */
#include <scsi/scsi_host.h>
#include <linux/build_bug.h>

enum scsi_qc_status {
	KB_SCSI_QC_STATUS_IS_INT = -1,	/* not a status: makes the enum's type int */
};

static_assert(__builtin_types_compatible_p(enum scsi_qc_status, int),
	      "kbridge: enum scsi_qc_status must be int-compatible to fill this kernel's queuecommand slot");
