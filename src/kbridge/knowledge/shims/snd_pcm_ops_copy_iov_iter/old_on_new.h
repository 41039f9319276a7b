/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct snd_pcm_ops with .copy_user/.copy_kernel (Linux < 6.6) on a kernel
 * whose PCM core calls one .copy callback with an iov_iter.
 *
 * After the kernel's <sound/pcm.h>, the driver's struct snd_pcm_ops is
 * struct kb_snd_pcm_ops: the kernel's members with .copy_user/.copy_kernel
 * in place of .copy. snd_pcm_set_ops() gives the core a real struct
 * snd_pcm_ops with every callback of the driver and, when the driver has
 * .copy_user, a .copy trampoline that hands the iov_iter's memory to the
 * callback the old core would have called: a user buffer (the core's
 * read/write path) to .copy_user, a kernel buffer (in-kernel users such as
 * OSS emulation) to .copy_kernel, at the same channel, position and byte
 * count, then advances the iterator by what was copied. An iterator of any
 * other shape is staged through a kernel bounce buffer and .copy_kernel,
 * copying from/to the iterator in the stream's direction, so every caller
 * of the core gets the driver's data. A buffer whose callback the driver
 * does not have (in-kernel transfers with only .copy_user) is copied to or
 * from the DMA area, as the old core's default copy did.
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
	int (*copy_user)(struct snd_pcm_substream *substream, int channel,
			 unsigned long pos, void __user *buf, unsigned long bytes);
	int (*copy_kernel)(struct snd_pcm_substream *substream, int channel,
			   unsigned long pos, void *buf, unsigned long bytes);
	struct page *(*page)(struct snd_pcm_substream *substream, unsigned long offset);
	int (*mmap)(struct snd_pcm_substream *substream, struct vm_area_struct *vma);
	int (*ack)(struct snd_pcm_substream *substream);
};

struct kb_snd_pcm_ops_bridge {
	struct snd_pcm_ops real;
	const struct kb_snd_pcm_ops *ops;
};

static inline int kb_snd_pcm_copy(struct snd_pcm_substream *substream, int channel,
				  unsigned long pos, struct iov_iter *iter, unsigned long bytes)
{
	const struct kb_snd_pcm_ops *ops =
		container_of(substream->ops, struct kb_snd_pcm_ops_bridge, real)->ops;
	bool playback = substream->stream == SNDRV_PCM_STREAM_PLAYBACK;
	void *bounce;
	int err;

	if (iov_iter_count(iter) < bytes)
		return -EFAULT;
	if ((iter_is_ubuf(iter) || (iter_is_iovec(iter) && iter_iov_len(iter) >= bytes)) &&
	    ops->copy_user) {
		err = ops->copy_user(substream, channel, pos, iter_iov_addr(iter), bytes);
		if (!err)
			iov_iter_advance(iter, bytes);
		return err;
	}
	if (iov_iter_is_kvec(iter) && iter->kvec->iov_len - iter->iov_offset >= bytes &&
	    ops->copy_kernel) {
		err = ops->copy_kernel(substream, channel, pos,
				       iter->kvec->iov_base + iter->iov_offset, bytes);
		if (!err)
			iov_iter_advance(iter, bytes);
		return err;
	}
	if (!(iter_is_ubuf(iter) || iter_is_iovec(iter) ? ops->copy_user : ops->copy_kernel)) {
		/*
		 * The driver has no callback for this kind of buffer: the old core
		 * copied to/from the DMA area itself (pcm_lib.c default_*_copy and
		 * default_*_copy_kernel, at get_dma_ptr()), e.g. in-kernel transfers
		 * of a driver with .copy_user only.
		 */
		struct snd_pcm_runtime *runtime = substream->runtime;
		char *dma = runtime->dma_area + pos +
			    channel * (runtime->dma_bytes / runtime->channels);

		if (playback)
			return copy_from_iter(dma, bytes, iter) == bytes ? 0 : -EFAULT;
		return copy_to_iter(dma, bytes, iter) == bytes ? 0 : -EFAULT;
	}
	if (!ops->copy_kernel)
		return -EINVAL;
	bounce = kvmalloc(bytes, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	if (playback) {
		err = copy_from_iter(bounce, bytes, iter) == bytes ? 0 : -EFAULT;
		if (!err)
			err = ops->copy_kernel(substream, channel, pos, bounce, bytes);
	} else {
		err = ops->copy_kernel(substream, channel, pos, bounce, bytes);
		if (!err && copy_to_iter(bounce, bytes, iter) != bytes)
			err = -EFAULT;
	}
	kvfree(bounce);
	return err;
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
	if (ops->copy_user || ops->copy_kernel)
		b->real.copy = kb_snd_pcm_copy;
	b->real.page = ops->page;
	b->real.mmap = ops->mmap;
	b->real.ack = ops->ack;
	snd_device_new(pcm->card, SNDRV_DEV_LOWLEVEL, b, &dev_ops);
	snd_pcm_set_ops(pcm, direction, &b->real);
}

#define snd_pcm_ops			kb_snd_pcm_ops
#define snd_pcm_set_ops(pcm, dir, ops)	kb_snd_pcm_set_ops(pcm, dir, ops)
