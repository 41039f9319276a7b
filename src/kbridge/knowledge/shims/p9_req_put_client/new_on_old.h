/* SPDX-License-Identifier: GPL-2.0 */
/*
 * p9_req_put(c, r) -- the client-naming put -- on a kernel whose
 * p9_req_put(r) drops a reference on the request without naming the
 * client: there the client removes the tag itself (p9_tag_remove(), with
 * its own put), so the transport's put is the kernel's put of the same
 * request, with the same return value.
 */
#include <net/9p/client.h>

static inline int kb_p9_req_put(struct p9_client *c, struct p9_req_t *r)
{
	return p9_req_put(r);
}

#undef p9_req_put
#define p9_req_put kb_p9_req_put
