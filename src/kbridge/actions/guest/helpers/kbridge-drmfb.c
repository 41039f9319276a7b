// SPDX-License-Identifier: GPL-2.0
/*
 * kbridge-drmfb DEVICE: what a compositor does to show a buffer, through the
 * DRM character device DEVICE (/dev/dri/cardN), for guests without libdrm:
 * a dumb buffer (DRM_IOCTL_MODE_CREATE_DUMB), framebuffers on it with
 * DRM_IOCTL_MODE_ADDFB2 -- each of which reaches the driver's
 * drm_mode_config_funcs.fb_create unless the core refuses it first -- and
 * DRM_IOCTL_MODE_RMFB. One line per step, "kbdrmfb STEP RESULT", RESULT being
 * "ok" (with the new id) or the errno's name:
 *   dumb             a 64x32, 32 bpp dumb buffer
 *   xrgb8888         ADDFB2 of it as 64x32 XRGB8888 (one plane)
 *   nv12             ADDFB2 as 64x32 NV12 (two planes in the same buffer)
 *   bad-handle       ADDFB2 with a GEM handle that does not exist
 *   zero-width       ADDFB2 with width 0 (the core refuses it before fb_create)
 *   bad-format       ADDFB2 with a fourcc no kernel knows (likewise)
 *   rmfb             RMFB of the framebuffers that were made
 * The ioctl numbers and structures are the kernel's stable uapi
 * (include/uapi/drm/drm.h, drm_mode.h), written out here since the guest
 * build host need not have libdrm's headers.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct kb_create_dumb {
	__u32 height, width, bpp, flags, handle, pitch;
	__u64 size;
};

struct kb_fb_cmd2 {
	__u32 fb_id, width, height, pixel_format, flags;
	__u32 handles[4], pitches[4], offsets[4];
	__u64 modifier[4];
};

#define KB_IOCTL_CREATE_DUMB	_IOWR('d', 0xB2, struct kb_create_dumb)
#define KB_IOCTL_ADDFB2		_IOWR('d', 0xB8, struct kb_fb_cmd2)
#define KB_IOCTL_RMFB		_IOWR('d', 0xAF, unsigned int)
#define KB_FOURCC(a, b, c, d)	((__u32)(a) | ((__u32)(b) << 8) | ((__u32)(c) << 16) | ((__u32)(d) << 24))

static const char *errname(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case ENOSPC: return "ENOSPC";
	case ENOMEM: return "ENOMEM";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOSYS: return "ENOSYS";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	default: return "EOTHER";
	}
}

static unsigned int addfb2(int fd, const char *step, __u32 w, __u32 h, __u32 fourcc,
			   __u32 handle, __u32 pitch, int planes)
{
	struct kb_fb_cmd2 c;

	memset(&c, 0, sizeof(c));
	c.width = w;
	c.height = h;
	c.pixel_format = fourcc;
	c.handles[0] = handle;
	c.pitches[0] = pitch;
	if (planes == 2) {
		c.handles[1] = handle;
		c.pitches[1] = pitch;
		c.offsets[1] = pitch * h;
	}
	if (ioctl(fd, KB_IOCTL_ADDFB2, &c)) {
		printf("kbdrmfb %s %s\n", step, errname(errno));
		return 0;
	}
	printf("kbdrmfb %s ok\n", step);
	return c.fb_id;
}

int main(int argc, char **argv)
{
	struct kb_create_dumb d;
	unsigned int ids[2], i;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: kbridge-drmfb /dev/dri/cardN\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("kbdrmfb open %s\n", errname(errno));
		return 1;
	}
	memset(&d, 0, sizeof(d));
	d.width = 64;
	d.height = 32;
	d.bpp = 32;
	if (ioctl(fd, KB_IOCTL_CREATE_DUMB, &d)) {
		printf("kbdrmfb dumb %s\n", errname(errno));
		return 1;
	}
	printf("kbdrmfb dumb ok\n");
	ids[0] = addfb2(fd, "xrgb8888", 64, 32, KB_FOURCC('X', 'R', '2', '4'), d.handle, d.pitch, 1);
	ids[1] = addfb2(fd, "nv12", 64, 32, KB_FOURCC('N', 'V', '1', '2'), d.handle, 64, 2);
	addfb2(fd, "bad-handle", 64, 32, KB_FOURCC('X', 'R', '2', '4'), d.handle + 1000, d.pitch, 1);
	addfb2(fd, "zero-width", 0, 32, KB_FOURCC('X', 'R', '2', '4'), d.handle, d.pitch, 1);
	addfb2(fd, "bad-format", 64, 32, KB_FOURCC('K', 'B', '?', '?'), d.handle, d.pitch, 1);
	for (i = 0; i < 2; i++)
		if (ids[i])
			printf("kbdrmfb rmfb %s\n", ioctl(fd, KB_IOCTL_RMFB, &ids[i]) ? errname(errno) : "ok");
	close(fd);
	return 0;
}
