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

    .venv/bin/python bench/bench_suite.py --cells [LABEL...]

instead: how the suite's kept cells were chosen. bridge() on every cell of the sweeps
(each corpus and in-tree driver: layer for both kernels, inline for the other one; default
all 30 drivers, a few minutes) gives the rules whose shims each OUT carries; printed per
cell, then a greedy cover (every rule; and one cell per rules/<family>.toml) per sweep, to
compare with test_abi's OWN_KERNEL_CELLS / INLINE_CROSS_CELLS and test_guest_runtime's
LAYER_LOAD_DRIVERS. Exit status 1 when a bridge fails.
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


def _cover(cells: dict[str, set[str]]) -> list[str]:
    left = set().union(*cells.values()) if cells else set()
    chosen: list[str] = []
    while left:
        best = max(sorted(cells), key=lambda c: (len(cells[c] & left), -len(cells[c])))
        chosen.append(best)
        left -= cells[best]
    return chosen


def cells(labels: list[str]) -> int:
    """The shims each sweep cell's OUT carries, and covers of them (module doc)."""
    import tempfile

    sys.path.insert(0, str(REPO / "src"))
    from kbridge.actions.bridge import bridge
    from kbridge.facts import corpus, intree, targets
    from kbridge.facts import driver as drv_mod
    from kbridge.knowledge import rules as rules_mod

    family = {r.id: Path(r.source.split(":")[0]).stem or "?" for r in rules_mod.load()}
    trees = targets.discover()
    t = {s: targets.resolve(s, trees=trees) for s in ("6.1", "6.12")}
    other = {"6.1": "6.12", "6.12": "6.1"}
    # the sweeps' cells are the two host series' (tests/conftest.py corpus: host_series()); the
    # corpus now spans every series of the table (5.10 ... 7.3)
    entries = [(e.label, e.path, e.version, e.series) for e in corpus.corpus(series=tuple(t))]
    for s in t:
        entries += [(e.label, e.path, e.version, s) for _, e in sorted(intree.extract(s).items())]
    got: dict[str, dict[str, set[str]]] = {"layer": {}, "inline": {}}
    failed = 0
    with tempfile.TemporaryDirectory(prefix="bench-suite-cells-") as tmp:
        for label, path, version, series in sorted(entries):
            if labels and label not in labels:
                continue
            d = drv_mod.load(path, label=label, origin_version=version)
            for strategy, tg in (("layer", [t["6.1"], t["6.12"]]), ("inline", [t[other[series]]])):
                try:
                    rep = bridge(d, tg, strategy, Path(tmp) / f"{label}-{strategy}")
                except Exception as exc:  # noqa: BLE001 -- a bench: report and go on
                    failed += 1
                    print(f"{label:22} {strategy:6} FAIL {exc}", flush=True)
                    continue
                got[strategy][label] = {str(s["rule"]) for s in rep.shims}
                print(f"{label:22} {strategy:6} {sorted(got[strategy][label])}", flush=True)
    for strategy, by_label in got.items():
        rules = set().union(*by_label.values()) if by_label else set()
        print(f"{strategy}: {len(by_label)} cells, {len(rules)} rules; every rule: "
              f"{_cover(by_label)}")
        fams = {k: {family.get(r, "?") for r in v} for k, v in by_label.items()}
        print(f"{strategy}: one per family {sorted(set().union(*fams.values())) if fams else []}: "
              f"{_cover(fams)}")
    return 1 if failed else 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mark", action="append", choices=MARKS, default=None)
    ap.add_argument("--cells", action="store_true", help="how the kept cells were chosen (doc)")
    ap.add_argument("pytest_args", nargs="*",
                    help="after --: more pytest arguments (with --cells: driver labels)")
    args = ap.parse_args()
    if args.cells:
        return cells(args.pytest_args)
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
