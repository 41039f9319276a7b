"""kbridge ci: write a CI workflow that runs the matrix in shards and publishes the report."""

from __future__ import annotations

from pathlib import Path

from kbridge.cli.output import stderr


def run(*, system: str, drivers: list[str], shards: int, strategies: list[str] | None, out: Path,
        cache_dir: Path | None) -> int:
    from kbridge.reports import ci
    from kbridge.storage import atomic_write

    chosen = [s for s in ci.STRATEGIES if s in (strategies or ci.STRATEGIES)]
    args = ["kbridge ci", system, *drivers, f"--shards {shards}",
            *(f"--strategy {s}" for s in chosen if strategies)]
    write = ci.github if system == "github" else ci.gitlab
    text = write(drivers=drivers, strategies=chosen, shards=shards, command=" ".join(args))
    atomic_write(out, text)
    stderr.print(f"workflow: {out} ({len(ci.jobs(_series(), chosen, shards))} shard jobs and a report job)")
    return 0


def _series():  # type: ignore[no-untyped-def]
    from kbridge.facts import series
    return list(series.all_series())
