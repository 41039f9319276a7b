"""Build every driver against every target, in parallel: the measuring stick.

Each cell is one real kbuild run (:func:`kbridge.actions.kbuild.build`). Cells
run in a thread pool -- the work happens in make and gcc subprocesses -- and a
callback reports each finished cell so that the CLI can draw progress.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from kbridge.actions.kbuild import BuildResult, build
from kbridge.facts.driver import Driver
from kbridge.facts.targets import KernelTree


@dataclass(frozen=True)
class Cell:
    driver: Driver
    tree: KernelTree


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


def run(cells: list[Cell], *, jobs: int | None = None,
        on_done: Callable[[BuildResult], None] | None = None,
        builder: Callable[[Driver, KernelTree], BuildResult] = build) -> list[BuildResult]:
    """Build all *cells*; results come back in the order of *cells*."""
    results: dict[int, BuildResult] = {}
    with ThreadPoolExecutor(max_workers=jobs or default_jobs()) as pool:
        futures = {pool.submit(builder, c.driver, c.tree): i for i, c in enumerate(cells)}
        for fut in as_completed(futures):
            res = fut.result()
            results[futures[fut]] = res
            if on_done:
                on_done(res)
    return [results[i] for i in range(len(cells))]
