"""Guest runs: how long a boot + load + small test takes under TCG (issue 6 goal: a few seconds).

    .venv/bin/python bench/bench_guest.py [--reps 3]

Builds the hello test module (tests/fixtures/guest/hello) once per kernel,
then boots each kernel --reps times loading it with a parameter and running
tests/fixtures/guest/check_greeting.sh. Prints, per kernel: the guest's own
boot-to-poweroff wall time (QEMU process), and the initramfs build time.
Also times a warm ensure_image() (the cached image lookup).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from kbridge.actions.guest import image, initramfs, qemu, runner  # noqa: E402
from kbridge.facts import series  # noqa: E402

HELLO = REPO / "tests/fixtures/guest/hello"
CHECK = REPO / "tests/fixtures/guest/check_greeting.sh"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    for release in [series.release(s) for s in series.names()]:   # the installed trees'
        t = time.monotonic()
        img = image.ensure_image(release)
        warm = time.monotonic() - t
        with tempfile.TemporaryDirectory() as tmp:
            build, kos = runner.build_for(HELLO, release, Path(tmp) / "b")
            assert build.ok
            t = time.monotonic()
            rd = initramfs.build_initramfs(Path(tmp) / "i.cpio", img, kos, params=["greeting=7"],
                                           test_script=CHECK)
            cpio_s = time.monotonic() - t
            size = rd.path.stat().st_size
            boots = []
            for _ in range(args.reps):
                b = qemu.boot(img, rd.path, timeout=180)
                res = runner.judge(release, b.console, b.seconds, b.timed_out, b.accel, rd.modules)
                assert res.ok, res.reasons
                boots.append(b.seconds)
        print(f"{release}: boot+load+test median {statistics.median(boots):.1f} s "
              f"(min {min(boots):.1f}, max {max(boots):.1f}, {args.reps} runs, {b.accel}); "
              f"initramfs {size / 1e6:.1f} MB in {cpio_s:.2f} s; warm image lookup {warm * 1000:.1f} ms")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
