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
