"""The wild set (issue 17 item 4): in-tree modules chosen by a rule, not by hand.

A module of a series' source package is a candidate when

* it lies in one of :data:`DIRECTORIES` (or a directory below one),
* its directory's Kbuild (else Makefile) says ``obj-$(CONFIG_X) += name.o`` and
  nowhere ``name-y``, ``name-objs``, ``name-$(CONFIG_..)`` -- or names exactly one
  object there (``snd-dummy-objs := dummy.o``, how sound/drivers names its modules),
  never a conditional one: one .c file, no other object,
* that .c file is in that directory,
* ``CONFIG_X=m`` in the series' Debian ``.config`` (the header tree's), and
* every quoted include of ``name.c`` -- and of the local headers it reaches -- is a
  header of the same directory (what :func:`kbridge.facts.intree.extract` copies).

That it also builds clean on its own kernel is checked by bench/bench_wild.py,
which builds it. The tarball is read in one stream, keeping only the Makefiles
and the quoted includes of each .c/.h file; the result is cached under the
kbridge cache, keyed by the tarball (path, size, mtime) and the .config's digest.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from kbridge.storage import atomic_write, cache_root

DIRECTORIES = ("drivers/block", "drivers/net", "drivers/scsi", "drivers/virtio", "drivers/xen",
               "drivers/char", "drivers/input", "drivers/watchdog", "sound/drivers")

_QUOTED = re.compile(rb'^\s*#\s*include\s+"([^"]+)"', re.M)
_OBJ = re.compile(r"^\s*obj-\$\((CONFIG_\w+)\)\s*[:+]?=\s*(.*)$", re.M)
_COMPOSITE = re.compile(r"^\s*([\w-]+?)-(y|m|objs|\$\(CONFIG_\w+\))\s*[:+]?=(.*)$", re.M)


@dataclass
class DirFacts:
    """What the rule reads of one directory: its Kbuild/Makefile and each .c/.h file's
    quoted includes."""

    makefile: str = ""
    kbuild: str | None = None
    includes: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    directory: str
    name: str
    config: str
    source: str = ""        # the one .c file (name.c, or dummy.c of snd-dummy-objs := dummy.o)

    def to_json(self) -> dict[str, str]:
        return {"directory": self.directory, "name": self.name, "config": self.config,
                "source": self.source}


def parse_config(text: str) -> dict[str, str]:
    """A .config's CONFIG_X=value lines (``# CONFIG_X is not set`` is left out)."""
    return dict(re.findall(r"^(CONFIG_\w+)=(.*)$", text, re.M))


def quoted_includes(data: bytes) -> list[str]:
    return [m.decode(errors="replace") for m in _QUOTED.findall(data)]


def _makefile_modules(text: str) -> tuple[dict[str, set[str]], dict[str, list[str] | None]]:
    """(module name -> the CONFIG symbols of its obj-$(CONFIG_X) lines,
    composite name -> its objects, None when one is conditional: name-$(CONFIG_Y))."""
    text = re.sub(r"\\\n", " ", text)
    text = re.sub(r"#.*", "", text)
    singles: dict[str, set[str]] = {}
    for config, rhs in _OBJ.findall(text):
        for tok in rhs.split():
            if tok.endswith(".o"):
                singles.setdefault(tok[:-2], set()).add(config)
    parts: dict[str, list[str] | None] = {}
    for name, kind, rhs in _COMPOSITE.findall(text):
        if kind.startswith("$") or parts.get(name, []) is None:
            parts[name] = None
            continue
        objs = parts.setdefault(name, [])
        objs += [t for t in rhs.split() if t not in objs]   # type: ignore[union-attr]
    return singles, parts


def select_dir(directory: str, facts: DirFacts, config: dict[str, str]
               ) -> tuple[list[Candidate], dict[str, str]]:
    """The candidates of one directory, and each refused module's reason. A module of
    one object under another name (snd-dummy-objs := dummy.o) is one .c file too."""
    singles, composite = _makefile_modules(facts.kbuild if facts.kbuild is not None else facts.makefile)
    chosen: list[Candidate] = []
    refused: dict[str, str] = {}
    for name in sorted(singles):
        configs = singles[name]
        source = f"{name}.c"
        if name in composite:
            objs = composite[name]
            if objs is None or len(objs) != 1 or not objs[0].endswith(".o"):
                refused[name] = "built from more than one object"
                continue
            source = objs[0][:-2] + ".c"
        if source not in facts.includes:
            refused[name] = f"no {source} in the directory"
            continue
        if len(configs) != 1:
            refused[name] = f"built under several symbols ({', '.join(sorted(configs))})"
            continue
        (sym,) = configs
        if config.get(sym) != "m":
            refused[name] = f"{sym}={config.get(sym, 'unset')}, not m"
            continue
        why = _outside(facts, source)
        if why:
            refused[name] = why
            continue
        chosen.append(Candidate(directory, name, sym, source))
    return chosen, refused


def _outside(facts: DirFacts, start: str) -> str | None:
    """Why *start*'s quoted includes leave the directory (None: they do not)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        for inc in facts.includes.get(f, []):
            if "/" in inc or inc not in facts.includes or not inc.endswith(".h"):
                return f"{f} includes \"{inc}\", not a header of its directory"
            todo.append(inc)
    return None


def _wanted(rel: str, dirs: tuple[str, ...]) -> bool:
    return any(rel.startswith(d + "/") for d in dirs)


def read_tree(root: Path, dirs: tuple[str, ...] = DIRECTORIES) -> dict[str, DirFacts]:
    """The facts of an extracted tree (or a hand-made fixture) under *root*."""
    out: dict[str, DirFacts] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and _wanted(rel, dirs):
            _add(out, rel, p.read_bytes())
    return out


def _add(out: dict[str, DirFacts], rel: str, data: bytes) -> None:
    directory, _, base = rel.rpartition("/")
    if base in ("Makefile", "Kbuild"):
        facts = out.setdefault(directory, DirFacts())
        if base == "Kbuild":            # kbuild reads Kbuild before Makefile
            facts.kbuild = data.decode(errors="replace")
        else:
            facts.makefile = data.decode(errors="replace")
    elif base.endswith((".c", ".h")):
        out.setdefault(directory, DirFacts()).includes[base] = quoted_includes(data)


def read_tarball(tar: Path, dirs: tuple[str, ...] = DIRECTORIES) -> dict[str, DirFacts]:
    """The facts of a linux-source tarball, read in one stream (nothing extracted)."""
    out: dict[str, DirFacts] = {}
    with tarfile.open(tar, "r|*") as tf:
        for member in tf:
            if not member.isfile():
                continue
            rel = member.name.split("/", 1)[1] if "/" in member.name else member.name
            base = rel.rpartition("/")[2]
            if _wanted(rel, dirs) and (base in ("Makefile", "Kbuild") or base.endswith((".c", ".h"))):
                fh = tf.extractfile(member)
                if fh is not None:
                    _add(out, rel, fh.read())
    return out


def select(facts: dict[str, DirFacts], config: dict[str, str]
           ) -> tuple[list[Candidate], dict[str, str]]:
    """Every candidate of *facts*, and "dir/name" -> why each other module was refused."""
    chosen: list[Candidate] = []
    refused: dict[str, str] = {}
    for directory in sorted(facts):
        c, r = select_dir(directory, facts[directory], config)
        chosen += c
        refused.update({f"{directory}/{n}": why for n, why in r.items()})
    return chosen, refused


def candidates(tar: Path, config_path: Path, *, cache: Path | None = None
               ) -> tuple[list[Candidate], dict[str, str]]:
    """The candidates of a source tarball under a .config (cached by both's identity)."""
    config_text = config_path.read_text()
    st = tar.stat()
    key = {"tarball": str(tar), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
           "config": hashlib.sha256(config_text.encode()).hexdigest()[:16],
           "dirs": list(DIRECTORIES), "rule": 2}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    root = cache_root(cache) / "wild"
    root.mkdir(parents=True, exist_ok=True)
    stamp = root / f"{tar.name.removesuffix('.tar.xz')}-{digest}.json"
    try:
        data = json.loads(stamp.read_text())
        if data.get("key") == key:
            return [Candidate(**c) for c in data["candidates"]], data["refused"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    chosen, refused = select(read_tarball(tar), parse_config(config_text))
    atomic_write(stamp, json.dumps({"key": key, "candidates": [c.to_json() for c in chosen],
                                    "refused": refused}, indent=1) + "\n")
    return chosen, refused
