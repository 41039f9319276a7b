"""kbridge corpus: extract (or find in the cache) the Xen front-end corpus."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from kbridge.cli.output import print_json, stdout


def run(*, as_json: bool, cache_dir: Path | None) -> int:
    from kbridge.facts.corpus import corpus

    entries = corpus(cache=cache_dir)
    if as_json:
        print_json([e.to_json() for e in entries])
        return 0
    table = Table(title=f"Xen front-end corpus ({len(entries)} entries)")
    for col in ("driver", "version", "files", "path"):
        table.add_column(col)
    for e in entries:
        table.add_row(e.name, e.version, " ".join(e.files), str(e.path))
    stdout.print(table)
    return 0
