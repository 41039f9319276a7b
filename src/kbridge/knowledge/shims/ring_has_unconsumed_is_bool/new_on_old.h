/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The newer ring.h's unconsumed-entry macros (Xen's public io/ring.h as
 * updated by "xen: update ring.h") on a kernel whose ring.h still has the
 * older ones:
 *   XEN_RING_NR_UNCONSUMED_RESPONSES/REQUESTS()  the numbers of unconsumed
 *                                                 entries (the older kernel's
 *                                                 RING_HAS_UNCONSUMED_* text)
 *   RING_HAS_UNCONSUMED_RESPONSES/REQUESTS()      0 or 1, their !!
 *   RING_FINAL_CHECK_FOR_RESPONSES/REQUESTS()     built on those, as there
 * ring.h is included here first, so that its own definitions (read once,
 * include guard) cannot come after these.
 */
#include <xen/interface/io/ring.h>

#ifndef XEN_RING_NR_UNCONSUMED_RESPONSES
#define XEN_RING_NR_UNCONSUMED_RESPONSES(_r)                            \
    ((_r)->sring->rsp_prod - (_r)->rsp_cons)
#endif
#ifndef XEN_RING_NR_UNCONSUMED_REQUESTS
#define XEN_RING_NR_UNCONSUMED_REQUESTS(_r) ({                          \
    unsigned int req = (_r)->sring->req_prod - (_r)->req_cons;          \
    unsigned int rsp = RING_SIZE(_r) -                                  \
        ((_r)->req_cons - (_r)->rsp_prod_pvt);                          \
    req < rsp ? req : rsp;                                              \
})
#endif

#define KB_RING_HAS_UNCONSUMED_RESPONSES(_r)	(!!XEN_RING_NR_UNCONSUMED_RESPONSES(_r))
#define KB_RING_HAS_UNCONSUMED_REQUESTS(_r)	(!!XEN_RING_NR_UNCONSUMED_REQUESTS(_r))
#define KB_RING_FINAL_CHECK_FOR_REQUESTS(_r, _work_to_do) do {		\
	(_work_to_do) = KB_RING_HAS_UNCONSUMED_REQUESTS(_r);		\
	if (_work_to_do) break;						\
	(_r)->sring->req_event = (_r)->req_cons + 1;			\
	virt_mb();							\
	(_work_to_do) = KB_RING_HAS_UNCONSUMED_REQUESTS(_r);		\
} while (0)
#define KB_RING_FINAL_CHECK_FOR_RESPONSES(_r, _work_to_do) do {		\
	(_work_to_do) = KB_RING_HAS_UNCONSUMED_RESPONSES(_r);		\
	if (_work_to_do) break;						\
	(_r)->sring->rsp_event = (_r)->rsp_cons + 1;			\
	virt_mb();							\
	(_work_to_do) = KB_RING_HAS_UNCONSUMED_RESPONSES(_r);		\
} while (0)

#undef RING_HAS_UNCONSUMED_RESPONSES
#undef RING_HAS_UNCONSUMED_REQUESTS
#undef RING_FINAL_CHECK_FOR_REQUESTS
#undef RING_FINAL_CHECK_FOR_RESPONSES
#define RING_HAS_UNCONSUMED_RESPONSES(_r)	KB_RING_HAS_UNCONSUMED_RESPONSES(_r)
#define RING_HAS_UNCONSUMED_REQUESTS(_r)	KB_RING_HAS_UNCONSUMED_REQUESTS(_r)
#define RING_FINAL_CHECK_FOR_REQUESTS(_r, _w)	KB_RING_FINAL_CHECK_FOR_REQUESTS(_r, _w)
#define RING_FINAL_CHECK_FOR_RESPONSES(_r, _w)	KB_RING_FINAL_CHECK_FOR_RESPONSES(_r, _w)
