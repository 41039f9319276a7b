"""Debian packages of any suite, fetched without touching the host's apt configuration.

Guest kernels and Xen come from Debian's archive, and not only from the host's
own suite: 5.10 kernels and Xen 4.14 are bullseye's, 7.2 is sid's, 7.3 is
experimental's. A user's machine must never get another suite added to its
apt sources behind its back, so kbridge keeps a *private apt state per
suite* in its cache, ``<cache>/apt/<suite>/``:

* ``sources.list``: the host's own Debian archives (what ``apt-get
  indextargets`` reports of the host's configuration: the mirror URI and the
  security archive's) with the host's suite replaced by *suite* --
  ``bookworm``, ``bookworm-updates``, ``bookworm-security`` become
  ``bullseye``, ``bullseye-updates``, ``bullseye-security``; suites without
  updates or security archives (sid, experimental) get only the mirror, and
  experimental comes together with sid (its packages depend on sid's). Signed
  by the host's Debian keyring; component main.
* ``parts/`` (empty: no ``sources.list.d``), ``state/`` (lists, and an empty
  dpkg ``status``: the host's installed packages must not become the
  candidates -- a host's newer base-files would hide bullseye's), ``cache/``
  (apt's package cache and archives).

Every apt command runs with ``-o Dir::Etc::SourceList=... -o
Dir::Etc::SourceParts=... -o Dir::State=... -o Dir::Cache=...`` pointing
there, so the host's /etc/apt, /var/lib/apt/lists and /var/cache/apt are
only read (apt.conf.d: proxies and such stay in force), never written. The
host's own suite goes through the same code (a private copy of its lists), so
even a host whose lists are missing or stale is never updated by kbridge.
sid's and experimental's Release files can be past their Valid-Until date
(the archive re-signs them on its own schedule), so those suites are fetched
with ``Acquire::Check-Valid-Until=false``; experimental is the default release
of its state (its packages win over sid's of the same name).

The lists are fetched the first time a suite is used, again when they are
older than :data:`MAX_AGE` (the mirror moves: superseded kernel ABIs leave the
index), and once more when a look-up or a download fails. Updates take the
suite's lock exclusively, look-ups share it.
"""

from __future__ import annotations

import fcntl
import functools
import re
import shutil
import subprocess
import time
from pathlib import Path

from kbridge.errors import KbridgeError
from kbridge.storage import atomic_write, cache_root, file_lock

MAX_AGE = 24 * 3600.0          # seconds before a suite's lists are fetched again
FALLBACK_MIRROR = "http://deb.debian.org/debian"
FALLBACK_SECURITY = "http://deb.debian.org/debian-security"
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
COMPONENT = "main"
# Suites that have no -updates/-security archives, and the suites their list
# carries (experimental only holds what differs from sid)
ROLLING = {"sid": ("sid",), "unstable": ("unstable",),
           "experimental": ("sid", "experimental"), "rc-buggy": ("sid", "rc-buggy")}
# the archives of a stable suite besides itself, as the host's suite names them
POCKETS = ("", "-updates", "-security")
_SUITE = re.compile(r"[a-z][a-z0-9-]*")


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)


def _require_apt() -> None:
    if shutil.which("apt-get") is None or shutil.which("apt-cache") is None:
        raise KbridgeError("apt-get not found: kbridge fetches guest kernels and Xen as Debian "
                           "packages; run it on Debian (scripts/setup.sh)")


@functools.cache
def host_suite() -> str:
    """The host's Debian suite (its codename, "bookworm"), from /etc/os-release."""
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        text = ""
    m = re.search(r"^VERSION_CODENAME=\"?([a-z]+)\"?$", text, re.M)
    if not m:
        raise KbridgeError("/etc/os-release names no VERSION_CODENAME: kbridge fetches Debian "
                           "packages and needs to know the host's Debian suite")
    return m.group(1)


@functools.cache
def host_archives() -> tuple[tuple[str, str], ...]:
    """(URI, pocket) of the host's Debian archives for its own suite: pocket "" for the
    mirror, "-updates", "-security" -- as apt reads the host's configuration."""
    host = host_suite()
    found: list[tuple[str, str]] = []
    # with the host's lists apt knows each archive's Origin; before they were ever
    # fetched (--no-release-info) it knows only the URI: then the path says Debian
    for extra in ([], ["--no-release-info"]):
        proc = _run(["apt-get", "indextargets", *extra, "--format",
                     "$(REPO_URI) $(RELEASE) $(ORIGIN)", "Created-By: Packages"])
        for line in proc.stdout.splitlines() if proc.returncode == 0 else []:
            parts = line.split()
            if len(parts) != 3:
                continue
            uri, rel, origin = parts[0].rstrip("/"), parts[1], parts[2]
            # Debian's own archives only: a third-party repository may name the suite too
            if origin != "Debian" and not (origin == "$(ORIGIN)" and _debian_path(uri)):
                continue
            pocket = rel[len(host):] if rel.startswith(host) else None
            if pocket in POCKETS and (uri, pocket) not in found:
                found.append((uri, pocket))
        if found:
            break
    if not any(p == "" for _, p in found):
        found.insert(0, (FALLBACK_MIRROR, ""))
    if not any(p == "-security" for _, p in found):
        found.append((FALLBACK_SECURITY, "-security"))
    return tuple(found)


def _debian_path(uri: str) -> bool:
    return uri.rstrip("/").rsplit("/", 1)[-1] in ("debian", "debian-security")


def check_suite(suite: str) -> None:
    if not _SUITE.fullmatch(suite):
        raise KbridgeError(f"{suite!r} is not a Debian suite name (e.g. bullseye, sid)")


def sources_list(suite: str) -> str:
    """The private sources.list of *suite*: the host's archives, the suite swapped in."""
    check_suite(suite)
    signed = f" [signed-by={KEYRING}]" if KEYRING.is_file() else ""
    lines: list[str] = []
    for uri, pocket in host_archives():
        if suite in ROLLING:
            if pocket != "":
                continue
            lines += [f"deb{signed} {uri} {s} {COMPONENT}" for s in ROLLING[suite]]
        else:
            lines.append(f"deb{signed} {uri} {suite}{pocket} {COMPONENT}")
    return "\n".join(lines) + "\n"


def state_dir(suite: str, cache: Path | None = None) -> Path:
    check_suite(suite)
    return cache_root(cache) / "apt" / suite


def options(suite: str, cache: Path | None = None) -> list[str]:
    """The ``-o`` options that point apt at *suite*'s private state and nothing else."""
    d = state_dir(suite, cache)
    opts = [f"Dir::Etc::SourceList={d / 'sources.list'}", f"Dir::Etc::SourceParts={d / 'parts'}",
            f"Dir::State={d / 'state'}", f"Dir::State::status={d / 'state' / 'status'}",
            f"Dir::Cache={d / 'cache'}",
            "Acquire::Languages=none", "APT::Get::List-Cleanup=true"]
    if suite in ROLLING:
        opts += ["Acquire::Check-Valid-Until=false", f"APT::Default-Release={suite}"]
    return [x for o in opts for x in ("-o", o)]


def _lock(suite: str, cache: Path | None, mode: int):  # type: ignore[no-untyped-def]
    path = state_dir(suite, cache).parent / f".{suite}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    return file_lock(path, shared=mode == fcntl.LOCK_SH)


def _stamp(suite: str, cache: Path | None) -> Path:
    return state_dir(suite, cache) / "updated"


def _fresh(suite: str, cache: Path | None) -> bool:
    try:
        return time.time() - _stamp(suite, cache).stat().st_mtime < MAX_AGE
    except OSError:
        return False


def update(suite: str, cache: Path | None = None, *, force: bool = False) -> Path:
    """Fetch *suite*'s lists into its private state (when missing, old, or *force*)."""
    _require_apt()
    d = state_dir(suite, cache)
    if not force and _fresh(suite, cache):
        return d
    with _lock(suite, cache, fcntl.LOCK_EX):
        if not force and _fresh(suite, cache):
            return d
        for sub in ("parts", "state/lists/partial", "cache/archives/partial"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        (d / "state" / "status").touch()
        src = sources_list(suite)
        if not (d / "sources.list").is_file() or (d / "sources.list").read_text() != src:
            atomic_write(d / "sources.list", src)
        proc = _run(["apt-get", "update", "-q", *options(suite, cache)])
        errors = [ln for ln in (proc.stdout + proc.stderr).splitlines()
                  if ln.startswith(("E:", "Err:"))]
        if proc.returncode != 0 or errors:
            last = (errors or proc.stderr.strip().splitlines() or ["apt-get update failed"])[-1]
            raise KbridgeError(f"cannot fetch the package lists of Debian {suite} ({last}); "
                               "kbridge needs the network and the host's Debian mirror")
        atomic_write(_stamp(suite, cache), f"{time.time():.0f}\n")
    return d


def _query(suite: str, cache: Path | None, args: list[str]) -> subprocess.CompletedProcess[str]:
    update(suite, cache)
    with _lock(suite, cache, fcntl.LOCK_SH):
        return _run(["apt-cache", *options(suite, cache), *args])


def known(pkg: str, suite: str, cache: Path | None = None) -> str | None:
    """The candidate version of *pkg* in *suite*, or None when the suite has no such package."""
    proc = _query(suite, cache, ["policy", pkg])
    m = re.search(r"^\s+Candidate:\s+(\S+)$", proc.stdout, re.M)
    if not m or m.group(1) == "(none)":
        return None
    return m.group(1)


def names(prefix: str, suite: str, cache: Path | None = None) -> list[str]:
    """The real packages of *suite* whose name starts with *prefix*, sorted."""
    proc = _query(suite, cache, ["pkgnames", prefix])
    return sorted(set(proc.stdout.split()))


def versions(pkgs: list[str], suite: str, cache: Path | None = None) -> dict[str, str]:
    """package -> candidate version in *suite* (packages it lacks are left out)."""
    if not pkgs:
        return {}
    proc = _query(suite, cache, ["policy", *pkgs])
    out: dict[str, str] = {}
    current = None
    for line in proc.stdout.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            current = line[:-1]
        m = re.match(r"\s+Candidate:\s+(\S+)$", line)
        if m and current and m.group(1) != "(none)":
            out[current] = m.group(1)
    return out


def compare_versions(a: str, b: str) -> int:
    """dpkg's order of two Debian versions: -1, 0 or 1."""
    if a == b:
        return 0
    proc = _run(["dpkg", "--compare-versions", a, "lt", b])
    return -1 if proc.returncode == 0 else 1


def depends(pkg: str, suite: str, cache: Path | None = None) -> list[str]:
    """The packages *pkg* depends on in *suite* (Depends and Pre-Depends, first of each
    alternative; virtual packages as apt names them), in apt's order."""
    proc = _query(suite, cache, ["depends", "--no-recommends", "--no-suggests", "--no-conflicts",
                                 "--no-breaks", "--no-replaces", "--no-enhances", pkg])
    if proc.returncode != 0 or not proc.stdout.strip():
        update(suite, cache, force=True)
        proc = _query(suite, cache, ["depends", "--no-recommends", "--no-suggests",
                                     "--no-conflicts", "--no-breaks", "--no-replaces",
                                     "--no-enhances", pkg])
    if proc.returncode != 0:
        raise KbridgeError(f"Debian {suite} has no package {pkg}")
    out: list[str] = []
    alternative = False
    for line in proc.stdout.splitlines():
        m = re.match(r"\s*(\|?)(?:Pre)?Depends:\s*<?([^<>\s]+)>?$", line)
        if not m:
            continue
        if not alternative and m.group(2) not in out:
            out.append(m.group(2))
        alternative = m.group(1) == "|"
    return out


def download(pkgs: list[str], suite: str, dest: Path, cache: Path | None = None) -> list[Path]:
    """Download the .deb of each of *pkgs* (candidate versions of *suite*) into *dest*;
    nothing is installed. Returns the .deb files in the order of *pkgs*."""
    if not pkgs:
        return []
    dest.mkdir(parents=True, exist_ok=True)
    before = set(dest.glob("*.deb"))

    def attempt() -> tuple[subprocess.CompletedProcess[str], list[Path]]:
        update(suite, cache)
        with _lock(suite, cache, fcntl.LOCK_SH):
            proc = _run(["apt-get", "download", "-q", *options(suite, cache), *pkgs], cwd=dest)
        return proc, sorted(set(dest.glob("*.deb")) - before)

    def ordered(debs: list[Path]) -> list[Path] | None:
        # apt names each file NAME_VERSION_ARCH.deb; package names have no "_"
        by_name = {d.name.split("_", 1)[0]: d for d in debs}
        got = [by_name.get(p) for p in pkgs]
        return None if None in got or len(debs) != len(pkgs) else got  # type: ignore[return-value]

    proc, debs = attempt()
    if proc.returncode != 0 or ordered(debs) is None:
        # a package the lists do not know (yet), or one the mirror dropped since: the
        # lists again, once
        for d in debs:
            d.unlink()
        update(suite, cache, force=True)
        proc, debs = attempt()
    got = ordered(debs) if proc.returncode == 0 else None
    if got is None:
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("E:")]
        last = (errors or proc.stderr.strip().splitlines() or ["no .deb downloaded"])[-1]
        raise KbridgeError(f"cannot download {' '.join(pkgs)} from Debian {suite} ({last})")
    return got

