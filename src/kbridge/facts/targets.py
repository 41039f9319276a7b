"""Kernel build trees on this machine: finding them, describing them, naming them.

A *target* is a kernel tree a driver is built against. Everything is read from
the tree itself -- the release from ``include/generated/utsrelease.h``, the
version from the top Makefile (following Debian's ``include`` of the -common
tree), the architecture from ``.config`` -- never from the directory name,
which vendors choose freely.

Anywhere a target is named, three spellings work (see :func:`resolve`):
a path, a full release (``6.1.0-NN-amd64``), or a version prefix (``6.12``,
``6.1.150``), which picks the newest configured generic tree of that series.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kbridge.errors import KbridgeError
from kbridge.facts.kversion import series_of

SEARCH_GLOBS = ("/lib/modules/*/build", "/usr/src/linux-headers-*")

# Debian architecture names that end a release string (6.1.0-NN-amd64).
_DEB_ARCHES = {"amd64", "arm64", "armmp", "686", "686-pae", "ppc64el", "s390x", "riscv64",
               "loong64", "marvell", "armmp-lpae", "rpi"}


@dataclass(frozen=True)
class KernelTree:
    """One kernel tree as it presents itself to an out-of-tree module build."""

    path: Path
    release: str | None          # UTS_RELEASE, what `uname -r` prints on that kernel
    version: str | None          # "6.1.150": VERSION.PATCHLEVEL.SUBLEVEL from the Makefile
    flavour: str | None          # "generic", "cloud", "rt", ... (None when unknown)
    arch: str | None             # kernel architecture from .config, e.g. "x86_64"
    has_config: bool
    has_generated: bool
    has_symvers: bool
    aliases: tuple[str, ...] = field(default=())  # /lib/modules/<r>/build links to it
    root: Path | None = None     # the Debian root it lies in (toolchain "root"), else None

    @property
    def build_path(self) -> str:
        """The tree's path where its toolchain runs: inside its root (/usr/src/...), else
        the host path."""
        return _inner(self.root, self.path)

    def host_path(self, path: str | Path) -> Path:
        """The host path of an absolute path as the tree's toolchain sees it (an include
        path kbuild wrote, a Makefile's ``include /usr/src/...``)."""
        return _host(self.root, path)

    @property
    def configured(self) -> bool:
        """A module can be built against it: .config and include/generated exist."""
        return self.has_config and self.has_generated

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return version_tuple(self.version or "0")

    @property
    def series(self) -> str | None:
        """"6.1" for 6.1.150."""
        if not self.version:
            return None
        return series_of(self.version)

    @property
    def name(self) -> str:
        """The shortest unambiguous way to show this tree: its release, else its path."""
        return self.release or str(self.path)

    def to_json(self) -> dict[str, object]:
        return {
            "release": self.release,
            "version": self.version,
            "flavour": self.flavour,
            "arch": self.arch,
            "configured": self.configured,
            "has_config": self.has_config,
            "has_generated": self.has_generated,
            "module_symvers": self.has_symvers,
            "path": str(self.path),
            "aliases": list(self.aliases),
            "root": str(self.root) if self.root else None,
        }


def _inner(root: Path | None, path: Path) -> str:
    if root is None:
        return str(path)
    try:
        return "/" + path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _host(root: Path | None, path: str | Path) -> Path:
    p = Path(path)
    if root is None or not p.is_absolute() or p.is_relative_to(root):
        return p
    return root / p.relative_to("/")


def version_tuple(version: str) -> tuple[int, ...]:
    """"6.12.40" -> (6, 12, 40); tolerant of suffixes ("6.1.0-rc1" -> (6, 1, 0))."""
    parts = []
    for piece in version.split("."):
        m = re.match(r"\d+", piece)
        if not m:
            break
        parts.append(int(m.group()))
    return tuple(parts)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def _makefile_version(tree: Path, depth: int = 0, root: Path | None = None) -> str | None:
    text = _read(tree / "Makefile")
    if text is None or depth > 3:
        return None
    fields = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL)\s*=\s*(\d+)\s*$", text, re.M))
    if "VERSION" in fields and "PATCHLEVEL" in fields:
        return f"{fields['VERSION']}.{fields['PATCHLEVEL']}.{fields.get('SUBLEVEL', '0')}"
    # Debian's per-flavour trees say `include /usr/src/linux-headers-X-common/Makefile`
    m = re.search(r"^include\s+(\S+/Makefile)\s*$", text, re.M)
    if m:
        return _makefile_version(_host(root, m.group(1)).parent, depth + 1, root)
    return None


def _uts_release(tree: Path) -> str | None:
    text = _read(tree / "include/generated/utsrelease.h")
    if text:
        m = re.search(r'#define\s+UTS_RELEASE\s+"([^"]+)"', text)
        if m:
            return m.group(1)
    text = _read(tree / "include/config/kernel.release")
    return text.strip() or None if text else None


def _config_arch(tree: Path) -> str | None:
    text = _read(tree / ".config")
    if text is None:
        arches = sorted(p.name for p in (tree / "arch").glob("*") if p.is_dir())
        return arches[0] if len(arches) == 1 else None
    for symbol, arch in (("CONFIG_X86_64", "x86_64"), ("CONFIG_X86_32", "i386"),
                         ("CONFIG_ARM64", "arm64"), ("CONFIG_ARM", "arm"),
                         ("CONFIG_PPC64", "powerpc64"), ("CONFIG_S390", "s390"),
                         ("CONFIG_RISCV", "riscv")):
        if re.search(rf"^{symbol}=y$", text, re.M):
            return arch
    return None


def _flavour(release: str | None, tree: Path) -> str | None:
    """Debian-style flavour from the release: 6.1.0-NN-rt-amd64 -> "rt"."""
    if not release:
        return None
    tokens = release.split("-")[1:]
    tokens = [t for t in tokens if not t.isdigit()]
    if tokens and tokens[-1] in _DEB_ARCHES:
        tokens = tokens[:-1]
    if tokens:
        return "-".join(tokens)
    config = _read(tree / ".config") or ""
    if "\nCONFIG_PREEMPT_RT=y" in config:
        return "rt"
    return "generic"


def source_tree(tree: KernelTree) -> Path:
    """Where the kernel's own headers and Makefiles of *tree* live: the tree itself, or, for a
    split build tree (Debian's per-flavour headers, a kernel built with O=), the tree its
    one-line Makefile includes (``include /usr/src/linux-headers-R-common/Makefile``),
    else /lib/modules/R/source. The one place that follows Debian's flavour/-common split.
    For a tree in a Debian root the paths the tree names are the root's: the host path
    returned is ROOT/usr/src/linux-headers-R-common."""
    path = tree.path
    if (path / "include/linux").is_dir():
        return path
    m = re.search(r"^include\s+(\S+)/Makefile\s*$", _read(path / "Makefile") or "", re.M)
    if m and tree.host_path(m.group(1)).is_dir():
        return tree.host_path(m.group(1))
    if tree.release:
        src = tree.host_path(Path("/lib/modules") / tree.release / "source")
        if (src / "include/linux").is_dir():
            return src.resolve()
    return path


def looks_like_tree(path: Path, root: Path | None = None) -> bool:
    """A kernel tree has a top Makefile and the kernel's include/linux (possibly via -common)."""
    if not (path / "Makefile").is_file():
        return False
    if (path / "include/linux").is_dir() or (path / "include/generated").is_dir():
        return True
    return _makefile_version(path, root=root) is not None and (path / "include").is_dir()


def _root_of(path: Path) -> Path | None:
    from kbridge.facts import roots
    return roots.root_of(path)


def inspect(path: Path, root: Path | None = None) -> KernelTree:
    """Describe the kernel tree at *path*; KbridgeError if it is not one. A tree inside a
    Debian root kbridge keeps (*root*, else found from the path) knows its root."""
    path = Path(path)
    if not path.exists():
        raise KbridgeError(f"{path}: no such directory")
    if not path.is_dir():
        raise KbridgeError(f"{path}: not a directory, expected a kernel build tree")
    real = path.resolve()
    root = root or _root_of(real)
    if not looks_like_tree(real, root):
        raise KbridgeError(f"{path}: not a kernel tree (no top Makefile with include/); "
                           "give a kernel build or headers directory such as /lib/modules/$(uname -r)/build")
    release = _uts_release(real)
    return KernelTree(
        path=real,
        release=release,
        version=_makefile_version(real, root=root),
        flavour=_flavour(release, real),
        arch=_config_arch(real),
        has_config=(real / ".config").is_file(),
        has_generated=(real / "include/generated").is_dir(),
        has_symvers=(real / "Module.symvers").is_file(),
        root=root,
    )


def root_trees() -> list[KernelTree]:
    """The trees in the Debian roots of the table's toolchain-"root" series, those of the
    series of the root's suite only (never makes a root: set-up or first use does)."""
    from kbridge.facts import roots
    from kbridge.facts import series as series_mod

    out = []
    for suite, root in roots.existing().items():
        wanted = {s.name for s in series_mod.root_series() if s.suite == suite}
        for cand in sorted((root / "usr/src").glob("linux-headers-*")):
            if cand.is_symlink() or not cand.is_dir() or not looks_like_tree(cand, root):
                continue
            tree = inspect(cand, root)
            if tree.series in wanted:
                out.append(tree)
    return out


def discover(extra: list[Path] | None = None, globs: tuple[str, ...] = SEARCH_GLOBS) -> list[KernelTree]:
    """Every kernel tree found in the usual places plus *extra*, one entry per real path."""
    import glob

    found: dict[Path, KernelTree] = {}
    aliases: dict[Path, list[str]] = {}
    candidates: list[Path] = []
    for pattern in globs:
        candidates.extend(Path(p) for p in sorted(glob.glob(pattern)))
    for p in extra or []:
        candidates.append(Path(p))
    for cand in candidates:
        explicit = extra is not None and cand in extra
        try:
            real = cand.resolve()
        except OSError:
            continue
        if real not in found:
            if explicit:
                found[real] = inspect(cand)   # a path the user gave must be a tree
            elif real.is_dir() and looks_like_tree(real):
                found[real] = inspect(real)
            else:
                continue
        if cand != real:
            aliases.setdefault(real, []).append(str(cand))
    if globs == SEARCH_GLOBS:
        for t in root_trees():
            found.setdefault(t.path, t)
    trees = [
        KernelTree(**{**t.__dict__, "aliases": tuple(sorted(aliases.get(t.path, [])))})
        for t in found.values()
    ]
    return sorted(trees, key=lambda t: (t.version_tuple, t.flavour or "", str(t.path)))


def _require_configured(tree: KernelTree, spelled: str) -> KernelTree:
    if not tree.configured:
        missing = [n for n, ok in ((".config", tree.has_config),
                                   ("include/generated", tree.has_generated)) if not ok]
        raise KbridgeError(f"{spelled}: kernel tree {tree.path} is not configured "
                           f"(missing {', '.join(missing)}); run `make olddefconfig modules_prepare` "
                           "in it or use an installed linux-headers package")
    return tree


def resolve(name: str, *, configured: bool = True, trees: list[KernelTree] | None = None) -> KernelTree:
    """Turn a target as the user spells it into a tree.

    *name* is a path (anything containing "/" or an existing directory), a full
    release, or a version prefix; a prefix picks the newest generic tree of the
    series whose version starts with it component-wise ("6.1" never matches 6.12).
    """
    looks_like_path = "/" in name or name.startswith(".")
    pool = trees if trees is not None else None
    if looks_like_path or (Path(name).is_dir() and not re.match(r"^\d", name)):
        tree = inspect(Path(name))
        # the discovered entry, when there is one, also knows its /lib/modules aliases
        tree = next((t for t in (pool if pool is not None else discover()) if t.path == tree.path), tree)
        return _require_configured(tree, name) if configured else tree
    pool = pool if pool is not None else discover()
    exact = [t for t in pool if t.release == name]
    if exact:
        return _require_configured(exact[0], name) if configured else exact[0]
    if re.fullmatch(r"\d+(\.\d+){0,2}", name):
        want = version_tuple(name)
        series = [t for t in pool if t.version_tuple[: len(want)] == want
                  and (t.configured or not configured)]
        generic = [t for t in series if t.flavour == "generic"] or series
        if generic:
            return max(generic, key=lambda t: (t.version_tuple, t.release or ""))
    known = ", ".join(sorted({t.release for t in pool if t.release and t.configured})) or "none"
    raise KbridgeError(f"unknown target {name!r}: not a path, release or version prefix of an "
                       f"installed tree (installed: {known}); see `kbridge targets`")
