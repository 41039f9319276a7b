"""Benchmark of the API index (issue 3): cold index, warm load, diff, ctags, size, parser, fuzz.

    .venv/bin/python bench/bench_index.py            # figures for bench/README.md
    .venv/bin/python bench/bench_index.py --fuzz N   # also a long fuzz run (N examples per property)

Targets: cold index of the 6.12 headers <= 15 s on 2 cores; warm load <= 0.3 s;
diff 6.1 vs 6.12 <= 2 s warm. Wall times depend on what else the machine runs,
so CPU times (user+sys, this process and its children) are printed beside them.
The cold build goes to a temporary cache; the user's cache is left alone.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))

from kbridge.facts import apidiff, cparse, index, targets  # noqa: E402


def cpu() -> float:
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def timed(fn, *a, **kw):
    t0, c0 = time.monotonic(), cpu()
    out = fn(*a, **kw)
    return out, time.monotonic() - t0, cpu() - c0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fuzz", type=int, default=0, metavar="N", help="long fuzz run, N examples each")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    t612 = targets.resolve("6.12")
    t61 = targets.resolve("6.1")
    roots = index.source_roots(t612)
    files = index.header_files(roots)
    print(f"# tree: {t612.name} ({len(files)} headers, source {roots.source})")
    with open("/proc/loadavg") as fh:
        print(f"# load average at start: {fh.read().split()[0]}")

    # -- parser throughput, one process (the choice of parser rests on this)
    raws = [p.read_bytes() for p, _r, _i, _g in files]
    mb = sum(map(len, raws)) / 1e6
    parser = cparse.make_parser()
    _, wall, c = timed(lambda: [parser.parse(r) for r in raws])
    errors = sum(1 for r in raws if parser.parse(r).root_node.has_error)
    print(f"tree-sitter-c alone: {len(raws)} files, {mb:.1f} MB in {wall:.2f} s "
          f"({len(raws) / wall:.0f} files/s); {errors} files contain an ERROR node")
    hp = cparse.HeaderParser(cparse.CondEval())
    res, wall, c = timed(lambda: [hp.parse(r) for r in raws])
    bad = sum(1 for r in res if r.problems)
    print(f"HeaderParser (blank + parse + walk), 1 process: {wall:.2f} s wall, {c:.2f} s CPU "
          f"({len(raws) / wall:.0f} files/s); {bad} files with problems, "
          f"{sum(len(r.problems) for r in res)} problems counted")

    # -- cold index, in a scratch cache
    scratch = Path(tempfile.mkdtemp(prefix="kbridge-bench-"))
    try:
        self0 = resource.getrusage(resource.RUSAGE_SELF)
        idx, wall, c = timed(index.open_index, t612, scratch, jobs=args.jobs, rebuild=True)
        self1 = resource.getrusage(resource.RUSAGE_SELF)
        main_cpu = (self1.ru_utime + self1.ru_stime) - (self0.ru_utime + self0.ru_stime)
        size = idx.path.stat().st_size
        print(f"cold index 6.12 (-j{args.jobs}): {wall:.2f} s wall, {c:.2f} s CPU "
              f"(main process {main_cpu:.1f} s, parser workers {c - main_cpu:.1f} s; on an idle "
              f"2-core machine >= {max(main_cpu, c / 2):.1f} s); {size / 1e6:.1f} MB on disk")
        idx.close()
        # -- warm load (in-process: fingerprint + verify + open) and one query
        loads = []
        cpus = []
        for _ in range(5):
            t0, c0 = time.monotonic(), cpu()
            w = index.open_index(t612, scratch)
            w.function("blk_mq_alloc_disk")
            loads.append(time.monotonic() - t0)
            cpus.append(cpu() - c0)
            w.close()
        print(f"warm load 6.12: best {min(loads):.3f} s wall, {min(cpus):.3f} s CPU; "
              f"worst {max(loads):.3f} s wall (5 runs)")
        t0 = time.monotonic()
        subprocess.run([str(REPO / ".venv/bin/kbridge"), "--cache-dir", str(scratch), "index", "6.12",
                        "--json"], check=True, capture_output=True)
        print(f"warm `kbridge index 6.12 --json` (process start included): {time.monotonic() - t0:.2f} s")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    # -- diff, both warm (the user's cache: built here first if missing, untimed)
    a = index.open_index(t61, jobs=args.jobs)
    b = index.open_index(t612, jobs=args.jobs)
    runs = []
    cpus = []
    for _ in range(3):
        changes, wall, c = timed(apidiff.diff, a, b)
        runs.append(wall)
        cpus.append(c)
    print(f"diff 6.1 -> 6.12 warm: best {min(runs):.2f} s wall, {min(cpus):.2f} s CPU "
          f"({len(changes)} changes); "
          f"6.1 index {a.path.stat().st_size / 1e6:.1f} MB")
    t0 = time.monotonic()
    subprocess.run([str(REPO / ".venv/bin/kbridge"), "diff", "6.1", "6.12", "--json"], check=True,
                   capture_output=True)
    print(f"warm `kbridge diff 6.1 6.12 --json` (process start, load, JSON): "
          f"{time.monotonic() - t0:.2f} s")

    # -- ctags on the same headers
    ctags = shutil.which("ctags")
    if ctags:
        out = Path(tempfile.mkdtemp(prefix="kbridge-ctags-"))
        try:
            dirs = [str(roots.source / "include"), str(roots.source / f"arch/{roots.arch}/include")]
            _, wall, c = timed(subprocess.run, [ctags, "-R", "-f", str(out / "tags"), *dirs],
                               check=True, capture_output=True)
            n = sum(1 for line in (out / "tags").open(errors="replace") if not line.startswith("!"))
            print(f"ctags -R on the same headers: {wall:.2f} s wall, {c:.2f} s CPU; {n} tags, "
                  f"{(out / 'tags').stat().st_size / 1e6:.1f} MB (names and kinds only: no parameter "
                  "types, member types, bitfields, conditions)")
        finally:
            shutil.rmtree(out, ignore_errors=True)

    if args.fuzz:
        import test_index_fuzz as fz
        from hypothesis import HealthCheck, given, settings

        long = settings(max_examples=args.fuzz, deadline=None, suppress_health_check=list(HealthCheck))
        t0 = time.monotonic()
        for prop, strat in (("random bytes", fz.st.binary(max_size=5000)), ("mutated headers", fz.mutated()),
                            ("conditions", fz._EXPR)):
            if prop == "conditions":
                long(given(strat)(fz.test_condition_evaluation_never_crashes.hypothesis.inner_test))()
            else:
                long(given(strat)(fz.check_parse))()
            print(f"fuzz {prop}: {args.fuzz} examples, no failure")
        print(f"fuzz total {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
