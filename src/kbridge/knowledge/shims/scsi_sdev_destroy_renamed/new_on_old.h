/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_host_template.sdev_destroy on a kernel that calls the same callback
 * slave_destroy: void (*)(struct scsi_device *), called by the core when a
 * device goes away, only the name differs. The driver's .sdev_destroy
 * designates the kernel's slot.
 */
#include <scsi/scsi_host.h>

#define sdev_destroy	slave_destroy
