/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_host_template.sdev_configure on a kernel that calls the same callback
 * device_configure: int (*)(struct scsi_device *, struct queue_limits *),
 * called by scsi_add_lun inside the queue-limits update it commits (or
 * cancels on a non-zero return); only the name differs. The driver's
 * .sdev_configure designates the kernel's slot.
 */
#include <scsi/scsi_host.h>

#define sdev_configure	device_configure
