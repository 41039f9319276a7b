"""The tests the default suite deselects, run as they are (bench/README.md, "Suite budget").

    .venv/bin/python bench/bench_suite.py [--mark sweep|xenboot|debugkernel]... [-- PYTEST_ARGS]

The suite (`.ci/run`, pytest's addopts in pyproject.toml) deselects three marks to stay in
its ~25-min budget; the tests keep their code and their assertions, and this script runs
them (default: --mark sweep --mark xenboot; debugkernel also has bench/bench_debug_guests.py):

  sweep        whole-corpus sweeps whose representative cells stay in the suite
               (test_abi's own-kernel layer OUTs and inline cross cells, test_layer's 24 cross
               builds, test_guest_runtime's layer load column of the whole corpus)
  xenboot      test_xen's full scenario: two Xen boots, native and bridged front-ends
               doing I/O, their negotiation compared (bench/bench_xen.py --full runs the
               same assertions under every Xen version)
  debugkernel  the debug-kernel guests (lockdep, KASAN; a debug kernel is built on first use)

One pytest run per mark, with --durations=0; prints each run's wall time and result line.
Exit status 1 when any run fails (pytest's status is not 0; "no tests collected" counts as a
failure: a mark that selects nothing means a test lost its mark).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MARKS = ("sweep", "xenboot", "debugkernel")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mark", action="append", choices=MARKS, default=None)
    ap.add_argument("pytest_args", nargs="*", help="after --: more pytest arguments")
    args = ap.parse_args()
    failed = 0
    for mark in args.mark or ["sweep", "xenboot"]:
        t = time.monotonic()
        load = os.getloadavg()[0]
        proc = subprocess.run([sys.executable, "-m", "pytest", "-m", mark, "--durations=0",
                               "-p", "no:cacheprovider", *args.pytest_args],
                              cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        sys.stdout.write(proc.stdout)
        last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "(no output)"
        print(f"== mark {mark}: exit {proc.returncode}, {time.monotonic() - t:.0f} s wall, "
              f"load {load:.1f} -> {os.getloadavg()[0]:.1f}: {last}", flush=True)
        failed += proc.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
