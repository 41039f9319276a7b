"""Debug guest kernels: what building them costs, how fast they boot, and the debug test runs.

    .venv/bin/python bench/bench_debug_guests.py [--series 6.1 ...] [--no-tests]

For each series (oldest first): builds the debug kernel when it is not
cached (kbridge.actions.guest.debugkernel: nice -n 19, make -j2; this is the
part CI cannot afford) and prints its cost from the entry's debug.json (wall
and CPU seconds of make, extraction) and the entry's size on disk; then
boots tests/fixtures/guest/atomic_misuse (nothing wrong asked) on Debian's
kernel and on the debug kernel and prints both times. Finally runs the
debug-kernel guest tests (tests/test_guest_debug.py -m debugkernel), which
the default test run deselects.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from kbridge.actions.guest import debugkernel, runner  # noqa: E402
from kbridge.facts import series as series_mod  # noqa: E402

MISUSE = REPO / "tests/fixtures/guest/atomic_misuse"


def _du(path: Path) -> int:
    out = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True).stdout
    return int(out.split()[0]) if out else 0


def _boot(release: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        build, kos = runner.build_for(MISUSE, release, Path(tmp) / "b")
        assert build.ok, build.log
        g = runner.run_guest(kos, release, timeout=300)
        assert g.ok, g.reasons
        return g.seconds


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", action="append", default=None)
    ap.add_argument("--no-tests", action="store_true")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    for name in args.series or series_mod.names():
        t = time.monotonic()
        dk = debugkernel.build(name, progress=lambda m, n=name: print(f"  {n}: {m}", flush=True))
        took = time.monotonic() - t
        meta = json.loads((dk.entry / "debug.json").read_text())
        b = meta["build"]
        tree, total = _du(dk.tree_path), _du(dk.entry)
        print(f"{name}: {dk.release} ({'built now' if took > 60 else 'cached'}); make {b['wall_seconds']} s wall, "
              f"{b['cpu_seconds']} s CPU (-j{b['jobs']}, nice 19), extraction {b['extract_seconds']} s; "
              f"disk {total / 1e9:.2f} GB (tree {tree / 1e9:.2f} GB); bzImage "
              f"{(dk.entry / 'vmlinuz').stat().st_size / 1e6:.0f} MB")
        deb = runner.guest_release(name)
        print(f"{name}: boot + load of atomic_misuse: Debian {deb} {_boot(deb):.1f} s, "
              f"debug {dk.release} {_boot(dk.release):.1f} s", flush=True)
    if not args.no_tests:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "-m", "debugkernel", "tests/test_guest_debug.py"], cwd=REPO)
        print(f"tests/test_guest_debug.py: exit {proc.returncode}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
