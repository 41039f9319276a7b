"""kbridge targets: the kernel trees this machine can build against."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from kbridge.cli.output import print_json, stdout


def run(*, paths: list[Path], as_json: bool, cache_dir: Path | None) -> int:
    from kbridge.facts.targets import discover

    trees = discover(extra=list(paths))
    if as_json:
        print_json([t.to_json() for t in trees])
        return 0
    table = Table(title="Kernel trees", show_lines=False)
    for col in ("release", "version", "flavour", "arch", "configured", "Module.symvers", "path"):
        table.add_column(col)
    for t in trees:
        table.add_row(t.release or "-", t.version or "-", t.flavour or "-", t.arch or "-",
                      "yes" if t.configured else "no", "yes" if t.has_symvers else "no", str(t.path))
    stdout.print(table)
    return 0
