"""Debian roots: the toolchains of kernel series the host's Debian cannot build.

A series whose table entry says ``toolchain = "root"`` (5.10 needs bullseye's
gcc-10, 7.x needs sid's gcc-16 and glibc >= 2.38) is built inside a Debian
root of its suite, never by adding that suite to the host's apt sources. The
root is made once with Debian's own mmdebstrap (minbase, the suite's gcc,
make and what kbuild needs, the series' header packages chosen by the table's
regular expressions, and its linux-source-X: the series' corpus) and cached in
``<cache>/roots/<suite>``; it is made in a temporary directory under
``roots/<suite>.lock`` and renamed into place, so no process ever sees half a
root. ``kbridge-root.json`` at its top records, per table entry, the packages
chosen for it: an entry the root already serves costs nothing, an edited one
whose packages are there only rewrites the record, a new one is installed into
a copy that replaces the root (under the lock, which commands in the root hold
shared). ``kbridge.facts.targets`` finds the trees inside it; the sources are
the host's Debian mirror (experimental on top of sid; bullseye with its
security archive); apt there runs with ``Check-Valid-Until`` off.

:func:`run_in_root` is the one way a command runs inside a root: a private
mount namespace (``unshare --mount --fork``) with an overlay over the root
(the root itself is never written by a build), /proc and /dev mounted, the
given host directories bind-mounted at the same path, then ``chroot``. All
mounts die with the namespace. It needs root (as scripts/setup.sh does).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from kbridge.errors import KbridgeError
from kbridge.facts import series as series_mod
from kbridge.facts.roots import (STAMP, existing, host, inner, root_of, root_path,  # noqa: F401
                                 roots_dir, stamp, suites)
from kbridge.storage import file_lock

# What kbuild needs besides the suite's compiler (which the header packages pull in):
TOOLS = ("gcc", "make", "bc", "flex", "bison", "libelf-dev", "libc6-dev", "kmod", "dwarves",
         "xz-utils", "ca-certificates")
# sid's and experimental's Release files can be past their Valid-Until date
APT_OPTIONS = ('Acquire::Check-Valid-Until "false"', 'APT::Install-Recommends "false"')
# suites that are not complete on their own / have no security archive
_OVERLAY_SUITES = {"experimental": "sid"}
_NO_SECURITY = {"sid", "unstable", "experimental"}
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BASE_ENV = {"PATH": PATH, "HOME": "/root", "TERM": "dumb", "LC_ALL": "C", "LANG": "C"}


# --------------------------------------------------------------------------- running

_SCRIPT = r'''
fail() { echo "kbridge-root: $*" >&2; exit 125; }
m=$1 root=$2 mode=$3
shift 3
mount --make-rprivate / || fail "cannot make / private"
if [ "$mode" = overlay ]; then
    mount -t tmpfs kbroot "$m" || fail "cannot mount a tmpfs on $m"
    mkdir "$m/up" "$m/work" "$m/root"
    mount -t overlay kbroot -o "lowerdir=$root,upperdir=$m/up,workdir=$m/work" "$m/root" \
        || fail "cannot mount an overlay over $root"
    top=$m/root
else
    top=$root
fi
mount -t proc proc "$top/proc" || fail "cannot mount /proc in $top"
mount --rbind /dev "$top/dev" || fail "cannot mount /dev in $top"
while [ "$1" != -- ]; do
    mkdir -p "$top$1" && mount --rbind "$1" "$top$1" || fail "cannot mount $1 in $top"
    shift
done
shift
cwd=$1
shift
exec chroot "$top" /usr/bin/env -i -C "$cwd" "$@"
'''
SETUP_FAILED = 125


def _check_runnable() -> None:
    if os.geteuid() != 0:
        raise KbridgeError("building for a target in a Debian root needs root (unshare --mount, "
                           "chroot): run kbridge as root, as scripts/setup.sh is")
    if shutil.which("unshare") is None or shutil.which("chroot") is None:
        raise KbridgeError("unshare and chroot not found: install util-linux and coreutils")


def run_in_root(root: Path, argv: Sequence[str], *, binds: Sequence[Path] = (),
                cwd: Path | str = "/", env: dict[str, str] | None = None,
                writable: bool = False, merge_stderr: bool = True,
                input: str | None = None, timeout: float | None = None, lock: bool = True,
                ) -> subprocess.CompletedProcess[str]:
    """Run *argv* inside *root*, the host directories *binds* mounted at the same path.

    *cwd* is a path inside the root or a host path under it or under a bind.
    The environment is empty but for PATH, HOME, the C locale and *env*.
    *writable*: chroot into the root itself (for making it), not into an overlay.
    A made root is used under a shared lock (``roots/<suite>.lock``), so :func:`ensure` never
    replaces it under a running command (*lock* false: the caller holds the lock).
    """
    _check_runnable()
    root = Path(root)
    binds_abs = []
    for b in dict.fromkeys(Path(os.path.abspath(b)) for b in binds):
        if not b.is_dir():
            raise KbridgeError(f"{b}: not a directory, cannot be mounted in the root")
        binds_abs.append(str(b))
    assignments = [f"{k}={v}" for k, v in {**BASE_ENV, **(env or {})}.items()]
    lock_file = root.parent / f"{root.name}.lock"
    held = _lock(lock_file, fcntl.LOCK_SH) if lock and lock_file.is_file() \
        else contextlib.nullcontext()
    with held, tempfile.TemporaryDirectory(prefix="kbridge-root-") as m:
        proc = subprocess.run(
            ["unshare", "--mount", "--fork", "sh", "-c", _SCRIPT, "kbridge-root", m, str(root),
             "direct" if writable else "overlay", *binds_abs, "--", inner(root, cwd),
             *assignments, *argv],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
            text=True, errors="replace", input=input,
            stdin=None if input is not None else subprocess.DEVNULL, timeout=timeout)
    if proc.returncode != 0:
        said = [ln.strip() for ln in (proc.stdout if merge_stderr else proc.stderr or "").splitlines()
                if ln.strip()]
        ours = [ln for ln in said if ln.startswith("kbridge-root: ")]
        first = said[0] if said else ""
        if proc.returncode == SETUP_FAILED and ours or first.startswith("unshare: "):
            if ours:
                first = ours[0] + (f" ({said[0]})" if said[0] != ours[0] else "")
            # unshare says "cannot change root filesystem propagation" when kbridge itself runs
            # in a chroot whose / is no mount point
            raise KbridgeError(f"cannot enter the Debian root {root}: {first}; kbridge needs root "
                               "and a / that is a mount point (in a chroot: bind-mount the "
                               "chroot's directory onto itself first)")
    return proc


# --------------------------------------------------------------------------- making

def _lock(path: Path, mode: int = fcntl.LOCK_EX):  # type: ignore[no-untyped-def]
    return file_lock(path, shared=mode == fcntl.LOCK_SH)


def _host_mirrors() -> tuple[str, str]:
    """The Debian mirror and security mirror the host's apt uses (so roots see the same)."""
    mirror, security = "http://deb.debian.org/debian", "http://deb.debian.org/debian-security"
    try:
        out = subprocess.run(["apt-get", "indextargets", "--format", "$(REPO_URI)",
                              "Created-By: Packages"], capture_output=True, text=True).stdout
    except OSError:
        return mirror, security
    for uri in sorted(set(out.split())):
        uri = uri.rstrip("/")
        if uri.endswith("/debian-security"):
            security = uri
        elif uri.endswith("/debian"):
            mirror = uri
    return mirror, security


def sources(suite: str) -> list[str]:
    """The apt sources of a root of *suite* (experimental sits on sid)."""
    mirror, security = _host_mirrors()
    base = _OVERLAY_SUITES.get(suite, suite)
    lines = [f"deb {mirror} {base} main"]
    if base != suite:
        lines.append(f"deb {mirror} {suite} main")
    if suite not in _NO_SECURITY and base not in _NO_SECURITY:
        lines.append(f"deb {security} {suite}-security main")
    return lines


# what a root holds of each series: its header packages and its source package (the corpus)
PARTS = ("headers", "source")


def _spec(s: series_mod.Series) -> dict[str, object]:
    return {"name": s.name, "source": s.source, "headers": s.headers, "flavours": list(s.flavours),
            "parts": list(PARTS)}


def _apt(root: Path, *args: str, what: str) -> str:
    proc = run_in_root(root, ["apt-get", "-q", "-y", *args], writable=True,
                       env={"DEBIAN_FRONTEND": "noninteractive"})
    if proc.returncode != 0:
        last = [ln for ln in proc.stdout.splitlines() if ln.strip()][-1:] or ["no output"]
        raise KbridgeError(f"root {root.name}: {what} failed: {last[0][:300]}")
    return proc.stdout


def _candidates(root: Path) -> dict[str, str]:
    """Package -> candidate version for every linux-headers-*/linux-source-* package."""
    proc = run_in_root(root, ["sh", "-c", "apt-cache policy $(apt-cache pkgnames linux-headers-) "
                              "$(apt-cache pkgnames linux-source)"], merge_stderr=False, lock=False)
    out: dict[str, str] = {}
    pkg = None
    for line in proc.stdout.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            pkg = line[:-1]
        elif pkg and line.strip().startswith("Candidate:"):
            version = line.split()[1]
            if version != "(none)":
                out[pkg] = version
    return out


def _version_key(version: str) -> list[object]:
    return [int(x) if x.isdigit() else x for x in re.findall(r"\d+|[a-z]+|~", version)]


def header_packages(s: series_mod.Series, candidates: dict[str, str]) -> list[str]:
    """The header packages of series *s* (generic and flavours) among *candidates*: the
    generic package matching the table's expression whose version equals the source
    package's (as set-up picks them on the host), else the newest matching one."""
    matching = sorted((p for p in candidates if re.search(s.headers, p)),
                      key=lambda p: _version_key(candidates[p]))
    if not matching:
        raise KbridgeError(f"series {s.name}: no package matching {s.headers} in suite {s.suite}; "
                           "check the series table's headers expression")
    src = candidates.get(s.source)
    same = [p for p in matching if candidates[p] == src]
    generic = (same or matching)[-1]
    out = []
    for fl in s.flavours:
        pkg = s.header_package(generic, fl)
        if pkg not in candidates:
            raise KbridgeError(f"series {s.name}: {pkg} (flavour {fl[:-1] or 'generic'}) is not in "
                               f"suite {s.suite}; drop the flavour from the series table")
        out.append(pkg)
    return out


def series_packages(s: series_mod.Series, candidates: dict[str, str]) -> list[str]:
    """Everything a root holds of series *s*: its header packages, then its source package
    (``/usr/src/<source>.tar.xz`` in the root: the corpus of that series)."""
    if s.source not in candidates:
        raise KbridgeError(f"series {s.name}: source package {s.source} is not in suite {s.suite}; "
                           "check the series table's source")
    return [*header_packages(s, candidates), s.source]


def _key(s: series_mod.Series) -> str:
    return json.dumps(_spec(s), sort_keys=True)


def covers(root: Path, wanted: list[series_mod.Series]) -> bool:
    """The root was made (or completed) for every entry of *wanted* as the table now says it."""
    chosen = (stamp(root) or {}).get("chosen", {})
    return all(_key(s) in chosen for s in wanted)


def _installed(root: Path, package: str) -> bool:
    info = root / "var/lib/dpkg/info"
    return (info / f"{package}.list").is_file() or (info / f"{package}:amd64.list").is_file()


def _copy_certs(root: Path) -> None:
    """The host's local CA certificates (an egress proxy's), so apt inside can reach the network."""
    crts = sorted(Path("/usr/local/share/ca-certificates").glob("*.crt"))
    if not crts:
        return
    dest = root / "usr/local/share/ca-certificates"
    dest.mkdir(parents=True, exist_ok=True)
    for c in crts:
        shutil.copy2(c, dest / c.name)
    run_in_root(root, ["update-ca-certificates"], writable=True)


def _install_series(root: Path, wanted: list[series_mod.Series], *, update: bool
                    ) -> dict[str, list[str]]:
    if update:
        _apt(root, "update", what="apt-get update")
    cands = _candidates(root)
    chosen = {_key(s): series_packages(s, cands) for s in wanted}
    pkgs = [p for ps in chosen.values() for p in ps]
    _apt(root, "install", "--no-install-recommends", *pkgs, what=f"apt-get install {' '.join(pkgs)}")
    _apt(root, "clean", what="apt-get clean")
    return chosen


def _write_stamp(root: Path, suite: str, wanted: list[series_mod.Series],
                 chosen: dict[str, list[str]], seconds: float, made: dict | None = None) -> None:
    """Record what the root holds: the series entries it was made or completed for, each
    with the header packages chosen for it (kept across table edits, so switching between
    tables that the root serves both never redoes anything)."""
    chosen = {**(made or {}).get("chosen", {}), **chosen}
    packages = list(dict.fromkeys(p for ps in chosen.values() for p in ps))
    data = {"suite": suite, "sources": sources(suite), "series": [_spec(s) for s in wanted],
            "chosen": chosen, "packages": packages,
            "seconds": round(seconds, 1) or (made or {}).get("seconds"),
            "made": (made or {}).get("made") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    tmp = root / f".{STAMP}.tmp"
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, root / STAMP)


def _mounted_under(path: Path) -> bool:
    try:
        mounts = Path("/proc/self/mounts").read_text().split("\n")
    except OSError:
        return False
    p = str(path.resolve())
    return any(len(f := ln.split(" ")) > 1 and (f[1] == p or f[1].startswith(p + "/"))
               for ln in mounts)


def _discard(tmp: Path) -> None:
    if tmp.exists() and not _mounted_under(tmp):     # never recurse into a mounted /dev
        shutil.rmtree(tmp, ignore_errors=True)


def ensure(suite: str, *, cache: Path | None = None, log: Path | None = None) -> tuple[Path, bool]:
    """The root of *suite*, made (or completed with new series' headers) if needed.

    Returns (root, changed). Made in ``roots/.<suite>.<random>.tmp`` and renamed into place
    under ``roots/<suite>.lock``; a root that gains a series is completed in a copy, which
    replaces it the same way.
    """
    wanted = suites().get(suite)
    if not wanted:
        raise KbridgeError(f"no series of the series table is built in a root of suite {suite!r} "
                           f"(root suites: {', '.join(suites()) or 'none'})")
    base = roots_dir(cache)
    root = base / suite
    if stamp(root) is not None and covers(root, wanted):
        return root, False
    _check_runnable()
    log = log or base / f"{suite}.log"        # mmdebstrap's output, for a failure's last line
    with _lock(base / f"{suite}.lock"):
        if stamp(root) is not None and covers(root, wanted):
            return root, False      # another process made it meanwhile
        if stamp(root) is not None:
            # the table's entries of this suite changed: when the root already holds every
            # package they want (read from its own apt lists, no network), only the stamp
            # changes
            try:
                cands = _candidates(root)
                chosen = {_key(s): series_packages(s, cands) for s in wanted}
            except KbridgeError:
                chosen = {}
            if chosen and all(_installed(root, p) for ps in chosen.values() for p in ps):
                _write_stamp(root, suite, wanted, chosen, 0.0, stamp(root))
                return root, False
        tmp = Path(tempfile.mkdtemp(prefix=f".{suite}.", suffix=".tmp", dir=base))
        t0 = time.monotonic()
        try:
            if stamp(root) is not None:
                # a new series of this suite: complete a copy (the root may be in use)
                cp = subprocess.run(["cp", "-a", f"{root}/.", str(tmp)], capture_output=True,
                                    text=True)
                if cp.returncode != 0:
                    raise KbridgeError(f"cannot copy the root {root} to complete it: "
                                       f"{cp.stderr.strip()[:300]}")
                chosen = _install_series(tmp, wanted, update=True)
                old = stamp(root)
            else:
                _mmdebstrap(suite, tmp, log)
                _copy_certs(tmp)
                chosen = _install_series(tmp, wanted, update=False)
                old = None
            _write_stamp(tmp, suite, wanted, chosen, time.monotonic() - t0, old)
            if root.exists():
                trash = Path(tempfile.mkdtemp(prefix=f".{suite}.", suffix=".old", dir=base))
                os.rename(root, trash / "x")
                os.rename(tmp, root)
                _discard(trash)
            else:
                os.rename(tmp, root)
        except BaseException:
            _discard(tmp)
            raise
    return root, True


def _mmdebstrap(suite: str, dest: Path, log: Path | None) -> None:
    if shutil.which("mmdebstrap") is None:
        raise KbridgeError("mmdebstrap not found: apt-get install mmdebstrap (scripts/setup.sh does)")
    base = _OVERLAY_SUITES.get(suite, suite)
    argv = ["unshare", "--mount", "--fork", "mmdebstrap", "--mode=root", "--variant=minbase",
            "--skip=cleanup/apt/lists", f"--include={','.join(TOOLS)}",
            *[f"--aptopt={o}" for o in APT_OPTIONS], base, str(dest), "-"]
    with open(log or os.devnull, "w") as fh:
        proc = subprocess.run(argv, input="\n".join(sources(suite)) + "\n", text=True,
                              stdout=fh, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        last = ""
        if log is not None:
            lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
            last = f": {lines[-1][:300]}" if lines else ""
        raise KbridgeError(f"mmdebstrap {base} into {dest} failed (exit {proc.returncode}){last}")
    # resolv.conf for apt inside the root later (a new series of the suite)
    with contextlib.suppress(OSError):
        shutil.copy2("/etc/resolv.conf", dest / "etc/resolv.conf")
