/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The member is added by this rule's wrapper of <net/9p/transport.h>
 * (include/net/9p/transport.h), which finds this file to know it applies.
 * Nothing more is needed after the header.
 */
#include <net/9p/transport.h>
