/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <sound/soc.h> as the kernel has it: with the kernel's struct snd_pcm_ops.
 *
 * The snd_pcm_ops_copy_iov_iter shim (either direction) makes the driver's
 * "struct snd_pcm_ops" a struct kb_snd_pcm_ops: "#define snd_pcm_ops
 * kb_snd_pcm_ops" right after <sound/pcm.h>. <sound/soc.h> names the type
 * too, and there it must stay the kernel's: struct snd_soc_pcm_runtime
 * embeds it by value ("struct snd_pcm_ops ops;", filled by the ASoC core and
 * handed to snd_pcm_set_ops()). Renamed there,
 * the member would take struct kb_snd_pcm_ops' size (one callback fewer or
 * more than the kernel's) and every later member of the runtime would sit 8
 * bytes off the kernel's (6.1: params_select at 144 instead of 152, pcm at
 * 1536 instead of 1544; issue 13, finding 4).
 *
 * So <sound/pcm.h> (with the shim) comes first, the name means the kernel's
 * type while the kernel's <sound/soc.h> is read, and the driver's again after
 * it. A driver that uses what this header declares gets the kernel's type:
 * mixing it with its own struct snd_pcm_ops is a compile error, not a
 * silent misread. The ABI check (kbridge.actions.bridge.abi) compares every
 * kernel struct of the bridged module with the kernel's BTF.
 */
#include <sound/pcm.h>
#if defined(snd_pcm_ops)
#undef snd_pcm_ops
#include_next <sound/soc.h>
#define snd_pcm_ops kb_snd_pcm_ops
#else
#include_next <sound/soc.h>
#endif
