/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The newer bad-block table API (set/clear return true on success, sector_t
 * counts and bad length) on a kernel whose functions return 0 on success and
 * 1 on failure and take int counts. See the rule's why
 * (rules/block.toml, badblocks_sector_t_bool).
 */
#include <linux/badblocks.h>
#include <linux/kernel.h>
#include <linux/limits.h>

/* the largest piece this kernel's int count takes, a whole number of the table's blocks */
static inline int kb_bb_piece(const struct badblocks *bb, sector_t sectors)
{
	sector_t max = bb->shift > 0 ? ((sector_t)INT_MAX >> bb->shift) << bb->shift : INT_MAX;

	return (int)min(sectors, max);
}

static inline bool kb_badblocks_set(struct badblocks *bb, sector_t s, sector_t sectors,
				    int acknowledged)
{
	if (bb->shift < 0 || sectors == 0)
		return false;
	while (sectors) {
		int n = kb_bb_piece(bb, sectors);

		if (badblocks_set(bb, s, n, acknowledged))
			return false;
		s += n;
		sectors -= n;
	}
	return true;
}

static inline bool kb_badblocks_clear(struct badblocks *bb, sector_t s, sector_t sectors)
{
	if (bb->shift < 0 || sectors == 0)
		return false;
	while (sectors) {
		int n = kb_bb_piece(bb, sectors);

		if (badblocks_clear(bb, s, n))
			return false;
		s += n;
		sectors -= n;
	}
	return true;
}

static inline int kb_badblocks_check(struct badblocks *bb, sector_t s, sector_t sectors,
				     sector_t *first_bad, sector_t *bad_sectors)
{
	do {
		int n = kb_bb_piece(bb, sectors ? sectors : 1), len;
		int rv = badblocks_check(bb, s, sectors ? n : 0, first_bad, &len);

		if (rv) {
			*bad_sectors = len;
			return rv;
		}
		s += n;
		sectors -= min_t(sector_t, sectors, n);
	} while (sectors);
	return 0;
}

#define badblocks_set(bb, s, sectors, acknowledged)	kb_badblocks_set(bb, s, sectors, acknowledged)
#define badblocks_clear(bb, s, sectors)			kb_badblocks_clear(bb, s, sectors)
#define badblocks_check(bb, s, sectors, first_bad, bad_sectors) \
	kb_badblocks_check(bb, s, sectors, first_bad, bad_sectors)
