/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_host_template.slave_alloc (Linux < 6.14) on a kernel that calls the
 * same callback sdev_init: int (*)(struct scsi_device *), called by the core
 * when a device is allocated, only the name differs. The driver's
 * .slave_alloc designates the kernel's slot.
 */
#include <scsi/scsi_host.h>

#define slave_alloc	sdev_init
