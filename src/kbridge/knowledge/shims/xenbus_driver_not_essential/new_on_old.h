/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenbus_driver.not_essential on a kernel without it: the member is added by
 * this rule's wrapper of <xen/xenbus.h> (include/xen/xenbus.h), which finds
 * this file to know it applies. Nothing more is needed after the header.
 */
#include <xen/xenbus.h>
