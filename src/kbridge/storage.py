"""Where kbridge keeps its cache, and how it writes files without leaving halves.

Every output kbridge writes goes through :func:`atomic_write` or
:func:`atomic_directory`: the content is built under a temporary name in the
destination's own directory and renamed into place, so a reader (or a second
kbridge process) sees either the old state or the complete new one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kbridge.errors import KbridgeError

CACHE_ENV = "KBRIDGE_CACHE_DIR"


def cache_root(override: Path | None = None) -> Path:
    """The cache directory: *override*, else $KBRIDGE_CACHE_DIR, else the XDG cache dir."""
    if override is not None:
        root = override
    elif os.environ.get(CACHE_ENV):
        root = Path(os.environ[CACHE_ENV])
    else:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = Path(xdg) / "kbridge"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KbridgeError(f"cannot create cache directory {root}: {exc.strerror}; "
                           f"set {CACHE_ENV} or --cache-dir to a writable place") from None
    if not os.access(root, os.W_OK):
        raise KbridgeError(f"cache directory {root} is not writable; "
                           f"set {CACHE_ENV} or --cache-dir to a writable place")
    return root


def _check_parent(path: Path) -> None:
    parent = path.parent
    if not parent.is_dir():
        raise KbridgeError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise KbridgeError(f"cannot write {path}: directory {parent} is not writable")


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write *data* to *path* so that no reader ever sees a partial file."""
    _check_parent(path)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_directory(final: Path, *, replace: bool = True) -> Iterator[Path]:
    """Yield a fresh temporary directory that becomes *final* when the block succeeds.

    If the block raises, the temporary directory is removed and *final* is left
    as it was. With ``replace=False`` an existing *final* (for instance one a
    concurrent process just finished) is kept and the new copy dropped.
    """
    _check_parent(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if final.exists():
        if not replace:
            shutil.rmtree(tmp, ignore_errors=True)
            return
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".old", dir=final.parent))
        os.rename(final, old / "x")
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        try:
            os.rename(tmp, final)
        except OSError:
            # another process created it between our check and the rename
            shutil.rmtree(tmp, ignore_errors=True)
            if not replace:
                return
            raise


@contextlib.contextmanager
def file_lock(path: Path, *, shared: bool = False) -> Iterator[None]:
    """An advisory lock on *path* held for the block: exclusive (serialises fetches and
    makes across processes), or *shared* (readers that only need it not to change)."""
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
