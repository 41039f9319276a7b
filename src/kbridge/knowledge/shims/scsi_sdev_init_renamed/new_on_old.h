/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_host_template.sdev_init (Linux >= 6.14) on a kernel that calls the
 * same callback slave_alloc: int (*)(struct scsi_device *), called by the core
 * when a device is allocated, only the name differs. The driver's .sdev_init
 * designates the kernel's slot.
 */
#include <scsi/scsi_host.h>

#define sdev_init	slave_alloc
