// SPDX-License-Identifier: GPL-2.0
/*
 * kbridge-insmod FILE [PARAM...]: load one module with finit_module(2), once.
 *
 * Why not busybox insmod: when finit_module() fails, busybox retries with
 * init_module(), so a module whose init fails runs its init twice and logs
 * everything twice. This helper makes exactly one attempt and reports the
 * errno by number ("errno 19 No such device") so the host need not guess it
 * back from a message. Built statically on the host at run time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t len = 1;
	char *opts;
	int fd, i;

	if (argc < 2) {
		fprintf(stderr, "usage: kbridge-insmod FILE [PARAM...]\n");
		return 2;
	}
	for (i = 2; i < argc; i++)
		len += strlen(argv[i]) + 1;
	opts = calloc(len, 1);
	if (!opts)
		return 2;
	for (i = 2; i < argc; i++) {
		if (i > 2)
			strcat(opts, " ");
		strcat(opts, argv[i]);
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		printf("errno %d %s (open)\n", e, strerror(e));
		return 1;
	}
	if (syscall(SYS_finit_module, fd, opts, 0) != 0) {
		int e = errno;
		printf("errno %d %s\n", e, strerror(e));
		return 1;
	}
	return 0;
}
