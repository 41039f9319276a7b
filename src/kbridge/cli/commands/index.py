"""kbridge index: build (or load from the cache) the API index of a kernel tree."""

from __future__ import annotations

import time
from pathlib import Path

from rich.table import Table

from kbridge.cli.output import print_json, stderr, stdout


def run(*, target: str, stats: bool, as_json: bool, rebuild: bool, jobs: int | None,
        cache_dir: Path | None) -> int:
    from kbridge.facts import index

    tree = index.resolve_target(target)
    cached = not rebuild and index.verify(index.db_path_for(tree, cache_dir))
    if not cached and not as_json:
        stderr.print(f"indexing {tree.name} (once per tree; cached afterwards) ...")
    t0 = time.monotonic()
    idx = index.open_index(tree, cache_dir, jobs=jobs or 2, rebuild=rebuild)
    elapsed = time.monotonic() - t0
    info = idx.stats()
    size = idx.path.stat().st_size
    if as_json:
        data = {"target": tree.name, "database": str(idx.path), "cached": cached,
                "seconds": round(elapsed, 3), "bytes": size, "counts": info["counts"],
                "source_root": info["meta"].get("source_root"),
                "exports_source": info["meta"].get("exports_source") or None}
        if stats:
            data["parse"] = info["parse"]
            data["problems"] = info["problems"]
            data["files_with_problems"] = info["files_with_problems"]
            data["problem_samples"] = [{"file": f, "line": ln, "kind": k, "text": s}
                                       for f, ln, k, s in idx.problems(20)]
        print_json(data)
        return 0
    how = "loaded from cache" if cached else "built"
    stdout.print(f"{tree.name}: index {how} in {elapsed:.2f} s, {size / 1e6:.1f} MB at {idx.path}")
    stdout.print(f"headers from {info['meta'].get('source_root')}; exports from "
                 f"{info['meta'].get('exports_source') or 'nowhere (no Module.symvers, no sources)'}; "
                 f"config {'evaluated' if idx.has_config else 'absent: conditions unevaluated'}")
    table = Table(show_header=True)
    table.add_column("kind")
    table.add_column("count", justify="right")
    for k, v in info["counts"].items():
        table.add_row(k, str(v))
    stdout.print(table)
    if stats:
        t = Table(title="parse statistics", show_header=True)
        t.add_column("item")
        t.add_column("count", justify="right")
        for k, v in info["parse"].items():
            t.add_row(k, str(v))
        stdout.print(t)
        p = Table(title=f"constructs not understood ({info['files_with_problems']} files)",
                  show_header=True)
        p.add_column("kind")
        p.add_column("count", justify="right")
        for k, v in info["problems"].items():
            p.add_row(k, str(v))
        stdout.print(p)
        for f, ln, k, s in idx.problems(10):
            stdout.print(f"  {f}:{ln}: {k}: {s}", markup=False)
    return 0
