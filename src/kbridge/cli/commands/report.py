"""kbridge report: saved matrix results (shards, strategies) as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

from kbridge.cli.output import stderr


def run(*, results: list[Path], out: Path, cache_dir: Path | None) -> int:
    from kbridge.actions import matrix
    from kbridge.reports import html
    from kbridge.storage import atomic_write

    cells = matrix.merge(matrix.load_results(results))
    atomic_write(out, html.render(cells))
    stderr.print(f"report: {out} ({len(cells)} cells)")
    return 0
