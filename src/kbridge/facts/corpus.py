"""The bundled corpus: Xen PV front-end drivers, extracted from Debian's source packages.

kbridge never ships kernel source. At run time it pulls the front-end drivers
out of /usr/src/linux-source-<series>.tar.xz into the cache, each as a
standalone out-of-tree module directory: its .c files, the local headers they
include (followed transitively), and a Kbuild naming the module as the
in-tree Makefile does. The extraction is keyed on the tarball's size and mtime,
so a new linux-source package is picked up and an unchanged one costs nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kbridge.errors import KbridgeError
from kbridge.facts import series as series_mod
from kbridge.facts.kversion import series_of
from kbridge.facts.targets import version_tuple
from kbridge.storage import atomic_directory, atomic_write, cache_root

SOURCE_ENV = "KBRIDGE_SOURCE_DIR"   # where linux-source-*.tar.xz live (default /usr/src)


def source_dir() -> Path:
    return Path(os.environ.get(SOURCE_ENV) or "/usr/src")


@dataclass(frozen=True)
class CorpusDriver:
    """Where a driver lives in the kernel tree and what module it builds."""

    module: str                 # module name, also the corpus entry's name
    directory: str              # directory in the kernel tree
    sources: tuple[str, ...]    # .c files in that directory making up the module
    since: str = "0"            # first mainline release that has it (older series lack it)


# The 12 Xen PV front-ends. Multi-file modules list their objects as the in-tree
# Makefiles do (sound/xen/Makefile, drivers/gpu/drm/xen/Makefile).
XEN_FRONTENDS: tuple[CorpusDriver, ...] = (
    CorpusDriver("xen-blkfront", "drivers/block", ("xen-blkfront.c",)),
    CorpusDriver("xen-netfront", "drivers/net", ("xen-netfront.c",)),
    CorpusDriver("xen-scsifront", "drivers/scsi", ("xen-scsifront.c",)),
    CorpusDriver("xen-kbdfront", "drivers/input/misc", ("xen-kbdfront.c",)),
    CorpusDriver("xen-fbfront", "drivers/video/fbdev", ("xen-fbfront.c",)),
    CorpusDriver("xen-pcifront", "drivers/pci", ("xen-pcifront.c",)),
    CorpusDriver("xen-tpmfront", "drivers/char/tpm", ("xen-tpmfront.c",)),
    CorpusDriver("pvcalls-front", "drivers/xen", ("pvcalls-front.c",)),
    CorpusDriver("9pnet_xen", "net/9p", ("trans_xen.c",)),
    CorpusDriver("xen-hcd", "drivers/usb/host", ("xen-hcd.c",), since="5.17"),
    CorpusDriver("snd_xen_front", "sound/xen",
                 ("xen_snd_front.c", "xen_snd_front_cfg.c", "xen_snd_front_evtchnl.c",
                  "xen_snd_front_alsa.c")),
    CorpusDriver("drm_xen_front", "drivers/gpu/drm/xen",
                 ("xen_drm_front.c", "xen_drm_front_kms.c", "xen_drm_front_conn.c",
                  "xen_drm_front_evtchnl.c", "xen_drm_front_cfg.c", "xen_drm_front_gem.c")),
)


@dataclass(frozen=True)
class SourceEntry:
    """A driver extracted from a series' source tarball (the corpus, the in-tree test drivers)."""

    name: str
    version: str        # kernel version of the source package, e.g. "6.1.150"
    path: Path

    @property
    def series(self) -> str:
        return series_of(self.version)

    @property
    def label(self) -> str:
        """"xen-blkfront@6.12" -- how the CLI names such a driver."""
        return f"{self.name}@{self.series}"


@dataclass(frozen=True)
class CorpusEntry(SourceEntry):
    files: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "version": self.version, "path": str(self.path),
                "files": list(self.files)}


def kbuild_text(module: str, sources: tuple[str, ...]) -> str:
    """The Kbuild of a standalone module built from *sources*."""
    objs = [s[:-2] + ".o" for s in sources]
    if objs == [module + ".o"]:
        return f"obj-m += {module}.o\n"
    return f"obj-m += {module}.o\n{module}-y := {' '.join(objs)}\n"


_QUOTED_INCLUDE = re.compile(rb'^\s*#\s*include\s+"([^"]+)"', re.M)


def _local_closure(root: Path, start: list[str]) -> list[str]:
    """*start* plus every file they include with "..." that exists under *root*."""
    seen: list[str] = []
    todo = list(start)
    while todo:
        rel = todo.pop(0)
        if rel in seen:
            continue
        seen.append(rel)
        data = (root / rel).read_bytes()
        for inc in _QUOTED_INCLUDE.findall(data):
            target = (Path(rel).parent / inc.decode()).as_posix()
            if (root / target).is_file() and not target.startswith(".."):
                todo.append(str(Path(target)))
    return seen


def _tarball(series: str, where: Path | None) -> Path:
    """/usr/src/linux-source-X.tar.xz: the host's, or for a series built in a Debian root
    (toolchain "root") the one installed inside that root."""
    if where is None:
        s = next((x for x in series_mod.all_series() if x.name == series), None)
        if s is not None and s.toolchain == "root":
            from kbridge.facts import roots
            root = roots.root_path(s.suite)
            tar = root / "usr/src" / f"linux-source-{series}.tar.xz"
            if not tar.is_file():
                raise KbridgeError(f"{tar} not found: the Debian root of {s.suite} lacks "
                                   f"{s.source}; run `kbridge roots --make {s.suite}` "
                                   "(scripts/setup.sh does)")
            return tar
    tar = (where or source_dir()) / f"linux-source-{series}.tar.xz"
    if not tar.is_file():
        raise KbridgeError(f"{tar} not found: install the linux-source-{series} package "
                           "(scripts/setup.sh does)")
    return tar


def _extract(tar: Path, series: str, dest_root: Path) -> str:
    """Extract the corpus from one tarball into dest_root/<version>/; returns the version."""
    top = f"linux-source-{series}"
    members = [f"{top}/Makefile"]
    for drv in XEN_FRONTENDS:
        members += [f"{top}/{drv.directory}/{s}" for s in drv.sources]
        members.append(f"{top}/{drv.directory}/*.h")
    with tempfile.TemporaryDirectory(prefix="kbridge-corpus-", dir=dest_root) as staging:
        proc = subprocess.run(
            ["tar", "-xJf", str(tar), "-C", staging, "--wildcards", "--no-wildcards-match-slash",
             *members],
            capture_output=True, text=True)
        # tar exits 2 when a wildcard matched nothing (a driver without headers): fine
        # as long as every .c file arrived, which is checked below.
        src = Path(staging) / top
        if not (src / "Makefile").is_file():
            raise KbridgeError(f"{tar}: not a linux-source tarball ({proc.stderr.strip()[:200]})")
        text = (src / "Makefile").read_text()
        fields = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL)\s*=\s*(\d+)", text, re.M))
        version = f"{fields['VERSION']}.{fields['PATCHLEVEL']}.{fields['SUBLEVEL']}"
        with atomic_directory(dest_root / version) as out:
            for drv in XEN_FRONTENDS:
                base = src / drv.directory
                missing = [s for s in drv.sources if not (base / s).is_file()]
                if version_tuple(version) < version_tuple(drv.since):
                    continue    # a front-end that kernel did not have yet (xen-hcd: 5.17)
                if missing:
                    raise KbridgeError(f"{tar}: {drv.directory}/{missing[0]} missing from the tarball")
                files = _local_closure(base, list(drv.sources))
                ddir = out / drv.module
                for rel in files:
                    (ddir / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(base / rel, ddir / rel)
                (ddir / "Kbuild").write_text(kbuild_text(drv.module, drv.sources))
    return version


def corpus_root(cache: Path | None = None) -> Path:
    root = cache_root(cache) / "corpus"
    root.mkdir(exist_ok=True)
    return root


def ensure_series(series: str, *, cache: Path | None = None,
                  sources: Path | None = None) -> list[CorpusEntry]:
    """The corpus entries of one source series, extracting them if the cache is stale."""
    tar = _tarball(series, sources)
    root = corpus_root(cache)
    st = tar.stat()
    key = {"tarball": str(tar), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    stamp = root / f"linux-source-{series}.json"
    version = None
    try:
        recorded = json.loads(stamp.read_text())
        if {k: recorded.get(k) for k in key} == key and (root / recorded["version"]).is_dir():
            version = recorded["version"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if version is None:
        version = _extract(tar, series, root)
        atomic_write(stamp, json.dumps({**key, "version": version}, indent=1) + "\n")
    entries = []
    for drv in XEN_FRONTENDS:
        path = root / version / drv.module
        if not path.is_dir():
            continue            # not in that kernel (see _extract)
        files = tuple(sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()))
        entries.append(CorpusEntry(drv.module, version, path, files))
    return entries


def corpus(*, cache: Path | None = None, sources: Path | None = None,
           series: tuple[str, ...] | None = None) -> list[CorpusEntry]:
    """All corpus entries: 12 drivers for each source series (default: every series of the
    series table with ``defaults = true``; the others are named as NAME@SERIES)."""
    out: list[CorpusEntry] = []
    for s in (series if series is not None else series_mod.default_names()):
        out.extend(ensure_series(s, cache=cache, sources=sources))
    return sorted(out, key=lambda e: (e.name, version_tuple(e.version)))


def find(label: str, *, cache: Path | None = None) -> CorpusEntry:
    """Look a corpus driver up by "name@series" (e.g. xen-blkfront@6.12)."""
    name, _, series = label.partition("@")
    if not series:
        raise KbridgeError(f"{label!r}: name a corpus driver as NAME@SERIES (e.g. xen-blkfront@6.12)")
    if name not in {d.module for d in XEN_FRONTENDS}:
        names = ", ".join(d.module for d in XEN_FRONTENDS)
        raise KbridgeError(f"{label!r}: no corpus driver named {name!r} (known: {names})")
    if series not in series_mod.names():
        raise KbridgeError(f"{label!r}: the corpus has series {', '.join(series_mod.names())}, "
                           f"not {series!r}")
    for entry in ensure_series(series, cache=cache):
        if entry.name == name:
            return entry
    raise KbridgeError(f"{label!r}: {name} is not in the {series} kernel's source "
                       "(the front-end came later)")
