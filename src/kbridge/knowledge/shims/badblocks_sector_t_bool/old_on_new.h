/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The old bad-block table API (set/clear return 0 on success and 1 on
 * failure, int counts and bad length) on a kernel whose functions return
 * true on success and take sector_t counts. See the rule's why
 * (rules/block.toml, badblocks_sector_t_bool).
 */
#include <linux/badblocks.h>
#include <linux/kernel.h>
#include <linux/limits.h>

static inline int kb_badblocks_set(struct badblocks *bb, sector_t s, int sectors, int acknowledged)
{
	return badblocks_set(bb, s, sectors, acknowledged) ? 0 : 1;
}

static inline int kb_badblocks_clear(struct badblocks *bb, sector_t s, int sectors)
{
	return badblocks_clear(bb, s, sectors) ? 0 : 1;
}

static inline int kb_badblocks_check(struct badblocks *bb, sector_t s, int sectors,
				     sector_t *first_bad, int *bad_sectors)
{
	sector_t len;
	int rv = badblocks_check(bb, s, sectors, first_bad, &len);

	if (rv)
		*bad_sectors = (int)min_t(sector_t, len, INT_MAX);
	return rv;
}

#define badblocks_set(bb, s, sectors, acknowledged)	kb_badblocks_set(bb, s, sectors, acknowledged)
#define badblocks_clear(bb, s, sectors)			kb_badblocks_clear(bb, s, sectors)
#define badblocks_check(bb, s, sectors, first_bad, bad_sectors) \
	kb_badblocks_check(bb, s, sectors, first_bad, bad_sectors)
