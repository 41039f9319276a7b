"""Printing helpers shared by the command modules (the only code that prints)."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console


def _console(**kw: Any) -> Console:
    # Piped output (CI logs, files) gets a wide fixed width instead of rich's 80
    # columns, so that tables keep whole release names and paths.
    probe = Console(**kw)
    return Console(width=None if probe.is_terminal else 200, highlight=False, **kw)


stdout = _console()
stderr = _console(stderr=True)


def print_json(data: Any) -> None:
    """Deterministic JSON on stdout: stable key order as built, two-space indent."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def print_diagnostics(diagnostics: Any) -> None:
    """gcc's diagnostics of a build (kbridge.actions.kbuild.Diagnostic), one line each."""
    for d in diagnostics:
        where = f"{d.file}:{d.line}:{d.col}: " if d.file else ""
        stdout.out(f"{where}{d.severity}: {d.message}")


def print_unbuilt(build: Any) -> int:
    """A module that did not build, so nothing ran: its diagnostics and a FAIL line; exit 1."""
    print_diagnostics(build.diagnostics)
    stdout.out(f"FAIL: {build.driver} does not build on {build.target} "
               f"({build.errors} errors); nothing to run")
    return 1
