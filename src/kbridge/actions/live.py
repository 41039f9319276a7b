"""Which of a driver's code each kernel compiles: the driver's own version switches.

Many out-of-tree drivers already carry their own ``#if LINUX_VERSION_CODE``
switches (``probe(client)`` from 6.3 on, ``probe(client, id)`` before; a
``void`` remove from 6.11 on). A rule chosen from the names of EVERY branch
retypes the slot under the driver's own correct branch and breaks it. So the
rule choice (layer and inline), inline's renames and kbridge check's
prediction read only the code live on the kernels in question.

Which lines a kernel compiles is decided by the one ``#if`` evaluator of
prune (:mod:`kbridge.actions.prune`, unifdef's semantics, :mod:`kbridge.facts.ifexpr`):
LINUX_VERSION_CODE is the kernel's version, CONFIG_* its .config (autoconf:
y -> CONFIG_X, m -> CONFIG_X_MODULE, every other CONFIG_ undefined) when its
tree is known, else unknown; KB_HAVE_* and every other symbol unknown. An
undecided condition keeps both of its branches (today's behaviour: conservative).
A file prune cannot read (unbalanced conditionals) is live everywhere.
A symbol the driver defines or undefines itself -- ``#define``/``#undef`` in any
of its files, ``-D``/``-U`` in its Kbuild or Makefile (out-of-tree drivers often
set their own ``CONFIG_*`` switches so) -- is unknown whatever the kernel's
.config says (:func:`own_symbols`): the evaluator reads no ``#define``, and the
autoconf rule "every other CONFIG_ undefined" would blank code the real build
compiles.

What uses what stays the one scan (:func:`kbridge.facts.scan.file_names`,
:func:`kbridge.facts.scan.scan`), fed the kernel's lines: the lines another
kernel compiles are blanked, rows and columns stay the file's.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbridge.actions import prune
from kbridge.facts import scan
from kbridge.facts.driver import Driver


@dataclass(frozen=True)
class Kernel:
    """What the #if evaluator knows of one kernel."""

    name: str
    env: prune.Env = field(compare=False)
    key: tuple[object, ...] = ()


def _config_defines(config: Path | None) -> tuple[dict[str, int], frozenset[str]] | None:
    if config is None or not config.is_file():
        return None
    from kbridge.facts import cparse
    cfg = cparse.read_config(config.read_text(errors="replace"))
    values: dict[str, int] = {}
    strings: set[str] = set()
    for name, v in cfg.items():
        if v == "y":
            values[name] = 1
        elif v == "m":
            values[f"{name}_MODULE"] = 1
        elif v == "n":
            continue
        else:
            try:
                values[name] = int(v, 0)
            except ValueError:
                strings.add(name)       # a string: defined, no integer value
    return values, frozenset(strings)


def kernel(version: str | None, tree: Any = None) -> Kernel | None:
    """The kernel of *version* (``6.1.158``; its tree, if kbridge has one, gives the
    .config); None when the version is not known (then nothing is decided)."""
    from kbridge.facts.kversion import parse_kernel
    v = version or (getattr(tree, "version", None) if tree is not None else None)
    if not v:
        return None
    try:
        code = parse_kernel(v)
    except Exception:
        return None
    values: dict[str, prune.Interval] = {prune.VERSION_SYMBOL: (code, code)}
    cfgpath = Path(tree.path) / ".config" if tree is not None and getattr(tree, "path", None) else None
    cfg = _config_defines(cfgpath)
    prefix, unknown = "", frozenset()
    if cfg is not None:
        values.update({k: (n, n) for k, n in cfg[0].items()})
        prefix, unknown = "CONFIG_", cfg[1]
    env = prune.Env(values, frozenset(), {}, undefined_prefix=prefix, unknown=unknown)
    return Kernel(getattr(tree, "name", None) or v, env, (code, str(cfgpath) if cfg else ""))


_DIRECTIVE = re.compile(rb"^[ \t]*#[ \t]*(?:define|undef)[ \t]+([A-Za-z_]\w*)", re.M)
_FLAG = re.compile(rb"(?<![\w-])-[DU][ \t]*([A-Za-z_]\w*)")


def own_symbols(driver: Driver) -> frozenset[str]:
    """The symbols *driver* defines or undefines itself: ``#define``/``#undef`` in its
    sources, ``-D``/``-U`` in its Kbuild/Makefile files (LINUX_VERSION_CODE aside)."""
    names: set[bytes] = set()
    for rel in driver.sources:
        try:
            names.update(_DIRECTIVE.findall(driver.read(rel)))
        except OSError:
            continue
    root = Path(driver.path)
    for mk in [*root.rglob("Kbuild*"), *root.rglob("Makefile*"), *root.rglob("*.mk")]:
        try:
            if mk.is_file():
                names.update(_FLAG.findall(mk.read_bytes()))
        except OSError:
            continue
    return frozenset(n.decode() for n in names) - {prune.VERSION_SYMBOL}


def with_driver(k: Kernel | None, driver: Driver) -> Kernel | None:
    """*k* with the symbols *driver* sets itself unknown (neither the .config's value
    nor autoconf's "undefined"): both of their branches stay."""
    if k is None:
        return None
    own = own_symbols(driver)
    if not own:
        return k
    env = dataclasses.replace(
        k.env, values={n: v for n, v in k.env.values.items() if n not in own},
        undefined=k.env.undefined - own, unknown=k.env.unknown | own,
        value_only={n: v for n, v in k.env.value_only.items() if n not in own})
    # an own symbol with the autoconf prefix is unknown through `unknown`; any other
    # is unknown already once out of values/undefined
    return Kernel(k.name, env, (*k.key, tuple(sorted(own))))


_KEPT: dict[tuple[bytes, tuple[object, ...]], tuple[bool, ...] | None] = {}


def kept(data: bytes, k: Kernel | None) -> tuple[bool, ...] | None:
    """Per row of *data*: compiled on *k* (None: every row, nothing known; also for a
    file prune refuses, e.g. unbalanced conditionals: conservative)."""
    if k is None:
        return None
    key = (data, k.key)
    if key not in _KEPT:
        if len(_KEPT) > 4096:
            _KEPT.clear()
        try:
            _KEPT[key] = tuple(prune.kept_rows(data.decode("utf-8", errors="surrogateescape"), k.env))
        except prune.PruneError:
            _KEPT[key] = None
    return _KEPT[key]


def _row(rows: tuple[bool, ...] | None, r: int) -> bool:
    return rows is None or r >= len(rows) or rows[r]


def blanked(data: bytes, rows: tuple[bool, ...] | None) -> bytes:
    """*data* with every row not in *rows* emptied (its newline kept)."""
    if rows is None or all(rows):
        return data
    lines = data.split(b"\n")
    return b"\n".join(line if _row(rows, i) else b"" for i, line in enumerate(lines))


@dataclass(frozen=True)
class Pair:
    """One file's rows for the driver's home kernel and one target."""

    home: tuple[bool, ...] | None
    target: tuple[bool, ...] | None

    def live(self, r: int) -> bool:
        """Compiled on both kernels: the code a shim for that target acts on."""
        return _row(self.home, r) and _row(self.target, r)

    def switched(self, r: int) -> bool:
        """Compiled on one kernel only: the driver's own version switch."""
        return _row(self.home, r) != _row(self.target, r)


def pair_names(driver: Driver, home: Kernel | None, target: Kernel | None) -> scan.Names:
    """What the driver's code live on both *home* and *target* names (the one walker,
    :func:`kbridge.facts.scan.file_names`, over the home kernel's lines), less the
    designated callbacks whose function the driver declares differently on the two
    (its own bridge of that slot)."""
    parts = []
    home, target = with_driver(home, driver), with_driver(target, driver)
    for rel in driver.sources:
        data = driver.read(rel)
        p = Pair(kept(data, home), kept(data, target))
        if p.home is None and p.target is None:
            parts.append(scan.file_names(data, f"{driver.label}: {rel}"))
            continue
        parts.append(scan.file_names(blanked(data, p.home), f"{driver.label}: {rel}",
                                     live=p.live, switched=p.switched))
    return scan.Names.union(parts)


def live_rows(driver: Driver, home: Kernel | None, targets: list[Kernel | None]) -> dict[str, frozenset[int]] | None:
    """Per file, the rows compiled on *home* and on at least one of *targets*; None when
    nothing is decided (no home version)."""
    if home is None:
        return None
    home = with_driver(home, driver)
    targets = [with_driver(t, driver) for t in targets]
    out: dict[str, frozenset[int]] = {}
    for rel in driver.sources:
        data = driver.read(rel)
        n = data.count(b"\n") + 1
        pairs = [Pair(kept(data, home), kept(data, t)) for t in targets] or [Pair(kept(data, home), None)]
        out[rel] = frozenset(r for r in range(n) if any(p.live(r) for p in pairs))
    return out


@dataclass(frozen=True)
class KernelDriver(Driver):
    """*driver* as *kernel* compiles it: the other kernels' lines blanked (rows and
    columns kept), for kbridge check's scan of that kernel."""

    kernel: Kernel | None = None

    def read(self, rel: str) -> bytes:
        data = super().read(rel)
        return blanked(data, kept(data, self.kernel))


def for_kernel(driver: Driver, k: Kernel | None) -> Driver:
    if k is None:
        return driver
    return KernelDriver(path=driver.path, label=driver.label, c_files=driver.c_files,
                        h_files=driver.h_files, origin_version=driver.origin_version,
                        kernel=with_driver(k, driver))
