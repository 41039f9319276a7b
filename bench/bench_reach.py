"""What stands between the corpus and every kernel of the series table (issue 16).

    .venv/bin/python bench/bench_reach.py [--series S]... [--driver NAME]... [-j N]
                                          [--strategy layer|inline] [--json FILE] [--top N]

For every corpus front-end of every series (NAME@S) it runs ``kbridge bridge
--no-abi-check --json`` to all the other series and reads the bridge's own
self-check (``prediction``: kbridge check's errors for the unbridged driver on
each target, minus what OUT's shims cover). It prints, per direction (home ->
target), the predicted error lines left and the drivers they fall in, then
every API still not bridged with its kind, what covers it (rule / draft /
nothing) and how many driver x target cells it blocks. It is a prediction,
fast (about 15 s for 60 bridges here), to steer the work; the truth is a real
build (``kbridge matrix --strategy layer``), which bench/README.md reports.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures as cf
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kbridge.facts import corpus, series  # noqa: E402

KBRIDGE = [sys.executable, "-m", "kbridge"]


def _bridge(name: str, home: str, targets: list[str], strategy: str, out: Path) -> dict:
    argv = [*KBRIDGE, "bridge", f"{name}@{home}", "--strategy", strategy, "-o", str(out),
            "--no-abi-check", "--json"]
    for t in targets:
        argv += ["-t", t]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}


def _series_of(release: str, names: list[str]) -> str:
    # the longest series name the release starts with (6.12 before 6.1)
    return max((n for n in names if release.startswith(n + ".") or release.startswith(n + "-")
                or release == n), key=len, default=release)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", action="append", help="series to take drivers from and bridge "
                    "to (default: every series of the table)")
    ap.add_argument("--driver", action="append", help="corpus front-end (default: all)")
    ap.add_argument("--strategy", default="layer", choices=("layer", "inline"))
    ap.add_argument("-j", "--jobs", type=int, default=3)
    ap.add_argument("--json", type=Path, help="write the raw bridge results here")
    ap.add_argument("--top", type=int, default=0, help="list only the N most frequent APIs")
    args = ap.parse_args()
    names = args.series or list(series.names())
    drivers = args.driver or [d.module for d in corpus.XEN_FRONTENDS]
    jobs = [(d, h) for h in names for d in drivers]
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="kb-reach-") as tmp, \
            cf.ThreadPoolExecutor(args.jobs) as ex:
        futs = {ex.submit(_bridge, d, h, [t for t in names if t != h], args.strategy,
                          Path(tmp) / f"{d}@{h}"): (d, h) for d, h in jobs}
        for fut in cf.as_completed(futs):
            d, h = futs[fut]
            results[f"{d}@{h}"] = fut.result()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, sort_keys=True))

    lines: collections.Counter = collections.Counter()
    cells: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    apis: collections.Counter = collections.Counter()
    api_cells: dict[tuple, set[str]] = collections.defaultdict(set)
    skipped = []
    for key in sorted(results):
        r = results[key]
        d, h = key.split("@")
        if "error" in r:
            skipped.append(f"{key}: {r['error']}")
            continue
        for e in r["prediction"]["remaining"]:
            t = _series_of(e["target"], names)
            lines[(h, t)] += 1
            cells[(h, t)].add(d)
            a = (e["api"], e["kind"], e["covered_by"])
            apis[a] += 1
            api_cells[a].add(f"{d}@{h}->{t}")
    total_cells = sum(1 for k, r in results.items() if "error" not in r) * (len(names) - 1)
    blocked = sum(len(v) for v in cells.values())
    print(f"{len(results)} bridges ({args.strategy}), {total_cells} driver x target cells; "
          f"{total_cells - blocked} predicted clean, {blocked} with errors left")
    print(f"{'home':>6} -> {'target':<6} {'error lines':>11} {'drivers':>8}")
    for h in names:
        for t in names:
            if (h, t) in lines:
                print(f"{h:>6} -> {t:<6} {lines[(h, t)]:>11} {len(cells[(h, t)]):>8}")
    print(f"\n{len(apis)} APIs not bridged (lines, cells, api, kind, covered by):")
    for (api, kind, cov), n in apis.most_common(args.top or None):
        print(f"{n:>5} {len(api_cells[(api, kind, cov)]):>4}  {api}  [{kind}; {cov}]")
    for s in skipped:
        print("skipped:", s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
