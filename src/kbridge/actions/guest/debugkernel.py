"""Debug guest kernels: Debian's kernel source rebuilt with lockdep, atomic-sleep checks and KASAN.

Debian's kernels have no lockdep, no CONFIG_DEBUG_ATOMIC_SLEEP and no KASAN,
so a shim that sleeps in atomic context (a mutex taken under a spinlock with
interrupts off, say) or touches freed memory runs silently in their guests.
A debug kernel of a series is the same source (the installed
``/usr/src/linux-source-<series>.tar.xz``, Debian's patches applied) built
with a small configuration: ``make allnoconfig`` with :data:`FRAGMENT`
forced (what kbridge's guests boot with, what the tests load, Xen guest
support, and the checkers: PROVE_LOCKING, DEBUG_ATOMIC_SLEEP, generic KASAN,
DEBUG_LIST), every line of which is checked to hold in the result.

The build (``nice -n 19 make -j2``: vmlinux, bzImage, modules, then
modules_install + depmod) happens once per key and is cached in
``<cache>/guest/debug/<series>-<key>/``: ``tree/`` (the build tree, usable
for out-of-tree modules: .config, include/generated, scripts, Module.symvers),
``vmlinuz`` (the bzImage: booted through SeaBIOS, not PVH, see below), ``config``, ``root/lib/modules``
(modules.dep) and ``debug.json``. The key hashes the source package (name,
version, size, mtime), the fragment and the compiler.

The tree is built in place, not renamed into place afterwards (kbuild records
absolute paths in the tree); ``debug.json`` is written atomically last and is
what makes an entry complete. The build runs under a per-entry lock, so
parallel callers build once; an interrupted build resumes where make stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kbridge.actions.guest.image import GuestImage, file_lock, guest_root
from kbridge.errors import KbridgeError
from kbridge.facts import kversion
from kbridge.storage import atomic_write

LOCALVERSION = "-kbdebug"   # a debug kernel's release: the source's version + this

# The configuration: ``make allnoconfig`` with these values forced
# (KCONFIG_ALLCONFIG), then checked: every line must hold in the result.
# Only what kbridge's guests boot with and what its tests load is on:
#
# * boot as runner/qemu.py boots: PVH ELF entry, 8250 serial console,
#   uncompressed initramfs, busybox's needs (ELF, #! scripts, proc, sysfs,
#   devtmpfs, tmpfs, futex, epoll), ACPI for `poweroff -f` to end QEMU;
# * modules with version checks (MODVERSIONS) as Debian's;
# * Debian's preemption model (voluntary, dynamic), SMP, HZ 250;
# * what the tests load: null_blk (+ configfs, zoned devices, mq-deadline),
#   loop, dummy, macvlan, ifb (+ tc mirred), drm (the behaviour modules);
# * Xen guest support as Debian has it (PV, PVHVM, PVH, swiotlb-xen, xenbus
#   front-end, xen-blkfront and xen-pcifront as modules), which the Xen
#   front-end corpus and the behaviour modules link against;
# * the checkers: PROVE_LOCKING (lockdep), DEBUG_ATOMIC_SLEEP, generic KASAN
#   (inline: the Kconfig default with gcc; larger code, faster checks, which
#   matters more under TCG than build time), DEBUG_LIST;
# * no debug info (a large share of build time and disk; splats are
#   symbolised by kallsyms), no module signing or compression.
#
# Why not Debian's own config reduced with localmodconfig: localmodconfig
# trims modules only, and Debian builds ~1,650 options in; on this shared
# 2-core host that build was measured at ~50 objects a minute under nice 19
# (an hour and more per series, bench/README.md). This fragment gives ~600
# built-in options and the same guest behaviour for what the tests exercise.
FRAGMENT: tuple[str, ...] = (
    "CONFIG_64BIT=y", "CONFIG_SMP=y",
    f'CONFIG_LOCALVERSION="{LOCALVERSION}"', "CONFIG_LOCALVERSION_AUTO=n",
    "CONFIG_PREEMPT_VOLUNTARY=y", "CONFIG_PREEMPT_DYNAMIC=y", "CONFIG_HZ_250=y",
    "CONFIG_SYSVIPC=y", "CONFIG_PRINTK=y", "CONFIG_PRINTK_TIME=y", "CONFIG_BUG=y",
    "CONFIG_FUTEX=y", "CONFIG_EPOLL=y", "CONFIG_KALLSYMS=y", "CONFIG_STACKTRACE=y",
    "CONFIG_MODULES=y", "CONFIG_MODULE_UNLOAD=y", "CONFIG_MODVERSIONS=y",
    "CONFIG_BLK_DEV_INITRD=y", "CONFIG_BINFMT_ELF=y", "CONFIG_BINFMT_SCRIPT=y",
    "CONFIG_PROC_FS=y", "CONFIG_PROC_SYSCTL=y", "CONFIG_SYSFS=y", "CONFIG_DEVTMPFS=y",
    "CONFIG_SHMEM=y", "CONFIG_TMPFS=y", "CONFIG_CONFIGFS_FS=m",
    "CONFIG_TTY=y", "CONFIG_SERIAL_8250=y", "CONFIG_SERIAL_8250_CONSOLE=y",
    "CONFIG_HYPERVISOR_GUEST=y", "CONFIG_PARAVIRT=y", "CONFIG_X86_LOCAL_APIC=y", "CONFIG_X86_TSC=y",
    "CONFIG_PCI=y", "CONFIG_ACPI=y",
    "CONFIG_XEN=y", "CONFIG_XEN_PV=y", "CONFIG_XEN_PVHVM=y", "CONFIG_XEN_PVHVM_GUEST=y",
    "CONFIG_XEN_PVH=y", "CONFIG_PVH=y", "CONFIG_SWIOTLB_XEN=y",
    "CONFIG_XEN_PCIDEV_FRONTEND=m", "CONFIG_XEN_BLKDEV_FRONTEND=m",
    "CONFIG_SLUB=y", "CONFIG_BLOCK=y", "CONFIG_BLK_DEV=y", "CONFIG_BLK_DEV_ZONED=y",
    "CONFIG_BLK_DEV_NULL_BLK=m", "CONFIG_BLK_DEV_LOOP=m", "CONFIG_MQ_IOSCHED_DEADLINE=y",
    "CONFIG_DRM=m",
    "CONFIG_NET=y", "CONFIG_UNIX=y", "CONFIG_NETDEVICES=y", "CONFIG_NET_CORE=y",
    "CONFIG_DUMMY=m", "CONFIG_MACVLAN=m", "CONFIG_NET_SCHED=y", "CONFIG_NET_CLS_ACT=y",
    "CONFIG_NET_ACT_MIRRED=m", "CONFIG_IFB=m",
    "CONFIG_DEBUG_KERNEL=y", "CONFIG_PROVE_LOCKING=y", "CONFIG_DEBUG_ATOMIC_SLEEP=y",
    "CONFIG_KASAN=y", "CONFIG_KASAN_GENERIC=y", "CONFIG_KASAN_INLINE=y", "CONFIG_DEBUG_LIST=y",
    "CONFIG_DEBUG_INFO_NONE=y",
)
# What the checkers print, for the docs and tests: DEBUG_ATOMIC_SLEEP's
# "BUG: sleeping function called from invalid context", lockdep's
# "WARNING: possible circular locking dependency detected" (and the other
# "WARNING:"/"BUG:" reports), KASAN's "BUG: KASAN: slab-out-of-bounds".
RECIPE_VERSION = 1     # bump when the steps below change in a way the options do not show

JOBS = 2
NICE = 19
TARGETS = ("vmlinux", "bzImage", "modules")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DebugKernel:
    """A built debug kernel of one series: a guest image and a build tree."""

    series: str
    key: str
    entry: Path
    release: str          # its own release (the source's version + LOCALVERSION)
    source_version: str   # the linux-source package's version

    @property
    def tree_path(self) -> Path:
        return self.entry / "tree"

    @property
    def image(self) -> GuestImage:
        return GuestImage(self.release, f"{self.series} debug build of {self.source_version}",
                          self.source_version, self.entry / "vmlinuz", self.entry / "root")

    def tree(self):  # type: ignore[no-untyped-def]
        """The build tree as a :class:`kbridge.facts.targets.KernelTree`."""
        from kbridge.facts import targets

        return targets.inspect(self.tree_path)

    def to_json(self) -> dict[str, object]:
        return {"series": self.series, "key": self.key, "entry": str(self.entry),
                "release": self.release,
                "source_version": self.source_version, "tree": str(self.tree_path)}


def debug_root(cache: Path | None = None) -> Path:
    root = guest_root(cache) / "debug"
    root.mkdir(exist_ok=True)
    return root


def source_tarball(series: str) -> Path:
    from kbridge.facts import series as series_mod

    s = series_mod.get(series)
    path = Path(f"/usr/src/{s.source}.tar.xz")
    if not path.is_file():
        raise KbridgeError(f"{path}: missing; the debug kernel of {series} is built from "
                           f"Debian's {s.source} package (scripts/setup.sh installs it)")
    return path


def _package_version(package: str) -> str:
    proc = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True,
                          text=True)
    return proc.stdout.strip() if proc.returncode == 0 else "unknown"


def _compiler() -> str:
    try:
        proc = subprocess.run(["gcc", "--version"], capture_output=True, text=True)
    except OSError:
        raise KbridgeError("gcc not found: the debug kernel is built with the host's gcc "
                           "(scripts/setup.sh installs it)") from None
    return (proc.stdout.splitlines() or ["?"])[0]


def recipe(series: str) -> dict[str, object]:
    """Everything the build depends on; its hash is the cache key."""
    from kbridge.facts import series as series_mod

    tarball = source_tarball(series)
    st = tarball.stat()
    package = series_mod.get(series).source
    return {
        "recipe": RECIPE_VERSION, "series": series,
        "source": {"package": package, "path": str(tarball), "version": _package_version(package),
                   "size": st.st_size, "mtime": int(st.st_mtime)},
        "fragment": list(FRAGMENT), "targets": list(TARGETS), "compiler": _compiler(),
    }


def recipe_key(rec: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(rec, sort_keys=True).encode()).hexdigest()[:16]


def _entry(series: str, key: str, cache: Path | None) -> Path:
    return debug_root(cache) / f"{series}-{key}"


def _load(entry: Path) -> DebugKernel | None:
    try:
        meta = json.loads((entry / "debug.json").read_text())
    except (OSError, ValueError):
        return None
    dk = DebugKernel(meta["series"], meta["key"], entry, meta["release"], meta["source_version"])
    if not ((entry / "vmlinuz").is_file() and (dk.image.modules_dir / "modules.dep").is_file()):
        return None
    return dk


def cached_debug_kernel(series: str, *, cache: Path | None = None) -> DebugKernel | None:
    """The built debug kernel of *series* for today's recipe, or None (never builds)."""
    rec = recipe(series)
    return _load(_entry(series, recipe_key(rec), cache))


def is_debug_release(release: str) -> bool:
    """A debug kernel's release: the Debian source's version and :data:`LOCALVERSION`."""
    return release.endswith(LOCALVERSION)


def find(release: str, *, cache: Path | None = None) -> DebugKernel | None:
    """The built debug kernel whose release is *release* (the newest, if older recipes left
    entries of the same release), or None. Reads the cache only: no recipe, no build."""
    try:
        entries = sorted(debug_root(cache).iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    except (OSError, KbridgeError):
        return None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        dk = _load(entry)
        if dk and dk.release == release:
            return dk
    return None


def require(release: str, *, cache: Path | None = None) -> DebugKernel:
    """:func:`find`, or one error line saying how to build it."""
    dk = find(release, cache=cache)
    if dk is None:
        series = kversion.series_of(release)      # "6.1.192-kbdebug" -> "6.1"
        raise KbridgeError(f"no debug kernel {release} in the cache: build it with "
                           f"`kbridge debug-kernel {series}` (or `kbridge run ... --debug`)")
    return dk


def series_of(kernel: str) -> str:
    """The series ("6.1") of a series name, a release or a version prefix of an installed tree."""
    from kbridge.facts import series as series_mod
    from kbridge.facts import targets

    if kernel in series_mod.names():
        return kernel
    tree = targets.resolve(kernel, configured=False)
    parts = (tree.version or "").split(".")
    name = ".".join(parts[:2])
    series_mod.get(name)      # a tree of a series kbridge does not know: one error line
    return name


def _run(cmd: list[str], *, cwd: Path, log: Path, what: str, stdin: str | None = None,
         env: dict[str, str] | None = None) -> str:
    with open(log, "a") as fh:
        fh.write(f"$ {' '.join(cmd)}\n")
        fh.flush()
        proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, input=stdin if stdin is not None else "",
                              env={**os.environ, **(env or {})})
        fh.write(proc.stdout)
    if proc.returncode != 0:
        tail = [line for line in proc.stdout.splitlines() if line.strip()][-1:] or ["no output"]
        raise KbridgeError(f"debug kernel: {what} failed (exit {proc.returncode}): {tail[0][:200]}; "
                           f"full log {log}")
    return proc.stdout


def _config_values(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^(CONFIG_\w+)=(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def _extract(tarball: Path, tree: Path, log: Path) -> None:
    if (tree / "Makefile").is_file() and (tree / ".kbridge-extracted").is_file():
        return
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    _run(["nice", "-n", str(NICE), "tar", "-xJf", str(tarball), "-C", str(tree),
          "--strip-components=1"], cwd=tree, log=log, what=f"extracting {tarball.name}")
    (tree / ".kbridge-extracted").write_text("")


def configure(tree: Path, log: Path) -> dict[str, str]:
    """Write tree/.config: allnoconfig with :data:`FRAGMENT` forced; every line must hold."""
    fragment = tree / ".kbridge-fragment.config"
    fragment.write_text("".join(line + "\n" for line in FRAGMENT))
    _run(["make", f"KCONFIG_ALLCONFIG={fragment}", "allnoconfig"], cwd=tree, log=log,
         what="make allnoconfig with the fragment")
    values = _config_values(tree / ".config")
    lost = []
    for line in FRAGMENT:
        name, _, want = line.partition("=")
        if values.get(name, "n") != want:
            lost.append(f"{name} (wanted {want}, got {values.get(name, 'n')})")
    if lost:
        raise KbridgeError(f"debug kernel: the configuration lost {', '.join(lost)} "
                           f"(an unmet dependency in this source); see {log}")
    return values


def build(series: str, *, cache: Path | None = None, jobs: int = JOBS,
          progress: Progress | None = None) -> DebugKernel:
    """The debug kernel of *series*, built when not cached (half an hour on two shared cores)."""
    say = progress or (lambda _msg: None)
    rec = recipe(series)
    key = recipe_key(rec)
    entry = _entry(series, key, cache)
    hit = _load(entry)
    if hit:
        return hit
    with file_lock(debug_root(cache) / f".{series}-{key}.lock"):
        hit = _load(entry)
        if hit:
            return hit
        entry.mkdir(exist_ok=True)
        log = entry / "build.log"
        tree = entry / "tree"
        timings: dict[str, float] = {}
        t0 = time.monotonic()
        say(f"extracting {rec['source']['path']} into {tree}")  # type: ignore[index]
        _extract(source_tarball(series), tree, log)
        timings["extract"] = time.monotonic() - t0
        say("configuring (allnoconfig + the fragment)")
        config_path = tree / ".config"
        wanted = entry / "config.wanted"
        if not (config_path.is_file() and wanted.is_file()
                and wanted.read_bytes() == config_path.read_bytes()):
            configure(tree, log)
            shutil.copyfile(config_path, wanted)
        say(f"building (nice -n {NICE} make -j{jobs} {' '.join(TARGETS)}); log {log}")
        t1 = time.monotonic()
        cpu0 = os.times()
        _run(["nice", "-n", str(NICE), "make", f"-j{jobs}", *TARGETS], cwd=tree, log=log,
             what="make")
        cpu1 = os.times()
        timings["make"] = time.monotonic() - t1
        # the release with LOCALVERSION, as the build wrote it (before the first
        # build `make kernelrelease` does not know CONFIG_LOCALVERSION yet)
        release = (tree / "include" / "config" / "kernel.release").read_text().strip()
        say("installing modules (modules_install, depmod)")
        root = entry / "root"
        if root.exists():
            shutil.rmtree(root)
        _run(["make", f"INSTALL_MOD_PATH={root}", "modules_install"], cwd=tree, log=log,
             what="make modules_install")
        mods = root / "lib" / "modules" / release
        for link in ("build", "source"):
            if (mods / link).is_symlink():
                (mods / link).unlink()
        if not (mods / "modules.dep").is_file():
            _run(["depmod", "-b", str(root), release], cwd=tree, log=log, what="depmod")
        # The bzImage only, no ``vmlinux`` beside it: QEMU would enter the ELF
        # through its PVH note (GuestImage.boot_kernel), and with KASAN that
        # entry path runs instrumented code (arch/x86/platform/pvh/enlighten.c
        # has no KASAN_SANITIZE := n) before kasan_early_init() maps the
        # shadow memory -- the guest triple-faults at once, without a line of
        # output (seen on 6.1; cause read from the source, not bisected). Through SeaBIOS and the bzImage's own set-up the
        # kernel maps the shadow first; the boot costs a few seconds more.
        dest = entry / "vmlinuz"
        if dest.exists():
            dest.unlink()
        os.link(tree / "arch" / "x86" / "boot" / "bzImage", dest)
        shutil.copyfile(config_path, entry / "config")
        meta = {"series": series, "key": key, "release": release,
                "source_version": rec["source"]["version"],  # type: ignore[index]
                "recipe": rec,
                "build": {"wall_seconds": round(timings["make"]),
                          "cpu_seconds": round((cpu1.children_user - cpu0.children_user)
                                               + (cpu1.children_system - cpu0.children_system)),
                          "extract_seconds": round(timings["extract"]), "jobs": jobs}}
        atomic_write(entry / "debug.json", json.dumps(meta, indent=1) + "\n")
    hit = _load(entry)
    if hit is None:
        raise KbridgeError(f"debug kernel of {series}: built, but {entry} is incomplete; see {log}")
    return hit
