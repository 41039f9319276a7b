"""A content-addressed cache of kbuild runs, opt-in (``KBRIDGE_BUILD_CACHE=DIR``).

`kbridge bridge` builds its OUT on every target for the ABI check, and whoever then
loads or tests that OUT builds the very same files on the very same kernel again; a
matrix run over a corpus rebuilds every unchanged cell. A build is a function of its
inputs, so when the cache is on, :func:`kbridge.actions.kbuild.build` looks the run up
here first and, on a hit, gives back what the run gave: make's exit status and output
(re-read by the same parser) and the whole build directory.

The key is every input the result depends on, read, not assumed:
- the driver's files (relative path, mode and content; build products excluded, as
  kbuild.copy_driver excludes them);
- the kernel tree: its path, release, Debian root, the content of every header the
  module compiler can read and of ``.config`` (the probe cache's fingerprint, so a
  changed header changes the key), ``Module.symvers`` (modpost's verdict), the stat of
  its top Makefile and modpost binary;
- the toolchain: the module compile command and the compiler's version (an upgraded
  compiler binary changes it, see kbuild_flags.compile_command);
- make's arguments and the environment variables kbuild reads (PATH, ARCH, CC, LLVM,
  K*, ... -- not kbridge's own KBRIDGE_* settings).
A tree that is not configured has no compile command: its builds are never cached.
A failed run is kept only when gcc or modpost said why; a make that failed without a
diagnostic (a missing tool, a killed compiler) may be the machine's fault and runs again.

Off by default: a user's `kbridge bridge` and `make` never see it. The test suite turns
it on for one run (tests/conftest.py: a fresh directory, removed at the end), so a run
builds each distinct input once and a warm cache never hides a cold one's cost.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from kbridge import storage
from kbridge.errors import KbridgeError

ENV = "KBRIDGE_BUILD_CACHE"
FORMAT = "kbridge-build-cache-1"
WORK = "\0KB-WORK\0"        # the build directory's path in a stored log

# environment variables kbuild and the tools it starts read (make_env passes the rest too,
# but nothing in a module build looks at them)
_ENV_EXACT = {"PATH", "ARCH", "SRCARCH", "SUBARCH", "CROSS_COMPILE", "CC", "LD", "AR", "NM",
              "OBJCOPY", "OBJDUMP", "STRIP", "HOSTCC", "HOSTCXX", "LLVM", "LLVM_IAS",
              "CFLAGS", "CPPFLAGS", "LDFLAGS", "O", "V", "W", "C", "M", "INSTALL_MOD_PATH",
              "INSTALL_MOD_DIR", "LC_ALL", "LANG", "SOURCE_DATE_EPOCH", "PAHOLE", "RUSTC"}
_ENV_PREFIX = re.compile(r"^(K(?!BRIDGE_)|CONFIG_)")


@dataclass
class Hit:
    stdout: str             # make's output, the build directory's path restored
    returncode: int
    seconds: float          # how long the run took when it was made


def directory() -> Path | None:
    """The cache directory when the cache is on, else None."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    path = Path(value)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KbridgeError(f"{ENV}={value}: cannot create the build cache: {exc.strerror}") from None
    return path


def _driver_digest(src: Path, ignore) -> str:  # type: ignore[no-untyped-def]
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(src, followlinks=True):
        skipped = ignore(dirpath, dirnames + filenames)
        dirnames[:] = sorted(d for d in dirnames if d not in skipped)
        for name in sorted(filenames):
            if name in skipped:
                continue
            p = Path(dirpath, name)
            st = p.stat()
            h.update(f"{p.relative_to(src)}\0{stat.S_IMODE(st.st_mode):o}\0".encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _tree_digest(tree, cache: Path) -> str | None:  # type: ignore[no-untyped-def]
    from kbridge.actions import kbuild_flags
    from kbridge.actions.probe import ProbeCache, tree_fingerprint

    if not tree.configured:
        return None
    # the compile commands and header fingerprints live beside the builds (the probe
    # cache's tables and code), whatever KBRIDGE_CACHE_DIR a caller set
    pc = ProbeCache(cache / "trees.sqlite")
    try:
        cmd = kbuild_flags.compile_command(tree, pc.db)
        fingerprint = tree_fingerprint(tree, list(cmd.include_dirs()), pc)
    finally:
        pc.db.close()
    h = hashlib.sha256()
    h.update("\0".join([str(tree.path), tree.release or "", str(tree.root or ""),
                        *cmd.argv, cmd.compiler_version, fingerprint]).encode())
    symvers = tree.path / "Module.symvers"
    h.update(hashlib.sha256(symvers.read_bytes()).digest() if symvers.is_file() else b"-")
    for f in (tree.path / "Makefile", tree.path / "scripts/mod/modpost"):
        with contextlib.suppress(OSError):
            st = f.resolve().stat()
            h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}".encode())
    return h.hexdigest()


def _extra_symbols() -> list[tuple[str, str]]:
    """The contents of the Module.symvers files KBUILD_EXTRA_SYMBOLS names (modpost reads
    them: the same path with other exports is another build); a missing file by its path."""
    out = []
    for name in os.environ.get("KBUILD_EXTRA_SYMBOLS", "").split():
        try:
            out.append((name, hashlib.sha256(Path(name).read_bytes()).hexdigest()))
        except OSError:
            out.append((name, ""))
    return out


def key(cache: Path, src: Path, tree, argv: list[str], ignore) -> str | None:  # type: ignore[no-untyped-def]
    """The key of building *src* on *tree* with make *argv* (the module directory's path
    left out), or None when the run cannot be cached (a tree without a compile command:
    the build itself then says what is wrong with it)."""
    try:
        tree_part = _tree_digest(tree, cache)
    except (KbridgeError, OSError):
        return None
    if tree_part is None:
        return None
    env = sorted((k, v) for k, v in os.environ.items() if k in _ENV_EXACT or _ENV_PREFIX.match(k))
    h = hashlib.sha256()
    h.update(json.dumps([FORMAT, argv, env, tree_part, _driver_digest(src, ignore),
                         _extra_symbols()]).encode())
    return h.hexdigest()


def lookup(cache: Path, k: str, work: Path) -> Hit | None:
    """The stored run of *k*, its build directory copied into *work* (which must not
    exist yet); None on a miss."""
    entry = cache / k[:2] / k
    meta = entry / "run.json"
    if not meta.is_file():
        return None
    data = json.loads(meta.read_text())
    shutil.copytree(entry / "dir", work, symlinks=True)
    return Hit(data["stdout"].replace(WORK, str(work)), data["returncode"], data["seconds"])


def store(cache: Path, k: str, work: Path, stdout: str, returncode: int, seconds: float) -> None:
    """Keep a finished run (its build directory *work* as make left it)."""
    parent = cache / k[:2]
    parent.mkdir(exist_ok=True)
    final = parent / k
    if final.exists():
        return
    with storage.atomic_directory(final, replace=False) as tmp:
        shutil.copytree(work, tmp / "dir", symlinks=True)
        (tmp / "run.json").write_text(json.dumps(
            {"stdout": stdout.replace(str(work), WORK), "returncode": returncode,
             "seconds": seconds}))


__all__ = ["ENV", "Hit", "directory", "key", "lookup", "store"]
