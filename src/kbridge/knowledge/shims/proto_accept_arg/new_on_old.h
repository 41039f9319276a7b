/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct proto_accept_arg (6.10) on an older kernel, as the newer <net/sock.h> defines it:
 * accept's inputs (flags: O_NONBLOCK/SOCK_NONBLOCK, SOCK_CLOEXEC; kern: a kernel socket)
 * and outputs (err: proto.accept's error; is_empty: the accept queue is empty after it)
 * in one struct. The older kernel's proto_ops.accept takes flags and kern as arguments and
 * never sees this struct: only the driver's own functions and their callers pass it.
 */
#include <linux/types.h>

struct proto_accept_arg {
	int flags;
	int err;
	int is_empty;
	bool kern;
};
