#!/usr/bin/env python3
"""Are the bridged outputs byte-identical between two revisions? (refactoring check)

    .venv/bin/python scripts/compare-outs.py [--base REV] [--keep DIR]

Writes every OUT that kbridge can write for the bundled drivers -- the corpus
(12 Xen front-ends of every default series: the table's series with rules)
and the in-tree test drivers (null_blk, macvlan, ifb of those series) -- with
the layer, inline with feature guards and inline with version guards, each
bridged for every default series, once with
the code of REV (default HEAD, checked out into a temporary git worktree) and
once with the working tree, then compares the two sets file by file.

Prints one line per difference and a summary; exit 0 when identical, 1 when
not, 2 on bad input. A refactoring that must not change behaviour
(issue "one source for each fact") runs this before it is committed.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Runs inside the revision's own code (PYTHONPATH=<tree>/src): writes every OUT under argv[1].
GENERATE = r"""
import json, sys
from pathlib import Path
from kbridge.actions.bridge import bridge
from kbridge.facts import corpus, intree, series, targets
from kbridge.facts import driver as drv_mod
dest = Path(sys.argv[1])
dest.mkdir(parents=True, exist_ok=True)
pool = targets.discover()
# the series kbridge has rules for (the table's defaults; before that field, every series)
names = series.default_names() if hasattr(series, "default_names") else series.names()
trees = [targets.resolve(s, trees=pool) for s in names]
labels = [e.label for e in corpus.corpus()]
for s in names:
    for m in ("null_blk", "macvlan", "ifb"):
        labels.append(f"{m}@{s}")
done = []
for label in labels:
    drv = drv_mod.resolve(label)
    for strategy, guards in (("layer", None), ("inline", "feature"), ("inline", "version")):
        name = f"{label}--{strategy}" + (f"-{guards}" if guards else "")
        rep = bridge(drv, trees, strategy, dest / name, guards=guards)
        done.append([name, rep.ok])
print(json.dumps(done))
"""


def generate(tree: Path, dest: Path) -> list[list[object]]:
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    proc = subprocess.run([sys.executable, "-c", GENERATE, str(dest)], env=env, capture_output=True,
                          text=True, cwd=tree)
    if proc.returncode != 0:
        raise SystemExit(f"compare-outs: error: generating with {tree} failed: "
                         f"{(proc.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def differences(c: filecmp.dircmp, rel: str = "") -> list[str]:
    out = [f"only in base: {rel}{n}" for n in c.left_only]
    out += [f"only in working tree: {rel}{n}" for n in c.right_only]
    out += [f"differs: {rel}{n}" for n in c.common_files
            if (Path(c.left) / n).read_bytes() != (Path(c.right) / n).read_bytes()]
    for name, sub in sorted(c.subdirs.items()):
        out += differences(sub, f"{rel}{name}/")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default="HEAD")
    ap.add_argument("--keep", type=Path, default=None, help="keep both output sets here")
    args = ap.parse_args()
    rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", f"{args.base}^{{commit}}"],
                         capture_output=True, text=True)
    if rev.returncode != 0:
        print(f"compare-outs: error: {args.base}: not a commit", file=sys.stderr)
        return 2
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kbridge-outs-"))
    base_tree = work / "base-tree"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "-q", "--detach", str(base_tree),
                    rev.stdout.strip()], check=True)
    try:
        a = generate(base_tree, work / "base")
        b = generate(REPO, work / "working")
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base_tree)],
                       check=False)
    diffs = differences(filecmp.dircmp(work / "base", work / "working"))
    for d in diffs:
        print(d)
    files = sum(1 for p in (work / "base").rglob("*") if p.is_file())
    print(f"{len(a)} outputs ({files} files) from {args.base} ({rev.stdout.strip()[:12]}) vs the working "
          f"tree: {'identical' if not diffs and a == b else f'{len(diffs)} differences'}")
    if not args.keep:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    return 0 if not diffs and a == b else 1


if __name__ == "__main__":
    raise SystemExit(main())
