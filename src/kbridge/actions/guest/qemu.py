"""Boot a guest under QEMU and read its serial console.

TCG is the default: on the machines kbridge was built on /dev/kvm opens but
KVM guests hang before the kernel prints anything. KVM is used only when a
probe -- a real boot of the same image that must report back within
:data:`KVM_PROBE_SECONDS` -- proves it works; the answer is cached per host
boot (/proc/sys/kernel/random/boot_id), since a reboot or a module reload can
change it. ``$KBRIDGE_ACCEL`` (tcg or kvm) overrides the probe.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kbridge.actions.guest.image import GuestImage, file_lock, guest_root
from kbridge.errors import KbridgeError

ACCEL_ENV = "KBRIDGE_ACCEL"
KVM_PROBE_SECONDS = 20
QEMU = "qemu-system-x86_64"
# no_timer_check: under TCG on a loaded host the kernel's early check that the
# IO-APIC timer ticks can fail ("Kernel panic - not syncing: IO-APIC + timer
# doesn't work!", seen here at load average 12); virtual machines skip it.
APPEND = "console=ttyS0 panic=-1 quiet no_timer_check"


@dataclass
class Boot:
    console: str          # the whole serial log, \r\n folded to \n
    seconds: float
    timed_out: bool
    returncode: int | None
    accel: str
    command: list[str]


def qemu_command(image: GuestImage, initrd: Path, *, accel: str, memory: str = "512M",
                 append: str = APPEND, extra: list[str] = ()) -> list[str]:
    # -nodefaults drops the VGA card and the NIC nobody uses: a faster boot and a
    # console with nothing but the kernel and /init on it (-nographic would add
    # the monitor to the same stdio).
    return [QEMU, "-accel", accel, "-m", memory, "-smp", "1", "-nodefaults", "-display", "none",
            "-serial", "stdio", "-no-reboot", "-kernel", str(image.boot_kernel), "-initrd", str(initrd),
            "-append", append, *extra]


def boot(image: GuestImage, initrd: Path, *, timeout: float, accel: str | None = None,
         extra: list[str] = (), cache: Path | None = None) -> Boot:
    """Boot *image* with *initrd* until the guest powers off or *timeout* seconds pass."""
    if shutil.which(QEMU) is None:
        raise KbridgeError(f"{QEMU} not found: install qemu-system-x86 (scripts/setup.sh does)")
    accel = accel or choose_accel(image, initrd, cache=cache)
    cmd = qemu_command(image, initrd, accel=accel, extra=list(extra))
    start = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            proc.wait()
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "")
    return Boot(text, time.monotonic() - start, timed_out, None if timed_out else proc.returncode,
                accel, cmd)


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


def choose_accel(image: GuestImage, initrd: Path, *, cache: Path | None = None) -> str:
    """"kvm" when a probe boot under KVM completes, else "tcg" (answer cached per host boot)."""
    forced = os.environ.get(ACCEL_ENV)
    if forced:
        if forced not in ("tcg", "kvm"):
            raise KbridgeError(f"${ACCEL_ENV}={forced!r}: use tcg or kvm")
        return forced
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg"
    root = guest_root(cache)
    answer = root / "accel.json"
    boot_id = _boot_id()

    def recorded() -> str | None:
        try:
            data = json.loads(answer.read_text())
        except (OSError, ValueError):
            return None
        return data.get("accel") if data.get("boot_id") == boot_id else None

    got = recorded()
    if got:
        return got
    with file_lock(root / ".accel.lock"):
        got = recorded()
        if got:
            return got
        from kbridge.actions.guest.initramfs import MARK
        probe = boot(image, initrd, timeout=KVM_PROBE_SECONDS, accel="kvm")
        works = not probe.timed_out and f"{MARK} end" in probe.console
        from kbridge.storage import atomic_write
        atomic_write(answer, json.dumps({"boot_id": boot_id, "accel": "kvm" if works else "tcg",
                                         "probe_seconds": round(probe.seconds, 1)}) + "\n")
        return "kvm" if works else "tcg"
