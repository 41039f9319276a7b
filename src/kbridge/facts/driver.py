"""An out-of-tree driver: a directory of C sources with a Kbuild or Makefile.

The CLI names a driver by path or, for the bundled corpus, as NAME@SERIES.
kbridge only ever reads the driver's directory; builds and rewrites happen in
copies.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kbridge.errors import KbridgeError

# Build products kbuild leaves in a module directory; never part of the driver.
BUILD_PRODUCTS = ("*.o", "*.ko", "*.mod", "*.mod.c", "*.mod.o", ".*.cmd", "*.symvers",
                  "modules.order", ".tmp_versions", "*.a", ".cache.mk", ".*.d", "*.dwo")


@dataclass(frozen=True)
class Driver:
    path: Path
    label: str                    # how to show it: corpus label or the path
    c_files: tuple[str, ...]      # relative paths
    h_files: tuple[str, ...]
    origin_version: str | None = None   # kernel version the driver came from, when known

    @property
    def sources(self) -> tuple[str, ...]:
        return self.c_files + self.h_files

    def read(self, rel: str) -> bytes:
        return (self.path / rel).read_bytes()


def _is_build_product(name: str) -> bool:
    import fnmatch
    return any(fnmatch.fnmatch(name, pat) for pat in BUILD_PRODUCTS)


def load(path: Path, *, label: str | None = None, origin_version: str | None = None) -> Driver:
    """Read a driver directory; KbridgeError when it is not one."""
    path = Path(path)
    if not path.exists():
        raise KbridgeError(f"{path}: no such driver directory")
    if not path.is_dir():
        raise KbridgeError(f"{path}: not a directory; give the driver's source directory")
    if not os.access(path, os.R_OK | os.X_OK):
        raise KbridgeError(f"{path}: directory is not readable")
    c_files, h_files = [], []
    for p in sorted(path.rglob("*")):
        if not p.is_file() or _is_build_product(p.name):
            continue
        rel = p.relative_to(path).as_posix()
        if p.suffix == ".c":
            c_files.append(rel)
        elif p.suffix == ".h":
            h_files.append(rel)
    if not c_files:
        raise KbridgeError(f"{path}: no .c files; a driver directory holds C sources and a Kbuild or Makefile")
    for rel in c_files + h_files:
        if not os.access(path / rel, os.R_OK):
            raise KbridgeError(f"{path / rel}: file is not readable")
    if not ((path / "Kbuild").is_file() or (path / "Makefile").is_file()):
        raise KbridgeError(f"{path}: no Kbuild or Makefile saying which module to build (obj-m += NAME.o)")
    return Driver(path=path.resolve(), label=label or str(path), c_files=tuple(c_files),
                  h_files=tuple(h_files), origin_version=origin_version)


def resolve(spec: str, *, cache: Path | None = None) -> Driver:
    """A driver as the user names it: a path, or NAME@SERIES from the bundled corpus
    or from the in-tree test drivers (null_blk, macvlan, ifb; kbridge.facts.intree)."""
    if "@" in spec and not Path(spec).exists():
        from kbridge.facts import corpus, intree
        if spec.partition("@")[0] in {m.name for m in intree.DIFFERENTIAL}:
            found = intree.find(spec, cache=cache)
            return load(found.path, label=found.label, origin_version=found.version)
        entry = corpus.find(spec, cache=cache)
        return load(entry.path, label=entry.label, origin_version=entry.version)
    return load(Path(spec))
