/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <sound/sb.h> as the kernel has it: with the kernel's struct snd_pcm_ops.
 *
 * The snd_pcm_ops_copy_iov_iter shim (either direction) makes the driver's
 * "struct snd_pcm_ops" a struct kb_snd_pcm_ops: "#define snd_pcm_ops
 * kb_snd_pcm_ops" right after <sound/pcm.h>. <sound/sb.h> names the type
 * too, and there it must stay the kernel's:
 * snd_sb16dsp_get_pcm_ops() returns the kernel's ops. Renamed there, its
 * prototype would promise a struct kb_snd_pcm_ops, whose members the driver
 * would read at the wrong offsets.
 *
 * So <sound/pcm.h> (with the shim) comes first, the name means the kernel's
 * type while the kernel's <sound/sb.h> is read, and the driver's again after
 * it. A driver that uses what this header declares gets the kernel's type:
 * mixing it with its own struct snd_pcm_ops is a compile error, not a
 * silent misread. The ABI check (kbridge.actions.bridge.abi) compares every
 * kernel struct of the bridged module with the kernel's BTF.
 */
#include <sound/pcm.h>
#if defined(snd_pcm_ops)
#undef snd_pcm_ops
#include_next <sound/sb.h>
#define snd_pcm_ops kb_snd_pcm_ops
#else
#include_next <sound/sb.h>
#endif
