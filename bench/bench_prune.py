"""Benchmark: kbridge prune and audit throughput, against the unifdef program.

    .venv/bin/python bench/bench_prune.py [DIR]

DIR defaults to the cached corpus (both series). For every .c/.h file it
times prune_text (all conditional symbols -D'd to 1, a kernel range given) and
`unifdef -e` with the same -D set (one process per file, as a build script
would run it), then audit() over the whole directory. Speed is a goal, not a
test: the figures live here and in bench/README.md, never in timed tests.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from kbridge.actions import prune as pr
from kbridge.actions import audit as cs
from kbridge.facts import corpus as corpus_mod


def main() -> None:
    if len(sys.argv) > 1:
        roots = [Path(sys.argv[1])]
    else:
        roots = sorted({e.path.parent for e in corpus_mod.corpus(series=("6.1", "6.12"))})
    files = [p for r in roots for p in sorted(r.rglob("*")) if p.suffix in (".c", ".h")]
    size = sum(p.stat().st_size for p in files)
    t_k = t_u = 0.0
    for p in files:
        text = p.read_bytes().decode("utf-8", "surrogateescape")
        syms = sorted(set(subprocess.run(["unifdef", "-s", str(p)], capture_output=True,
                                         text=True).stdout.split()))
        t0 = time.perf_counter()
        try:
            pr.prune_text(text, min_kernel="5.4", max_kernel="6.12", defines={s: 1 for s in syms})
        except pr.PruneError:
            pass
        t1 = time.perf_counter()
        subprocess.run(["unifdef", "-e", *[f"-D{s}" for s in syms], str(p)], capture_output=True)
        t2 = time.perf_counter()
        t_k += t1 - t0
        t_u += t2 - t1
    t0 = time.perf_counter()
    spots = sum(len(cs.audit(r).spots) for r in roots)
    t_a = time.perf_counter() - t0
    mb = size / 1e6
    print(f"{len(files)} files, {mb:.1f} MB")
    print(f"prune  : {t_k:6.2f} s  ({mb / t_k:.1f} MB/s)")
    print(f"unifdef: {t_u:6.2f} s  (one process per file)")
    print(f"audit  : {t_a:6.2f} s  ({mb / t_a:.1f} MB/s), {spots} spots")


if __name__ == "__main__":
    main()
