"""In-tree drivers as out-of-tree module directories, extracted from linux-source tarballs.

The differential runtime tests (issue 6, part 3) need drivers that run
without a hypervisor and that break across 6.1 and 6.12: null_blk, macvlan
and ifb. Like the Xen corpus (:mod:`kbridge.facts.corpus`), they are pulled
out of /usr/src/linux-source-<series>.tar.xz at run time into the cache --
never committed -- each into a directory kbuild can build with ``M=``.

A module is either a whole kernel directory whose own Makefile already works
out of tree (null_blk: its Makefile says ``ccflags-y += -I$(src)`` for the
trace header and selects objects with the CONFIG_ values kbuild reads from
the headers' auto.conf), or a few files of a shared directory with a
one-line Kbuild (macvlan.c, ifb.c in drivers/net, whose Makefile builds
hundreds of things).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kbridge.errors import KbridgeError
from kbridge.facts.corpus import SourceEntry, _local_closure, _tarball, kbuild_text
from kbridge.storage import atomic_directory, atomic_write, cache_root


@dataclass(frozen=True)
class IntreeModule:
    name: str                          # module name and the entry's directory name
    directory: str                     # directory in the kernel tree
    sources: tuple[str, ...] | None    # .c files; None = every file of the directory
    # (the directory's own Makefile then builds it)

    def spec(self) -> list[object]:
        return [self.name, self.directory, list(self.sources) if self.sources else None]


NULL_BLK = IntreeModule("null_blk", "drivers/block/null_blk", None)
MACVLAN = IntreeModule("macvlan", "drivers/net", ("macvlan.c",))
IFB = IntreeModule("ifb", "drivers/net", ("ifb.c",))
DIFFERENTIAL = (NULL_BLK, MACVLAN, IFB)
# Files of a whole directory that are not part of the build.
_SKIP = {"Kconfig"}


@dataclass(frozen=True)
class IntreeEntry(SourceEntry):
    """An in-tree test driver (null_blk, macvlan, ifb) of one series."""


def _extract(tar: Path, series: str, modules: tuple[IntreeModule, ...], dest_root: Path) -> str:
    top = f"linux-source-{series}"
    members = [f"{top}/Makefile"]
    for m in modules:
        if m.sources is None:
            members.append(f"{top}/{m.directory}/*")
        else:
            members += [f"{top}/{m.directory}/{s}" for s in m.sources]
            members.append(f"{top}/{m.directory}/*.h")
    with tempfile.TemporaryDirectory(prefix="kbridge-intree-", dir=dest_root) as staging:
        proc = subprocess.run(["tar", "-xJf", str(tar), "-C", staging, "--wildcards",
                               "--no-wildcards-match-slash", *members],
                              capture_output=True, text=True)
        src = Path(staging) / top
        if not (src / "Makefile").is_file():
            raise KbridgeError(f"{tar}: not a linux-source tarball ({proc.stderr.strip()[:200]})")
        fields = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL)\s*=\s*(\d+)",
                                 (src / "Makefile").read_text(), re.M))
        version = f"{fields['VERSION']}.{fields['PATCHLEVEL']}.{fields['SUBLEVEL']}"
        (dest_root / version).mkdir(exist_ok=True)
        for m in modules:
            base = src / m.directory
            with atomic_directory(dest_root / version / m.name) as out:
                if m.sources is None:
                    files = sorted(p.name for p in base.iterdir()
                                   if p.is_file() and p.name not in _SKIP)
                    if not any(f.endswith(".c") for f in files):
                        raise KbridgeError(f"{tar}: {m.directory} has no .c files")
                else:
                    missing = [s for s in m.sources if not (base / s).is_file()]
                    if missing:
                        raise KbridgeError(f"{tar}: {m.directory}/{missing[0]} missing from the tarball")
                    files = _local_closure(base, list(m.sources))
                for rel in files:
                    (out / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(base / rel, out / rel)
                if m.sources is not None:
                    (out / "Kbuild").write_text(kbuild_text(m.name, m.sources))
    return version


def extract(series: str, modules: tuple[IntreeModule, ...] = DIFFERENTIAL, *,
            cache: Path | None = None, sources: Path | None = None) -> dict[str, IntreeEntry]:
    """The in-tree *modules* of one source series as module directories (cached)."""
    tar = _tarball(series, sources)
    root = cache_root(cache) / "intree"
    root.mkdir(exist_ok=True)
    st = tar.stat()
    spec = hashlib.sha256(json.dumps([m.spec() for m in modules]).encode()).hexdigest()[:16]
    key = {"tarball": str(tar), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "spec": spec}
    stamp = root / f"linux-source-{series}-{spec}.json"
    version = None
    try:
        recorded = json.loads(stamp.read_text())
        if ({k: recorded.get(k) for k in key} == key
                and all((root / recorded["version"] / m.name).is_dir() for m in modules)):
            version = recorded["version"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if version is None:
        version = _extract(tar, series, modules, root)
        atomic_write(stamp, json.dumps({**key, "version": version}, indent=1) + "\n")
    return {m.name: IntreeEntry(m.name, version, root / version / m.name) for m in modules}


def find(label: str, *, cache: Path | None = None) -> IntreeEntry:
    """"null_blk@6.12" -> the extracted entry."""
    name, _, series = label.partition("@")
    known = {m.name: m for m in DIFFERENTIAL}
    if name not in known or not series:
        raise KbridgeError(f"{label!r}: name an in-tree test driver as NAME@SERIES "
                           f"(NAME one of {', '.join(known)})")
    return extract(series, (known[name],), cache=cache)[name]
