// SPDX-License-Identifier: GPL-2.0
/*
 * kbridge-sgreset DEV [device|target|bus|host]: the SG_SCSI_RESET ioctl (sg3_utils'
 * sg_reset, which the guest lacks) on a SCSI generic or block device node: the SCSI
 * core's scsi_ioctl_reset() builds a command of its own and calls the host template's
 * eh_*_reset_handler with it. Prints "sgreset 0" or "sgreset errno N Message"; exits 0
 * when the ioctl succeeded. Built statically on the host at run time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define KB_SG_SCSI_RESET		0x2284	/* <scsi/sg.h> */
#define KB_SG_SCSI_RESET_DEVICE		1
#define KB_SG_SCSI_RESET_BUS		2
#define KB_SG_SCSI_RESET_HOST		3
#define KB_SG_SCSI_RESET_TARGET		4

int main(int argc, char **argv)
{
	int fd, op = KB_SG_SCSI_RESET_DEVICE;

	if (argc < 2) {
		fprintf(stderr, "usage: kbridge-sgreset DEV [device|target|bus|host]\n");
		return 2;
	}
	if (argc > 2) {
		if (!strcmp(argv[2], "target"))
			op = KB_SG_SCSI_RESET_TARGET;
		else if (!strcmp(argv[2], "bus"))
			op = KB_SG_SCSI_RESET_BUS;
		else if (!strcmp(argv[2], "host"))
			op = KB_SG_SCSI_RESET_HOST;
		else if (strcmp(argv[2], "device")) {
			fprintf(stderr, "kbridge-sgreset: unknown reset %s\n", argv[2]);
			return 2;
		}
	}
	fd = open(argv[1], O_RDWR | O_NONBLOCK);
	if (fd < 0 || ioctl(fd, KB_SG_SCSI_RESET, &op) < 0) {
		int e = errno;

		printf("sgreset errno %d %s\n", e, strerror(e));
		return 1;
	}
	printf("sgreset 0\n");
	close(fd);
	return 0;
}
