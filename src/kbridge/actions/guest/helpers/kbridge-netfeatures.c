// SPDX-License-Identifier: GPL-2.0
/*
 * kbridge-netfeatures IFNAME: print every netdev feature of IFNAME as
 * "name=on|off" plus " fixed" when it cannot be changed, one per line -- what
 * `ethtool -k` shows, through the same ioctls (ETHTOOL_GSSET_INFO,
 * ETHTOOL_GSTRINGS, ETHTOOL_GFEATURES), for guests that have no ethtool.
 */
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int ethtool(int fd, const char *ifname, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_data = data;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

int main(int argc, char **argv)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 buf[1];
	} sset;
	struct ethtool_gstrings *names;
	struct ethtool_gfeatures *feat;
	unsigned int n, blocks, i;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: kbridge-netfeatures IFNAME\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return perror("socket"), 1;
	memset(&sset, 0, sizeof(sset));
	sset.hdr.cmd = ETHTOOL_GSSET_INFO;
	sset.hdr.sset_mask = 1ULL << ETH_SS_FEATURES;
	if (ethtool(fd, argv[1], &sset) < 0 || !sset.hdr.sset_mask)
		return perror("ETHTOOL_GSSET_INFO"), 1;
	n = sset.buf[0];
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	blocks = (n + 31) / 32;
	feat = calloc(1, sizeof(*feat) + blocks * sizeof(feat->features[0]));
	if (!names || !feat)
		return 1;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_FEATURES;
	names->len = n;
	if (ethtool(fd, argv[1], names) < 0)
		return perror("ETHTOOL_GSTRINGS"), 1;
	feat->cmd = ETHTOOL_GFEATURES;
	feat->size = blocks;
	if (ethtool(fd, argv[1], feat) < 0)
		return perror("ETHTOOL_GFEATURES"), 1;
	for (i = 0; i < n; i++) {
		const struct ethtool_get_features_block *b = &feat->features[i / 32];
		__u32 bit = 1U << (i % 32);
		char name[ETH_GSTRING_LEN + 1];

		memcpy(name, names->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		name[ETH_GSTRING_LEN] = 0;
		if (!name[0])
			continue;
		printf("%s=%s%s\n", name, (b->active & bit) ? "on" : "off",
		       (!(b->available & bit) || (b->never_changed & bit)) ? " fixed" : "");
	}
	close(fd);
	return 0;
}
