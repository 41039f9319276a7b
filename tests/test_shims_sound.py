"""snd_pcm_ops_copy_iov_iter at run time: the ops the shim hands the PCM core outlive the card's
disconnection while a PCM file is still open.

The shim gives the core a struct snd_pcm_ops of its own (the driver's callbacks plus the .copy
trampolines). When the device goes away with the PCM open (xen-snd-front frees its card when the
back-end closes), snd_card_free() -> snd_card_disconnect() runs device_del(&card->card_dev) --
which releases card_dev's devres -- and then waits for the last close; that close runs
snd_pcm_release_substream() -> substream->ops->close (and hw_free). The layer's ops must still be
there then, as the driver's own static ops are on its native kernel.

tests/fixtures/layer/kbtest_snd_new (6.12's .copy API, bridged on 6.1) and kbtest_snd_old (6.1's
.copy_user, bridged on 6.12) register a card with one playback PCM; snd_unplug.sh opens it,
frees the card through the module's "unplug" parameter in the background, then closes it.

Debian's kernels have no KASAN, and the debug kernels (kbridge debug-kernel) are built without
the sound core (no CONFIG_SND in debugkernel.FRAGMENT), so the guest boots Debian's kernel with
slub_debug=P: a freed object is filled with 0x6b, and a call through a freed ops table is a
general protection fault at 0x6b6b6b6b6b6b6b6b instead of a silent read of stale memory.

Also: an in-kernel transfer on a driver with .copy_user only (old_on_new) gets the 6.1 core's
default copy into the DMA area, as natively on 6.1 (snd_kwrite.sh).
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, release, run_cli
from kbridge.actions.guest import qemu, runner

LAYER = FIXTURES / "layer"
SCRIPT = LAYER / "snd_unplug.sh"
POISON = ["-append", f"{qemu.APPEND} slub_debug=P"]


def kbsnd_events(dmesg: list[str]) -> list[str]:
    return [line.split("kbsnd ", 1)[1].split()[0] for line in dmesg if "kbsnd " in line]


@pytest.mark.slow
@pytest.mark.parametrize("fixture,target", [("kbtest_snd_new", "6.1"), ("kbtest_snd_old", "6.12")])
def test_pcm_ops_outlive_the_card_while_the_pcm_is_open(tmp_path, fixture, target):
    out = tmp_path / "out"
    proc = run_cli("bridge", str(LAYER / fixture), "--target", "6.1", "--target", "6.12",
                   "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "compat" / "rules" / "snd_pcm_ops_copy_iov_iter").is_dir()   # the shim under test
    rel = release(target)
    build, kos = runner.build_for(out, rel, tmp_path / "build")
    assert build.ok, build.log
    g = runner.run_guest(kos, rel, test_script=SCRIPT, qemu_args=POISON, timeout=300)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    assert g.test_returncode == 0 and "kbsnd-test done" in g.test_output, g.test_output
    # the driver's close ran at the last close, after the card was disconnected and before
    # snd_card_free() returned -- as on the native kernel
    assert kbsnd_events(g.dmesg) == ["card", "open", "unplug", "close", "freed"], \
        [x for x in g.dmesg if "kbsnd" in x]


@pytest.mark.slow
@pytest.mark.parametrize("target", ["6.1", "6.12"])
def test_in_kernel_transfer_of_a_copy_user_only_driver(tmp_path, target):
    """kbtest_snd_old has .copy_user only; an in-kernel write (snd_pcm_kernel_write, as OSS
    emulation does) on its open PCM goes through the 6.1 core's default copy into the DMA area.
    Natively on 6.1 and bridged on 6.12: the period written lands in the buffer."""
    drv = LAYER / "kbtest_snd_old"
    if target == "6.12":
        drv = tmp_path / "out"
        proc = run_cli("bridge", str(LAYER / "kbtest_snd_old"), "--target", "6.1", "--target",
                       "6.12", "-o", str(drv))
        assert proc.returncode == 0, proc.stdout + proc.stderr
    rel = release(target)
    build, kos = runner.build_for(drv, rel, tmp_path / "build")
    assert build.ok, build.log
    g = runner.run_guest(kos, rel, test_script=LAYER / "snd_kwrite.sh", timeout=300)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    assert "kbsnd kwrite err=0 written=1024 same=1" in g.dmesg, [x for x in g.dmesg if "kbsnd" in x]
