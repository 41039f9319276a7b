"""Mutation check in full: every entry of tests/mutations.toml, one after the other.

    .venv/bin/python bench/bench_mutations.py [NAME...]

Prints one line per mutation (CAUGHT/MISSED, seconds, the failing assertion)
and a total. When every mutation run is caught, their shim files' fingerprints
go into tests/mutations.lock, so that CI (tests/test_mutations.py) re-runs only
the mutations of shims changed since. Figures: bench/README.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import mutation_check  # noqa: E402


def main(argv: list[str]) -> int:
    tab = mutation_check.table()
    names = argv or list(tab)
    t0 = time.monotonic()
    missed = []
    for name in names:
        out = mutation_check.run(tab[name])
        verdict = "CAUGHT" if out.caught else "MISSED"
        print(f"{name}: {verdict} rc={out.returncode} {out.seconds:.0f}s {out.summary}", flush=True)
        if not out.caught:
            missed.append(name)
    print(f"{len(names) - len(missed)}/{len(names)} caught in {time.monotonic() - t0:.0f}s")
    if not missed:
        mutation_check.record(names)
        print(f"recorded in {mutation_check.LOCK}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
