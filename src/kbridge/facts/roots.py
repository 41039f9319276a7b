"""Where kbridge's Debian roots are, and how their paths map to the host's.

A series whose table entry says ``toolchain = "root"`` is built inside a Debian
root of its suite, cached in ``<cache>/roots/<suite>``; a finished root has
``kbridge-root.json`` at its top. This module only reads that state (which
roots exist, which root a path lies in, a path inside a root as seen from the
host and back); making a root and running commands in it is
:mod:`kbridge.actions.roots`.
"""

from __future__ import annotations

import json
from pathlib import Path

from kbridge.errors import KbridgeError
from kbridge.facts import series as series_mod
from kbridge.storage import cache_root

STAMP = "kbridge-root.json"          # at the top of a finished root: what it was made for


def roots_dir(cache: Path | None = None) -> Path:
    d = cache_root(cache) / "roots"
    d.mkdir(exist_ok=True)
    return d


def root_path(suite: str, cache: Path | None = None) -> Path:
    return roots_dir(cache) / suite


def suites() -> dict[str, list[series_mod.Series]]:
    """Every suite some series of the table is built in a root of, with those series."""
    out: dict[str, list[series_mod.Series]] = {}
    for s in series_mod.root_series():
        out.setdefault(s.suite, []).append(s)
    return out


def stamp(root: Path) -> dict | None:
    """What a finished root was made for (None: not a finished root)."""
    try:
        return json.loads((root / STAMP).read_text())
    except (OSError, ValueError):
        return None


def existing(cache: Path | None = None) -> dict[str, Path]:
    """Finished roots of the table's suites, by suite (never makes one)."""
    try:
        base = cache_root(cache) / "roots"
    except KbridgeError:
        return {}
    out = {}
    for suite in suites():
        root = base / suite
        if stamp(root) is not None:
            out[suite] = root
    return out


def root_of(path: Path, cache: Path | None = None) -> Path | None:
    """The finished root *path* lies in, if any."""
    try:
        base = (cache_root(cache) / "roots").resolve()
    except KbridgeError:
        return None
    try:
        rel = Path(path).resolve().relative_to(base)
    except ValueError:
        return None
    if not rel.parts:
        return None
    root = base / rel.parts[0]
    return root if stamp(root) is not None else None


# --------------------------------------------------------------------------- paths

def inner(root: Path, path: Path | str) -> str:
    """The path inside *root* of a host path under it (ROOT/usr/src/x -> /usr/src/x)."""
    p = Path(path)
    try:
        return "/" + p.relative_to(root).as_posix() if p != root else "/"
    except ValueError:
        return str(p)           # a host path bind-mounted at the same place


def host(root: Path | None, path: Path | str) -> Path:
    """The host path of an absolute path as seen inside *root* (/usr/src/x -> ROOT/usr/src/x)."""
    p = str(path)
    if root is None or not p.startswith("/"):
        return Path(p)
    if Path(p).is_relative_to(root):
        return Path(p)
    return root / p.lstrip("/")
