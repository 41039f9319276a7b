"""Differential runtime tests across kernel pairs (issue 16 item 4): what each case costs.

    .venv/bin/python bench/bench_differential.py [--pairs 5.10:7.3,6.1:6.12] [--module M]...
        [--strategy S]... [--no-abi-check] [-j N] [--json FILE]

For every pair A:B (default: the oldest series with the newest, and every other
series with either of them -- "every pair where the newest and the oldest
meet"), both directions: each module (null_blk, macvlan, ifb) of A bridged to B
with each strategy (`kbridge bridge`, with its ABI check unless --no-abi-check)
and built for B, B's own module built, then ONE boot of B's guest snapshots all
of them (`snapshot.take_many`) and each bridged build is compared with B's own.
Prints one line per case (bridge exit, build, snapshot, attributes equal /
different) and the time of each phase; exit 1 when a case fails. The suite's
cases (tests/test_guest_runtime.py::test_differential_bridged) are the pairs
6.1:6.12 and 5.10:newest; this runs any others (figures in bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from kbridge.actions.guest import runner, snapshot  # noqa: E402
from kbridge.facts import intree  # noqa: E402
from kbridge.facts import series as series_mod  # noqa: E402

KIND = {"null_blk": "block", "macvlan": "net", "ifb": "net"}
STRATEGIES = ("layer", "inline")


def _key(s: str) -> tuple[int, ...]:
    return tuple(int(x) for x in s.split("."))


def default_pairs() -> list[tuple[str, str]]:
    names = sorted(series_mod.names(), key=_key)
    oldest, newest = names[0], names[-1]
    pairs = [(oldest, newest)]
    pairs += [(oldest, s) for s in names[1:-1]] + [(s, newest) for s in names[1:-1]]
    return pairs


def kbridge(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "kbridge"
    return subprocess.run([str(exe), *args], capture_output=True, text=True)


def prepare(root: Path, module: str, source: str, target: str, strategy: str,
            abi: bool) -> dict[str, object]:
    out = root / f"{module}@{source}-on-{target}-{strategy}"
    t = time.monotonic()
    proc = kbridge("bridge", str(intree.find(f"{module}@{source}").path), "--target", source,
                   "--target", target, "--strategy", strategy, "-o", str(out),
                   *([] if abi else ["--no-abi-check"]))
    case: dict[str, object] = {"bridge_rc": proc.returncode, "kos": [],
                               "bridge_s": round(time.monotonic() - t, 1),
                               "not_bridged": [line.strip() for line in proc.stdout.splitlines()
                                               if "NOT BRIDGED" in line][:40]}
    if proc.returncode == 0:
        case.update(build(root, out, target, out.name + ".build"))
    return case


def build(root: Path, path: Path, target: str, name: str) -> dict[str, object]:
    t = time.monotonic()
    result, kos = runner.build_for(path, series_mod.release(target), root / name)
    return {"built": result.ok, "kos": [str(k) for k in kos], "build_s": round(time.monotonic() - t, 1),
            "diagnostics": [d.to_json() for d in result.diagnostics][:10]}


def run_target(root: Path, target: str, sources: list[str], modules: list[str],
               strategies: list[str], abi: bool, jobs: int) -> dict[str, object]:
    t0 = time.monotonic()
    cases = [(m, s, st) for s in sources for m in modules for st in strategies]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        own_f = {m: pool.submit(build, root, intree.find(f"{m}@{target}").path, target,
                                f"own-{m}@{target}") for m in modules}
        case_f = {c: pool.submit(prepare, root, c[0], c[1], target, c[2], abi) for c in cases}
        own = {m: f.result() for m, f in own_f.items()}
        prepared = {c: f.result() for c, f in case_f.items()}
    t1 = time.monotonic()
    stages = [snapshot.Stage(f"own:{m}", tuple(Path(k) for k in b["kos"]), KIND[m])
              for m, b in own.items() if b["kos"]]
    stages += [snapshot.Stage(f"{m}@{s}:{st}", tuple(Path(k) for k in p["kos"]), KIND[m])
               for (m, s, st), p in prepared.items() if p["kos"]]
    snaps = snapshot.take_many(stages, series_mod.release(target))
    t2 = time.monotonic()
    rows = []
    for (m, s, st), p in prepared.items():
        row = {"module": m, "source": s, "target": target, "strategy": st,
               "bridge_rc": p["bridge_rc"], "bridge_s": p["bridge_s"], "built": p.get("built"),
               "not_bridged": p["not_bridged"], "diagnostics": p.get("diagnostics", [])}
        cand, ref = snaps.get(f"{m}@{s}:{st}"), snaps.get(f"own:{m}")
        if cand and ref:
            cmp = snapshot.compare(cand, ref)
            row.update({"snapshot_ok": cand["ok"], "reasons": cand["reasons"], "own_ok": ref["ok"],
                        "same": len(cmp.same), "different": cmp.to_json()["different"]})
        row["pass"] = bool(p["bridge_rc"] == 0 and p.get("built") and cand and ref
                           and cand["ok"] and ref["ok"] and not row.get("different"))
        rows.append(row)
    return {"target": target, "rows": rows, "prepare_s": round(t1 - t0, 1),
            "boot_s": round(t2 - t1, 1), "stages": len(stages)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", help="A:B,... (default: the oldest and newest series meeting)")
    ap.add_argument("--module", action="append", choices=sorted(KIND))
    ap.add_argument("--strategy", action="append", choices=STRATEGIES)
    ap.add_argument("--no-abi-check", action="store_true")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args()
    pairs = ([tuple(p.split(":")) for p in a.pairs.split(",")] if a.pairs else default_pairs())
    by_target: dict[str, list[str]] = {}
    for x, y in pairs:
        for s, t in ((x, y), (y, x)):
            by_target.setdefault(t, [])
            if s not in by_target[t]:
                by_target[t].append(s)
    results = []
    failed = 0
    with tempfile.TemporaryDirectory(prefix="kbridge-bench-diff-") as tmp:
        for target, sources in by_target.items():
            res = run_target(Path(tmp), target, sources, a.module or list(KIND),
                             a.strategy or list(STRATEGIES), not a.no_abi_check, a.j)
            results.append(res)
            print(f"target {target}: {len(res['rows'])} cases prepared in {res['prepare_s']} s "
                  f"(-j {a.j}), one boot of {res['stages']} stages in {res['boot_s']} s "
                  f"(load {os.getloadavg()[0]:.1f})")
            for r in res["rows"]:
                failed += not r["pass"]
                what = ("PASS" if r["pass"] else
                        "bridge exit %s (%d not bridged)" % (r["bridge_rc"], len(r["not_bridged"]))
                        if r["bridge_rc"] else "build fails" if not r["built"] else
                        "snapshot: %s" % (r.get("reasons") or r.get("different")))
                print(f"  {r['module']}@{r['source']} -> {target} {r['strategy']:6} "
                      f"bridge {r['bridge_s']:6.1f} s  {what}")
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
