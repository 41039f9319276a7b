"""Inline strategy: time to bridge the 24 corpus drivers inline, and to prune them back.

    .venv/bin/python bench/bench_inline.py [--guards feature|version]

Each corpus driver is bridged for the other series (probe answers from the
cache after the first run), then pruned for its own kernel with kbridge's
prune; the script checks the round trip (every .c/.h byte-identical) before
printing times, and counts the spots.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from kbridge.actions.bridge import bridge
from kbridge.actions.prune import prune_tree
from kbridge.facts import corpus
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets as tgt


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--guards", choices=("feature", "version"), default="feature")
    args = ap.parse_args()
    pool = tgt.discover()
    t61, t612 = tgt.resolve("6.1", trees=pool), tgt.resolve("6.12", trees=pool)
    # the host series' 24 drivers, each bridged for the other host kernel (the default corpus
    # is every series' since matrix5)
    entries = corpus.corpus(series=("6.1", "6.12"))
    spots = 0
    t_bridge = t_prune = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for e in entries:
            d = drv_mod.load(e.path, label=e.label, origin_version=e.version)
            other = t61 if e.version.startswith("6.12") else t612
            out = Path(tmp) / e.label
            t0 = time.perf_counter()
            rep = bridge(d, [other], "inline", out, guards=args.guards)
            t1 = time.perf_counter()
            defines = {s["guard"]: 1 for s in rep.shims if s["direction"] == "new_on_old"}
            undefs = [str(s["guard"]) for s in rep.shims if s["direction"] == "old_on_new"]
            kernel = e.version if args.guards == "version" else None
            back = Path(tmp) / f"{e.label}.back"
            prune_tree(out, back, min_kernel=kernel, max_kernel=kernel, defines=defines,
                       undefs=undefs, use_rules=False)
            t2 = time.perf_counter()
            for src in e.path.iterdir():
                if src.suffix in (".c", ".h") and (back / src.name).read_bytes() != src.read_bytes():
                    print(f"round trip FAILED: {e.label} {src.name}", file=sys.stderr)
                    return 1
            spots += len(rep.spots)
            t_bridge += t1 - t0
            t_prune += t2 - t1
    print(f"{len(entries)} drivers, {args.guards} guards: {spots} spots; bridge {t_bridge:.2f} s "
          f"({t_bridge / len(entries) * 1000:.0f} ms/driver), prune back {t_prune:.2f} s; "
          "round trip byte-identical")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
