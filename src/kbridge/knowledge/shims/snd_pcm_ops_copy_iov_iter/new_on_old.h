/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct snd_pcm_ops with the iov_iter based .copy callback (Linux >= 6.6)
 * on a kernel whose PCM core calls .copy_user (a user pointer) or
 * .copy_kernel (a kernel pointer) instead.
 *
 * After the kernel's <sound/pcm.h>, the driver's struct snd_pcm_ops is
 * struct kb_snd_pcm_ops: this kernel's members, with .copy in place of
 * .copy_user/.copy_kernel. snd_pcm_set_ops() -- the API boundary where the
 * driver hands its ops to the core -- gives the core a real struct
 * snd_pcm_ops with every callback of the driver and, when the driver has
 * .copy, two trampolines: copy_user wraps the user buffer in an iov_iter
 * (import_single_range), copy_kernel wraps the kernel buffer in a kvec
 * iov_iter, both in the direction of the stream (source for playback,
 * destination for capture), and call the driver's .copy with the same
 * channel, position and byte count. That is what the newer core does
 * before calling .copy, so the driver sees the same data and its return
 * value goes back to the core unchanged.
 *
 * Lifetime of the real ops: substream->ops points at them until the last
 * file of the card is closed, which can be after the device went away:
 * snd_card_free() -> snd_card_disconnect() runs device_del(&card->card_dev),
 * which releases card_dev's devres, and only then waits for the open files;
 * their last close (snd_disconnect_release -> snd_pcm_release ->
 * snd_pcm_release_substream) still calls ops->hw_free and ops->close. So
 * the box is not devres of card_dev (freed at disconnect: a use-after-free
 * at that close) but a low-level snd_device of the card: snd_card_do_free()
 * runs when card_dev's last reference goes (every open file holds one),
 * and snd_device_free_all() frees the low-level devices after every other
 * one, the PCMs with their substreams included -- nothing can reach the
 * ops after that. Not pcm->private_free, which is the driver's to set.
 *
 * snd_pcm_set_ops() cannot fail, and a driver's ops must be in place when
 * it returns (no error to report, and a PCM without ops oopses at open), so
 * the box, a couple hundred bytes at probe time, is allocated __GFP_NOFAIL;
 * if registering it with the card fails (-ENOMEM), it is kept for good --
 * a small leak on a failure path, never a freed or missing ops table.
 */
#include <sound/pcm.h>
#include <sound/core.h>
#include <linux/uio.h>
#include <linux/slab.h>

struct kb_snd_pcm_ops {
	int (*open)(struct snd_pcm_substream *substream);
	int (*close)(struct snd_pcm_substream *substream);
	int (*ioctl)(struct snd_pcm_substream *substream, unsigned int cmd, void *arg);
	int (*hw_params)(struct snd_pcm_substream *substream, struct snd_pcm_hw_params *params);
	int (*hw_free)(struct snd_pcm_substream *substream);
	int (*prepare)(struct snd_pcm_substream *substream);
	int (*trigger)(struct snd_pcm_substream *substream, int cmd);
	int (*sync_stop)(struct snd_pcm_substream *substream);
	snd_pcm_uframes_t (*pointer)(struct snd_pcm_substream *substream);
	int (*get_time_info)(struct snd_pcm_substream *substream,
			     struct timespec64 *system_ts, struct timespec64 *audio_ts,
			     struct snd_pcm_audio_tstamp_config *audio_tstamp_config,
			     struct snd_pcm_audio_tstamp_report *audio_tstamp_report);
	int (*fill_silence)(struct snd_pcm_substream *substream, int channel,
			    unsigned long pos, unsigned long bytes);
	int (*copy)(struct snd_pcm_substream *substream, int channel,
		    unsigned long pos, struct iov_iter *iter, unsigned long bytes);
	struct page *(*page)(struct snd_pcm_substream *substream, unsigned long offset);
	int (*mmap)(struct snd_pcm_substream *substream, struct vm_area_struct *vma);
	int (*ack)(struct snd_pcm_substream *substream);
};

/* the core's ops and the driver's, side by side */
struct kb_snd_pcm_ops_bridge {
	struct snd_pcm_ops real;
	const struct kb_snd_pcm_ops *ops;
};

static inline const struct kb_snd_pcm_ops *kb_snd_pcm_driver_ops(struct snd_pcm_substream *substream)
{
	return container_of(substream->ops, struct kb_snd_pcm_ops_bridge, real)->ops;
}

static inline unsigned int kb_snd_pcm_iter_dir(struct snd_pcm_substream *substream)
{
	return substream->stream == SNDRV_PCM_STREAM_PLAYBACK ? ITER_SOURCE : ITER_DEST;
}

static inline int kb_snd_pcm_copy_user(struct snd_pcm_substream *substream, int channel,
				       unsigned long pos, void __user *buf, unsigned long bytes)
{
	struct iovec iov;
	struct iov_iter iter;
	int err = import_single_range(kb_snd_pcm_iter_dir(substream), buf, bytes, &iov, &iter);

	if (err)
		return err;
	return kb_snd_pcm_driver_ops(substream)->copy(substream, channel, pos, &iter, bytes);
}

static inline int kb_snd_pcm_copy_kernel(struct snd_pcm_substream *substream, int channel,
					 unsigned long pos, void *buf, unsigned long bytes)
{
	struct kvec kvec = { .iov_base = buf, .iov_len = bytes };
	struct iov_iter iter;

	iov_iter_kvec(&iter, kb_snd_pcm_iter_dir(substream), &kvec, 1, bytes);
	return kb_snd_pcm_driver_ops(substream)->copy(substream, channel, pos, &iter, bytes);
}

static inline int kb_snd_pcm_ops_bridge_free(struct snd_device *device)
{
	kfree(device->device_data);
	return 0;
}

static inline void kb_snd_pcm_set_ops(struct snd_pcm *pcm, int direction,
				      const struct kb_snd_pcm_ops *ops)
{
	static const struct snd_device_ops dev_ops = { .dev_free = kb_snd_pcm_ops_bridge_free };
	struct kb_snd_pcm_ops_bridge *b;

	b = kzalloc(sizeof(*b), GFP_KERNEL | __GFP_NOFAIL);
	b->ops = ops;
	b->real.open = ops->open;
	b->real.close = ops->close;
	b->real.ioctl = ops->ioctl;
	b->real.hw_params = ops->hw_params;
	b->real.hw_free = ops->hw_free;
	b->real.prepare = ops->prepare;
	b->real.trigger = ops->trigger;
	b->real.sync_stop = ops->sync_stop;
	b->real.pointer = ops->pointer;
	b->real.get_time_info = ops->get_time_info;
	b->real.fill_silence = ops->fill_silence;
	if (ops->copy) {
		b->real.copy_user = kb_snd_pcm_copy_user;
		b->real.copy_kernel = kb_snd_pcm_copy_kernel;
	}
	b->real.page = ops->page;
	b->real.mmap = ops->mmap;
	b->real.ack = ops->ack;
	snd_device_new(pcm->card, SNDRV_DEV_LOWLEVEL, b, &dev_ops);
	snd_pcm_set_ops(pcm, direction, &b->real);
}

#define snd_pcm_ops			kb_snd_pcm_ops
#define snd_pcm_set_ops(pcm, dir, ops)	kb_snd_pcm_set_ops(pcm, dir, ops)
