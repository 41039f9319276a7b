/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The older ring.h's RING_HAS_UNCONSUMED_RESPONSES/REQUESTS() -- the NUMBER
 * of unconsumed entries -- on a kernel whose macros of that name answer only
 * 0 or 1 (the numbers are XEN_RING_NR_UNCONSUMED_* there, the same
 * arithmetic). A driver written for the older ring.h may count with them:
 * 5.10's xen-netfront stores RING_HAS_UNCONSUMED_RESPONSES() as the number of
 * responses seen and takes an event as spurious unless the number grew, so a
 * 0/1 answer would make every later batch look spurious (and hide a producer
 * index going backwards). RING_FINAL_CHECK_FOR_* gave the counts too.
 * ring.h is included here first, so that its own definitions (read once,
 * include guard) cannot come after these.
 */
#include <xen/interface/io/ring.h>

#define KB_RING_HAS_UNCONSUMED_RESPONSES(_r)	XEN_RING_NR_UNCONSUMED_RESPONSES(_r)
#define KB_RING_HAS_UNCONSUMED_REQUESTS(_r)	XEN_RING_NR_UNCONSUMED_REQUESTS(_r)
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
