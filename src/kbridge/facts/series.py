"""The kernel series kbridge targets, read from one table (knowledge/series.toml).

Set-up, the corpus, ``kbridge matrix``'s default targets and the tests all
read the series from here; a series is data, not code. The table never names
a Debian ABI release: the mirror moves, so a series' release is read from the
installed tree of that series (:func:`release`).
"""

from __future__ import annotations

import functools
import os
import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kbridge.errors import KbridgeError

TABLE_ENV = "KBRIDGE_SERIES_TABLE"      # another table (set-up's tests use it)
DEFAULT_TABLE = Path(__file__).resolve().parent.parent / "knowledge" / "series.toml"
_REQUIRED = ("name", "suite", "source", "headers")
_FIELDS = {*_REQUIRED, "flavours", "toolchain", "image", "defaults"}
TOOLCHAINS = ("host", "root")


@dataclass(frozen=True)
class ImageLayout:
    """How the series' suite packages an unsigned guest kernel of a release: the packages
    (``{release}`` in each name) and where the kernel, its config and its modules sit."""

    packages: tuple[str, ...] = ("linux-image-{release}-unsigned",)
    kernel: str = "boot/vmlinuz-{release}"
    config: str = "boot/config-{release}"
    modules: str = "lib/modules/{release}"

    def names(self, release: str) -> list[str]:
        return [p.format(release=release) for p in self.packages]

    def release_pattern(self, series: str) -> str:
        """A regular expression of the first package's name for any generic (not
        -cloud, -rt) release of *series*, the release in group "r"."""
        first = re.escape(self.packages[0]).replace(re.escape("{release}"), "{release}")
        rel = rf"(?P<r>{re.escape(series)}(?:[.+-][0-9A-Za-z.+~-]*)?(?<!-cloud)(?<!-rt)-amd64)"
        return first.replace("{release}", rel)


_IMAGE_KEYS = ("packages", "kernel", "config", "modules")


@dataclass(frozen=True)
class Series:
    name: str                   # "6.1"
    suite: str                  # Debian suite that ships it ("bookworm")
    source: str                 # source package ("linux-source-6.1")
    headers: str                # regular expression of the generic header package's name
    flavours: tuple[str, ...]   # header flavours set-up installs ("" = generic)
    toolchain: str              # "host": the host's gcc; "root": a Debian root of the suite
    image: ImageLayout = ImageLayout()   # the guest kernel's packaging
    defaults: bool = True       # in the default corpus and `kbridge matrix`'s default targets

    def header_package(self, generic: str, flavour: str) -> str:
        """The header package of *flavour* ("" generic, "cloud-", "rt-") beside the generic
        package *generic* (linux-headers-7.3-amd64 -> linux-headers-7.3-cloud-amd64)."""
        return generic[: -len("-amd64")] + f"-{flavour}amd64" if generic.endswith("-amd64") \
            else generic

    def image_package(self, release: str) -> str:
        """The package that holds the guest kernel of *release*."""
        return self.image.names(release)[0]


def table_path() -> Path:
    return Path(os.environ.get(TABLE_ENV) or DEFAULT_TABLE)


def _check_entry(path: Path, i: int, entry: dict) -> Series:
    label = f"{path}: series entry {i + 1}" + (f" ({entry['name']})" if isinstance(entry.get("name"), str) else "")
    missing = [m for m in _REQUIRED if m not in entry]
    unknown = sorted(entry.keys() - _FIELDS)
    if missing or unknown:
        what = ", ".join([f"missing {m}" for m in missing] + [f"unknown field {u}" for u in unknown])
        raise KbridgeError(f"{label}: {what}")

    def fail(what: str) -> None:
        raise KbridgeError(f"{label}: {what}")

    for key in (*_REQUIRED, "toolchain"):
        if key in entry and (not isinstance(entry[key], str) or not entry[key]):
            fail(f"{key} must be a non-empty string")
    if not re.fullmatch(r"\d+\.\d+", entry["name"]):
        fail(f"name {entry['name']!r} is not MAJOR.MINOR (e.g. 6.12)")
    try:
        re.compile(entry["headers"])
    except re.error as exc:
        fail(f"headers is not a regular expression ({exc})")
    flavours = entry.get("flavours", [""])
    if not isinstance(flavours, list) or not all(isinstance(f, str) for f in flavours) \
            or "" not in flavours:
        fail('flavours must be a list of strings with "" (the generic flavour) in it')
    bad = [f for f in flavours if f and not re.fullmatch(r"[a-z0-9]+-", f)]
    if bad:
        fail(f"flavour {bad[0]!r} must look like \"cloud-\" (lower case, ending in -)")
    toolchain = entry.get("toolchain", "host")
    if toolchain not in TOOLCHAINS:
        fail(f"toolchain must be \"host\" (the host's gcc) or \"root\" (a Debian root of the "
             f"suite), not {toolchain!r}")
    image = entry.get("image", {})
    if not isinstance(image, dict):
        fail("image must be a table: { packages = [...], kernel = ..., config = ..., modules = ... }")
    unknown_image = sorted(image.keys() - set(_IMAGE_KEYS))
    if unknown_image:
        fail(f"image: unknown field {unknown_image[0]}")
    packages = image.get("packages", list(ImageLayout.packages))
    if not isinstance(packages, list) or not packages:
        fail("image.packages must be a non-empty list of package name templates")
    templates = [("image.packages", p) for p in packages] + \
        [(f"image.{k}", image[k]) for k in _IMAGE_KEYS[1:] if k in image]
    for key, value in templates:
        if not isinstance(value, str):
            fail(f"{key} must be a string")
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
        except ValueError as exc:
            fail(f"{key} {value!r} is not a template ({exc})")
        if fields != {"release"}:
            fail(f"{key} {value!r} must name the release as {{release}} and nothing else")
    layout = ImageLayout(tuple(packages), **{k: image[k] for k in _IMAGE_KEYS[1:] if k in image})
    if "defaults" in entry and not isinstance(entry["defaults"], bool):
        fail("defaults must be true or false")
    return Series(name=entry["name"], suite=entry["suite"], source=entry["source"],
                  headers=entry["headers"], flavours=tuple(flavours), toolchain=toolchain,
                  image=layout,
                  defaults=entry.get("defaults", True))


@functools.cache
def _load(path: Path) -> tuple[Series, ...]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KbridgeError(f"{path}: cannot read the series table ({exc})") from None
    entries = data.get("series", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise KbridgeError(f"{path}: the series table is a list of [[series]] entries")
    out = [_check_entry(path, i, entry) for i, entry in enumerate(entries)]
    seen: set[str] = set()
    for s in out:
        if s.name in seen:
            raise KbridgeError(f"{path}: series {s.name} is listed twice")
        seen.add(s.name)
    if not out:
        raise KbridgeError(f"{path}: the series table names no series")
    return tuple(out)


def all_series() -> tuple[Series, ...]:
    """Every series of the table, oldest first as the table lists them."""
    return _load(table_path())


def names() -> tuple[str, ...]:
    """("6.1", "6.12"): the series' names, as NAME@SERIES and target prefixes spell them."""
    return tuple(s.name for s in all_series())


def default_series() -> tuple[Series, ...]:
    """The series in the default corpus and `kbridge matrix`'s default targets (the table's
    ``defaults``: the series kbridge has rules for). The CI workflows cover every series."""
    return tuple(s for s in all_series() if s.defaults)


def default_names() -> tuple[str, ...]:
    return tuple(s.name for s in default_series())


def root_series() -> tuple[Series, ...]:
    """The series built in a Debian root of their suite (``toolchain = "root"``)."""
    return tuple(s for s in all_series() if s.toolchain == "root")


def host_suite() -> str:
    """The host's Debian suite as the table sees it: the suite of its ``toolchain = "host"``
    series (scripts/setup.sh installs them from the host's own apt; bookworm). Raises when
    the table has no such series."""
    for s in all_series():
        if s.toolchain == "host":
            return s.suite
    raise KbridgeError(f"{table_path()}: no series has toolchain = \"host\", so the table names "
                       "no host suite")


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


def of_release(release: str) -> str | None:
    """The series of the table a Debian release belongs to ("5.10.0-NN-amd64" -> "5.10",
    "7.3-amd64" -> "7.3"; the longest name that prefixes it), or None."""
    best = None
    for name in names():
        if release.startswith(name) and release[len(name):len(name) + 1] in (".", "-", "+"):
            if best is None or len(name) > len(best):
                best = name
    return best


def image_layouts(release: str) -> list[ImageLayout]:
    """How the guest kernel of *release* may be packaged: its series' layout, or, for a
    release of no series, every layout the table knows (the default first)."""
    name = of_release(release)
    if name is not None:
        return [get(name).image]
    return list(dict.fromkeys([ImageLayout(), *(s.image for s in all_series())]))
