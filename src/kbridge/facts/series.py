"""The kernel series kbridge targets, read from one table (knowledge/series.toml).

Set-up, the corpus, ``kbridge matrix``'s default targets and the tests all
read the series from here; a series is data, not code. The table never names
a Debian ABI release: the mirror moves, so a series' release is read from the
installed tree of that series (:func:`release`).
"""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kbridge.errors import KbridgeError

TABLE_ENV = "KBRIDGE_SERIES_TABLE"      # another table (set-up's tests use it)
DEFAULT_TABLE = Path(__file__).resolve().parent.parent / "knowledge" / "series.toml"
_FIELDS = {"name", "suite", "source", "headers", "flavours", "toolchain"}


@dataclass(frozen=True)
class Series:
    name: str                   # "6.1"
    suite: str                  # Debian suite that ships it ("bookworm")
    source: str                 # source package ("linux-source-6.1")
    headers: str                # regular expression of the generic header package's name
    flavours: tuple[str, ...]   # header flavours set-up installs ("" = generic)
    toolchain: str              # "host": built with the host's gcc


def table_path() -> Path:
    return Path(os.environ.get(TABLE_ENV) or DEFAULT_TABLE)


@functools.cache
def _load(path: Path) -> tuple[Series, ...]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KbridgeError(f"{path}: cannot read the series table ({exc})") from None
    out = []
    for i, entry in enumerate(data.get("series", [])):
        missing = {"name", "suite", "source", "headers"} - entry.keys()
        unknown = entry.keys() - _FIELDS
        if missing or unknown:
            what = ", ".join([f"missing {m}" for m in sorted(missing)] +
                             [f"unknown field {u}" for u in sorted(unknown)])
            raise KbridgeError(f"{path}: series entry {i + 1}: {what}")
        out.append(Series(name=entry["name"], suite=entry["suite"], source=entry["source"],
                          headers=entry["headers"],
                          flavours=tuple(entry.get("flavours", [""])),
                          toolchain=entry.get("toolchain", "host")))
    if not out:
        raise KbridgeError(f"{path}: the series table names no series")
    return tuple(out)


def all_series() -> tuple[Series, ...]:
    """Every series of the table, oldest first as the table lists them."""
    return _load(table_path())


def names() -> tuple[str, ...]:
    """("6.1", "6.12"): the series' names, as NAME@SERIES and target prefixes spell them."""
    return tuple(s.name for s in all_series())


def get(name: str) -> Series:
    for s in all_series():
        if s.name == name:
            return s
    raise KbridgeError(f"unknown kernel series {name!r} (known: {', '.join(names())})")


def release(name: str, trees=None) -> str:
    """The release of the installed generic tree of series *name* (what its guest boots),
    read from the tree itself -- never written down, since the mirror moves."""
    from kbridge.facts import targets

    tree = targets.resolve(name, trees=trees)
    if not tree.release:
        raise KbridgeError(f"{tree.path}: the tree of series {name} has no release")
    return tree.release
