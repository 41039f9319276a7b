"""Xen front-ends under a real Xen hypervisor: Xen + dom0 under QEMU TCG.

A Xen front-end (xen-blkfront, xen-netfront) talks to its back-end over a
grant-table ring and xenstore; neither exists in a plain QEMU guest. kbridge
boots Debian's own Xen hypervisor with the target's Debian kernel as dom0
(``-kernel xen -initrd 'vmlinuz ARGS,initramfs'``: QEMU's multiboot loader)
and attaches a PV disk and a vif *to dom0 itself*: xen-blkback and
xen-netback (the guest kernel's own modules) serve them, and the front-end
under test -- never the kernel's own, which the initramfs does not even
carry unless a stage asks for it -- connects to them as in any domU.

Everything comes from Debian packages of the Xen version's suite
(:data:`VERSIONS`: 4.14 is bullseye's, 4.17 bookworm's, 4.20 trixie's), fetched through
kbridge's private apt state of that suite (:mod:`kbridge.actions.guest.debarchive`,
the host's apt configuration untouched) and unpacked with ``dpkg-deb -x``
(nothing is installed on the host) into
``<cache>/guest/xen/<version>/``: ``xen`` (the hypervisor, gunzipped: a
multiboot ELF), ``root/`` (xen-utils, xenstore-utils, the libxen* libraries)
and ``xen.json``. dom0's kernel is the bzImage, or its uncompressed ELF for a
Xen that cannot unpack a zstd payload (4.14 with 6.12 and 7.x). The dom0 initramfs is busybox plus xenstored, xen-init-dom0,
xl, xenstore-*, the hotplug scripts, bash and flock (the scripts' shell and
lock) and every shared library they load (host ``ldd`` over the unpacked
tree: the libxen* libraries from the Xen's suite, the others -- glibc, zlib --
from the host, whose newer glibc runs an older suite's tools; a Xen whose
tools need a newer glibc than the host's, 4.20 on a Debian 12 host, brings
its suite's libc6 and is resolved with that suite's ``ld.so --list``), the
back-end modules with their modules.dep closure, and an /init that
runs *stages*: each loads its front-ends, attaches the devices, dumps what
xenstore shows of the negotiation, runs the test script, detaches and
unloads -- so a native and a bridged front-end are compared on the same dom0.

Console protocol: the markers of :mod:`kbridge.actions.guest.initramfs`
(insmod, test, dmesg), plus ``xen-stage NAME begin|end``, ``xen-attach
NAME KIND RC``, ``xen-rmmod NAME RC`` and the sections ``xenstore-begin
NAME``/``xenstore-end`` and ``xl-dmesg-begin``/``xl-dmesg-end`` (Xen's own
log, judged like dom0's).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kbridge.actions.guest import debarchive
from kbridge.actions.guest.image import GuestImage, _deb_version, ensure_image, file_lock, guest_root
from kbridge.actions.guest.initramfs import KMSG_MARK, MARK, ModuleIndex, add_payload, canonical, \
    closing_lines, dep_lines, host_tools, module_depends, module_name, new_tree, pack
from kbridge.actions.guest.qemu import QEMU
from kbridge.actions.guest.runner import ModuleLoad, parse_console, problem_lines
from kbridge.errors import KbridgeError
from kbridge.storage import atomic_directory, atomic_write

DEFAULT_VERSION = "4.17"        # bookworm's Xen


@dataclass(frozen=True)
class XenVersion:
    """What kbridge knows of one of Debian's Xen versions."""

    suite: str          # the suite whose packages carry it (hypervisor, tools, libxen*,
                        # hotplug scripts: all from that suite, kbridge's private apt state)
    zstd_dom0: bool     # its dom0 builder unpacks a zstd bzImage (6.12, 7.x); else dom0
                        # gets the kernel's uncompressed ELF (Xen 4.14: "not an ELF binary")
    own_libc: bool = False  # its tools need a newer glibc than the host's: dom0 gets the
                        # suite's libc6 (a newer glibc runs the host's bash and flock too)


VERSIONS = {
    "4.14": XenVersion("bullseye", zstd_dom0=False),
    "4.17": XenVersion("bookworm", zstd_dom0=True),
    "4.20": XenVersion("trixie", zstd_dom0=True, own_libc=True),
}
DEFAULT_TIMEOUT = 600.0         # Xen + dom0 under TCG on a shared 2-core host
MEMORY = "1024M"                # dom0 gets DOM0_MEM, Xen and its heap the rest
DOM0_MEM = "512M"
# smap=0: under TCG's emulated SMAP (-cpu max) dom0 faults at once otherwise.
# bootscrub=0: Xen zeroes all free RAM at boot (so no guest sees another's old
# data); QEMU's RAM is fresh and zero already, and scrubbing it under TCG cost
# 19 s of a 41 s run and made QEMU touch every page (peak RSS 1045 -> 635 MB).
XEN_APPEND = f"console=com1 com1=115200 dom0_mem={DOM0_MEM} smap=0 bootscrub=0"
DOM0_APPEND = "console=hvc0 earlyprintk=xen panic=-1 quiet no_timer_check"

# dom0's back-ends and what the toolstack needs of the kernel, by module name
DOM0_MODULES = ("xen-evtchn", "xenfs", "xen-privcmd", "xen-gntdev", "xen-gntalloc",
                "xen-blkback", "xen-netback", "loop", "bridge")
# the front-end a device kind needs (the module that binds the xenbus device)
FRONTENDS = {"disk": "xen_blkfront", "vif": "xen_netfront"}
DISK_VDEV = "xvdb"
# the block queue limits blkfront derives from the negotiation (max-indirect-segments,
# feature-discard, feature-flush-cache/barrier...)
QUEUE_ATTRS = ("logical_block_size", "physical_block_size", "max_segments", "max_segment_size",
               "max_hw_sectors_kb", "max_sectors_kb", "nr_requests", "discard_granularity",
               "discard_max_hw_bytes", "write_cache", "fua", "rotational", "nr_zones")
DISK_MB = 64
BRIDGE = "xenbr0"
BRIDGE_IP = "10.199.0.1"
FRONT_IP = "10.199.0.2"
# Xen's own log fails a run on these (besides the kernel's patterns)
_XEN_PROBLEM = re.compile(r"(?:Assertion '|\bXen BUG\b|\bFATAL\b|Panic on CPU|\bBUG:|"
                          r"\bWARNING:|Xen WARN|\bpage fault\b.*\bdom0\b)")


# libxl's clocks are real time (libxl_internal.h: LIBXL_INIT_TIMEOUT 10 s for a back-end
# to reach InitWait, LIBXL_HOTPLUG_TIMEOUT 40 s for a hotplug script; compiled in, no
# xl.conf key or environment variable moves them, and xl.conf's run_hotplug_scripts is
# parsed into the create info but read nowhere in libxl 4.14-4.20 since udev hotplug
# was dropped). A TCG dom0 on a loaded host misses them while nothing is wrong. Every
# attach goes through this helper (/bin/kbridge-xl-attach KIND SPEC, KIND block or
# network): it runs `xl KIND-attach 0 SPEC` and tries again -- at most ATTACH_TRIES
# times in all -- only when libxl gave up on one of those two clocks AND the back-end
# was merely slow: after the InitWait time-out the back-end's state must reach InitWait
# (2) or beyond within ATTACH_SETTLE polls, after a hotplug time-out the back-end must
# be at InitWait or beyond (the script runs only then). A back-end that never gets
# there (a hung xenwatch, e.g. a front-end callback that never returns) is not retried;
# any other failure is xl's exit status as it was. Before a new try the failed
# attempt's device is detached (libxl leaves a failed add's nodes; a second add of the
# same device would be "device already exists"). Each try that timed out is one line in
# ATTACH_LOG, which /init prints at the end of its stage ("xen-retry" marks) and the
# judge reports: recorded, never silent. The scripts libxl runs stay Debian's own.
ATTACH_TRIES = 3
ATTACH_SETTLE = 120
ATTACH_LOG = "/run/kbridge-attach-retries"
ATTACH_HELPER = r"""#!/bin/busybox sh
kind=$1; spec=$2
tries=${KB_ATTACH_TRIES:-@TRIES@}; settle=${KB_ATTACH_SETTLE:-@SETTLE@}
log=${KB_ATTACH_LOG:-@LOG@}; out=/tmp/kbridge-xl-attach.$$
case "$kind" in block|network) ;; *) echo "usage: kbridge-xl-attach block|network SPEC" >&2; exit 2;; esac
ids() { xl $kind-list 0 2>/dev/null | awk 'NR>1{print $1}' | tr '\n' ' '; }
t=1
while :; do
  before=" $(ids)"
  xl $kind-attach 0 "$spec" > $out 2>&1; rc=$?
  cat $out
  [ "$rc" = 0 ] && { rm -f $out; exit 0; }
  be=$(sed -n 's/.*unable to add device with path \(\/local\/domain\/[^ ]*\).*/\1/p' $out | head -n 1)
  # the script's action is "add" for a disk, "online" for a vif (vif-bridge online)
  if grep -qE 'killing execution of .* (add|online) because of timeout' $out; then why=hotplug-script
  elif [ -n "$be" ]; then why=backend-initwait
  else rm -f $out; exit $rc; fi
  # the failed attempt's back-end (libxl names it only for the InitWait time-out)
  new=""; for d in $(ids); do case "$before " in *" $d "*) ;; *) new="$new $d";; esac; done
  [ -z "$new" ] && [ "$kind" = block ] && new=$(echo "$spec" | sed -n 's/.*vdev=\([^,]*\).*/\1/p')
  [ "$kind" = block ] && k=vbd || k=vif
  if [ -z "$be" ]; then d=${new##* }; [ -n "$d" ] && be=/local/domain/0/backend/$k/0/$d; fi
  w=0; state=""; [ -n "$be" ] && state=$(xenstore-read $be/state 2>/dev/null)
  while [ -n "$be" ] && [ "${state:-0}" -lt 2 ] 2>/dev/null && [ $w -lt $settle ]; do
    sleep 1; w=$((w+1)); state=$(xenstore-read $be/state 2>/dev/null)
  done
  slow=no; [ "${state:-0}" -ge 2 ] 2>/dev/null && slow=yes
  echo "$kind try=$t rc=$rc why=$why backend=$be state=${state:-none} after=${w}s slow=$slow" >> $log
  rm -f $out
  [ $slow = yes ] && [ $t -lt $tries ] || exit $rc
  # detached, and gone from dom0's xen bus (the front-end let go of it) before a new try
  for d in $new; do
    xl $kind-detach 0 $d > /dev/null 2>&1
    w=0; while [ -e /sys/bus/xen/devices/$k-$d ] && [ $w -lt $settle ]; do sleep 1; w=$((w+1)); done
  done
  t=$((t+1))
done
""".replace("@TRIES@", str(ATTACH_TRIES)).replace("@SETTLE@", str(ATTACH_SETTLE)) \
    .replace("@LOG@", ATTACH_LOG)


def _packages(version: str) -> list[str]:
    libc = ["libc6", "libgcc-s1"] if VERSIONS[version].own_libc else []
    return [f"xen-hypervisor-{version}-amd64", f"xen-utils-{version}", "xen-utils-common",
            "xenstore-utils", *libc]


@dataclass(frozen=True)
class XenDist:
    """Debian's Xen hypervisor and dom0 tool stack, unpacked."""

    version: str
    hypervisor: Path       # multiboot ELF
    root: Path             # dpkg-deb -x of every package
    packages: dict[str, str]

    @property
    def bin_dir(self) -> Path:
        return self.root / "usr" / "lib" / f"xen-{self.version}" / "bin"

    @property
    def lib_dir(self) -> Path:
        return self.root / "usr" / "lib" / "x86_64-linux-gnu"

    @property
    def loader(self) -> Path | None:
        """The suite's own dynamic loader, when this Xen brings its libc (own_libc)."""
        ld = self.lib_dir / "ld-linux-x86-64.so.2"
        return ld if ld.is_file() else None

    def to_json(self) -> dict[str, object]:
        return {"version": self.version, "hypervisor": str(self.hypervisor),
                "packages": self.packages}


def _check_version(version: str) -> None:
    if not re.fullmatch(r"\d+\.\d+", version):
        raise KbridgeError(f"Xen version {version!r}: give MAJOR.MINOR as Debian names it "
                           f"(e.g. {DEFAULT_VERSION})")
    if version not in VERSIONS:
        known = ", ".join(f"{v} ({x.suite})" for v, x in VERSIONS.items())
        raise KbridgeError(f"Xen {version}: kbridge runs Debian's Xen {known}")


def suite_of(version: str) -> str:
    """The Debian suite that ships Xen *version* (:data:`VERSIONS`)."""
    _check_version(version)
    return VERSIONS[version].suite


def _closure(version: str, cache: Path | None = None) -> list[str]:
    """The named packages and their libxen*/libyajl dependencies, in Xen's suite.

    Other libraries (libc, zlib, ncurses...) are taken from the host like the
    tools disk does: user space does not depend on the hypervisor, and the host's
    glibc runs an older suite's binaries (not a newer one's)."""
    suite = suite_of(version)
    seen: list[str] = []
    todo = _packages(version)
    while todo:
        pkg = todo.pop(0)
        if pkg in seen:
            continue
        seen.append(pkg)
        todo += [d for d in debarchive.depends(pkg, suite, cache)
                 if re.match(r"(libxen|libyajl|xenstore-)", d)]
    return seen


def ensure_xen(version: str = DEFAULT_VERSION, *, cache: Path | None = None) -> XenDist:
    """The cached Xen *version* (hypervisor + dom0 user space), fetched the first time."""
    _check_version(version)
    base = guest_root(cache) / "xen"
    base.mkdir(exist_ok=True)
    final = base / version

    def cached() -> XenDist | None:
        try:
            meta = json.loads((final / "xen.json").read_text())
        except (OSError, ValueError):
            return None
        if not (final / "xen").is_file():
            return None
        return XenDist(version, final / "xen", final / "root", meta["packages"])

    hit = cached()
    if hit:
        return hit
    with file_lock(base / f".{version}.lock"):
        hit = cached()
        if hit:
            return hit
        packages: dict[str, str] = {}
        with tempfile.TemporaryDirectory(prefix="kbridge-apt-", dir=base) as tmp, \
                atomic_directory(final) as out:
            pkgs = _closure(version, cache)
            for deb in debarchive.download(pkgs, suite_of(version), Path(tmp), cache):
                name = subprocess.run(["dpkg-deb", "-f", str(deb), "Package"], capture_output=True,
                                      text=True, check=True).stdout.strip()
                packages[name] = _deb_version(deb)
                subprocess.run(["dpkg-deb", "-x", str(deb), str(out / "root")], check=True,
                               capture_output=True)
            gz = out / "root" / "boot" / f"xen-{version}-amd64.gz"
            if not gz.is_file():
                raise KbridgeError(f"xen-hypervisor-{version}-amd64 has no boot/{gz.name}")
            (out / "xen").write_bytes(gzip.decompress(gz.read_bytes()))
            for sub in ("usr/share/doc", "usr/share/man", "boot"):
                shutil.rmtree(out / "root" / sub, ignore_errors=True)
            atomic_write(out / "xen.json", json.dumps({"packages": packages,
                                                       "suite": suite_of(version)}, indent=1) + "\n")
    hit = cached()
    assert hit is not None
    return hit


# ---------------------------------------------------------------- initramfs

@dataclass(frozen=True)
class XenStage:
    """One round on the same dom0: load *kos*, attach *devices*, dump, test, detach, unload."""

    name: str
    kos: tuple[Path, ...]
    devices: tuple[str, ...] = ()     # "disk", "vif"; empty: what the front-ends bind
    params: tuple[tuple[str, str], ...] = ()   # (module name, NAME=VALUE) for insmod

    def kinds(self, names: list[str]) -> tuple[str, ...]:
        if self.devices:
            return self.devices
        got = tuple(k for k, front in FRONTENDS.items() if front in names)
        return got or tuple(FRONTENDS)


def native_frontend(image: GuestImage, name: str, *, index: ModuleIndex | None = None) -> Path:
    """The guest kernel's own module *name* (e.g. xen-blkfront), for a native stage."""
    index = index or ModuleIndex.load(image)
    rel = index.paths.get(canonical(name))
    if rel is None:
        raise KbridgeError(f"{image.release} ships no module {name}")
    return image.modules_dir / rel


def _ldd(binary: Path, libdir: Path, loader: Path | None = None) -> list[Path]:
    """What *binary* loads with *libdir* first; through *loader* (``ld.so --list``) when
    the libraries bring their own glibc, newer than the host's ldd can resolve."""
    env = dict(os.environ, LD_LIBRARY_PATH=str(libdir))
    cmd = [str(loader), "--list", str(binary)] if loader else ["ldd", str(binary)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise KbridgeError(f"ldd {binary.name} failed: {proc.stderr.strip()[:200]}")
    libs: list[Path] = []
    for line in proc.stdout.splitlines():
        if "not found" in line:
            raise KbridgeError(f"{binary.name} needs {line.split()[0]}, which neither the Xen "
                               "packages nor the host provide")
        m = re.search(r"(/\S+)\s+\(0x", line)
        if m:
            libs.append(Path(m.group(1)))
    return libs


def _host(tool: str) -> Path:
    found = shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if found is None:
        raise KbridgeError(f"{tool} not found on the host: Xen's hotplug scripts need it in dom0")
    return Path(found).resolve()


def stage_script(stage: str, names: list[str], first: int, kinds: tuple[str, ...], *,
                 has_test: bool, test_timeout: int, tools: bool = False,
                 params: tuple[tuple[str, str], ...] = (), own_loader: bool = False) -> list[str]:
    q = shlex.quote
    test_cmd = "sh /kbridge/test.sh"
    if tools:
        from kbridge.actions.guest.tools import LIBDIR, MOUNT, PRELUDE
        # the tools' libraries only for the test: xl and xenstored keep dom0's own. With
        # dom0's own (newer) glibc (*own_loader*) not even for the test, which may call
        # xl (a re-attach) and would get the disk's older libc: the prelude's tools find
        # their libraries through their loader's --library-path
        lib = "" if own_loader else f"LD_LIBRARY_PATH={MOUNT}/{LIBDIR} "
        test_cmd = (f"env {lib}PATH={MOUNT}/bin:$PATH "
                    f"sh -c '. {PRELUDE} && . /kbridge/test.sh'")
    lines = [f'echo "{MARK} xen-stage {stage} begin"']
    for i, m in enumerate(names):
        f = f"/kbridge/mod/{first + i:02d}-{m}.ko"
        args = "".join(f" {q(p)}" for mod, p in params if canonical(mod) == m)
        lines += [
            f"echo '{KMSG_MARK} insmod {m}' > /dev/kmsg",
            f"kbridge-insmod {f}{args} > /tmp/insmod.out 2>&1; rc=$?",
            f'echo "{MARK} insmod $rc {m} $(oneline /tmp/insmod.out)"',
            '[ "$rc" = 0 ] || sok=0',
        ]
    lines += ['disk=""; netif=""', 'if [ "$sok" = 1 ]; then']
    if "disk" in kinds:
        spec = f"format=raw,vdev={DISK_VDEV},access=rw,target=/dev/loop0"
        lines += [
            f"  echo '{KMSG_MARK} xen-attach {stage} disk' > /dev/kmsg",
            f"  kbridge-xl-attach block {q(spec)} > /tmp/xl.out 2>&1; rc=$?",
            f"  w=0; while [ $w -lt 60 ] && [ ! -e /sys/block/{DISK_VDEV} ]; do sleep 1; w=$((w+1)); done",
            f"  [ -e /sys/block/{DISK_VDEV} ] && disk=/dev/{DISK_VDEV} || rc=${{rc#0}}99",
            f'  echo "{MARK} xen-attach {stage} disk $rc $(oneline /tmp/xl.out)"',
            '  [ "$rc" = 0 ] || sok=0',
        ]
    if "vif" in kinds:
        lines += [
            f"  echo '{KMSG_MARK} xen-attach {stage} vif' > /dev/kmsg",
            f"  kbridge-xl-attach network bridge={BRIDGE} > /tmp/xl.out 2>&1; rc=$?",
            "  w=0; while [ $w -lt 60 ] && [ -z \"$netif\" ]; do",
            "    for n in /sys/class/net/*; do",
            # the front-end's device sits on the xen bus; vifD.N (netback) on xen-backend
            "      case \"$(readlink -f $n/device/driver 2>/dev/null)\" in "
            "*/bus/xen/drivers/vif) netif=${n##*/};; esac",
            "    done; [ -n \"$netif\" ] || { sleep 1; w=$((w+1)); }",
            "  done",
            "  [ -n \"$netif\" ] || rc=${rc#0}99",
            f'  echo "{MARK} xen-attach {stage} vif $rc $netif $(oneline /tmp/xl.out)"',
            '  [ "$rc" = 0 ] || sok=0',
        ]
    lines += [
        # let both ends settle in Connected before reading the negotiation
        "  sleep 2",
        f'  echo "{MARK} xenstore-begin {stage}"',
        "  xenstore-ls -f /local/domain/0/device 2>&1; xenstore-ls -f /local/domain/0/backend 2>&1",
        # what the kernel made of the negotiation, as the same "path = value" lines
        f"  for a in {' '.join(QUEUE_ATTRS)}; do",
        "    f=/sys/block/" + DISK_VDEV + "/queue/$a; [ -n \"$disk\" ] && [ -r $f ] && "
        "echo \"$f = \\\"$(cat $f)\\\"\"",
        "  done",
        "  if [ -n \"$netif\" ]; then",
        "    echo \"/sys/class/net/netif/mtu = \\\"$(cat /sys/class/net/$netif/mtu)\\\"\"",
        "    echo \"/sys/class/net/netif/queues = \\\"$(ls /sys/class/net/$netif/queues | tr '\\n' ' ')\\\"\"",
        "    kbridge-netfeatures $netif | while read l; do "
        "echo \"/sys/class/net/netif/features/${l%%=*} = \\\"${l#*=}\\\"\"; done",
        "  fi",
        f'  echo "{MARK} xenstore-end"',
    ]
    if has_test:
        lines += [
            f"  echo '{KMSG_MARK} test {stage}' > /dev/kmsg",
            f"  cd /tmp && XEN_STAGE={q(stage)} XEN_DISK=$disk XEN_NETIF=$netif "
            f"XEN_BRIDGE_IP={BRIDGE_IP} XEN_FRONT_IP={FRONT_IP} "
            f"timeout {int(test_timeout)} {test_cmd} > /tmp/test.out 2>&1; trc=$?",
            "  cd /",
            f'  echo "{MARK} test $trc"',
            f'  echo "{MARK} test-output-begin"; cat /tmp/test.out; echo "{MARK} test-output-end"',
        ]
    lines += ["fi"]
    # detach whatever got attached, then unload: the next stage starts clean
    if "disk" in kinds:
        lines += [f"xl block-detach 0 {DISK_VDEV} > /tmp/xl.out 2>&1; "
                  f'echo "{MARK} xen-detach {stage} disk $? $(oneline /tmp/xl.out)"']
    if "vif" in kinds:
        lines += ["for d in $(xl network-list 0 2>/dev/null | awk 'NR>1{print $1}'); do",
                  f"  xl network-detach 0 $d > /tmp/xl.out 2>&1; "
                  f'echo "{MARK} xen-detach {stage} vif $? $(oneline /tmp/xl.out)"',
                  "done"]
    # xl returns once the back-end closed; the front-end's device goes away in
    # dom0's xenwatch thread after that, so an early rmmod can find it busy:
    # retried for up to 10 s (the tries are reported)
    for m in reversed(names):
        lines += [f"echo '{KMSG_MARK} rmmod {m}' > /dev/kmsg",
                  f"t=1; until rmmod {m} > /tmp/rmmod.out 2>&1; do "
                  "[ $t -ge 10 ] && break; t=$((t+1)); sleep 1; done; rc=0; "
                  f"lsmod | grep -q '^{m} ' && rc=1; "
                  f'echo "{MARK} xen-rmmod {stage} $rc {m} tries=$t $(oneline /tmp/rmmod.out)"']
    # the attaches (the stage's and the test's) that libxl's clock cut short, retried
    lines += [f"[ -s {ATTACH_LOG} ] && while read l; do echo \"{MARK} xen-retry {stage} $l\"; "
              f"done < {ATTACH_LOG}; rm -f {ATTACH_LOG}"]
    lines += [f'echo "{MARK} xen-stage {stage} end"', "sok=1"]
    return lines


def init_script(*, deps: list[str], stages: list[tuple[str, list[str], tuple[str, ...]]],
                version: str, has_test: bool, test_timeout: int, tools: bool = False,
                params: dict[str, tuple[tuple[str, str], ...]] | None = None,
                own_loader: bool = False) -> str:
    """dom0's /init: back-ends, xenstored, xen-init-dom0, a bridge and a loop disk, the stages."""
    libexec = f"/usr/lib/xen-{version}/bin"
    lines = [
        "#!/bin/busybox sh",
        "/bin/busybox mkdir -p /proc /sys /dev /tmp /run",
        "/bin/busybox --install -s /bin",
        f"export PATH=/bin:/usr/bin:/usr/sbin:{libexec}",
        "mount -t proc proc /proc",
        "mount -t sysfs sysfs /sys",
        "mount -t devtmpfs devtmpfs /dev",
        "mount -t tmpfs tmpfs /tmp",
        "mount -t tmpfs tmpfs /run",
        "mkdir -p /var /proc/xen /run/xen /run/xenstored /run/lock /var/lib/xen /var/log/xen",
        "ln -s /run /var/run; ln -s /run/lock /var/lock",
        # the hotplug scripts' lock compares /dev/stdin's inode with the lock file's
        "ln -s /proc/self/fd /dev/fd; ln -s /proc/self/fd/0 /dev/stdin",
        "ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr",
        f'echo "{MARK} begin $(uname -r)"',
        "ok=1; sok=1",
        "oneline() { tr '\\n' ' ' < \"$1\"; }",
    ]
    lines += dep_lines(deps)
    if tools:
        from kbridge.actions.guest.tools import MOUNT
        lines += [
            "n=0; while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done",
            f"mkdir -p {MOUNT}; mount -t ext4 -o ro /dev/vda {MOUNT} > /tmp/x.out 2>&1; rc=$?",
            f'echo "{MARK} xen-setup tools-disk $rc $(oneline /tmp/x.out)"',
        ]
    lines += [
        "mount -t xenfs xenfs /proc/xen > /tmp/x.out 2>&1; rc=$?",
        f'echo "{MARK} xen-setup xenfs $rc $(oneline /tmp/x.out)"',
        "xenstored --pid-file=/run/xenstored.pid > /tmp/x.out 2>&1; rc=$?",
        f'echo "{MARK} xen-setup xenstored $rc $(oneline /tmp/x.out)"',
        "xen-init-dom0 > /tmp/x.out 2>&1; rc=$?",
        f'echo "{MARK} xen-setup xen-init-dom0 $rc $(oneline /tmp/x.out)"',
        f"{{ brctl addbr {BRIDGE} && ip addr add {BRIDGE_IP}/24 dev {BRIDGE} && "
        f"ip link set {BRIDGE} up; }} > /tmp/x.out 2>&1; rc=$?",
        f'echo "{MARK} xen-setup bridge $rc $(oneline /tmp/x.out)"',
        f"{{ dd if=/dev/zero of=/tmp/xen-disk.img bs=1M count={DISK_MB} && "
        "losetup /dev/loop0 /tmp/xen-disk.img; } > /tmp/x.out 2>&1; rc=$?",
        f'echo "{MARK} xen-setup loop $rc $(oneline /tmp/x.out)"',
    ]
    lines = [ln + '; [ "$rc" = 0 ] || ok=0' if "xen-setup" in ln and ln.startswith("echo") else ln
             for ln in lines]
    lines += ["[ \"$ok\" = 1 ] || sok=0"]
    first = 0
    for name, names, kinds in stages:
        lines += stage_script(name, names, first, kinds, has_test=has_test,
                              test_timeout=test_timeout, tools=tools,
                              params=(params or {}).get(name, ()), own_loader=own_loader)
        lines += ["[ \"$ok\" = 1 ] || sok=0"]
        first += len(names)
    lines += closing_lines(f'echo "{MARK} xl-dmesg-begin"; xl dmesg 2>&1; echo "{MARK} xl-dmesg-end"')
    return "\n".join(lines)


@dataclass(frozen=True)
class XenInitramfs:
    path: Path
    deps: list[str]
    stages: list[tuple[str, list[str], tuple[str, ...]]]


def build_initramfs(dest: Path, image: GuestImage, dist: XenDist, stages: list[XenStage], *,
                    test_script: Path | None = None, test_timeout: int = 120,
                    cache: Path | None = None, tools: bool = False) -> XenInitramfs:
    busybox = host_tools()
    index = ModuleIndex.load(image)
    staged: list[tuple[str, list[str], tuple[str, ...]]] = []
    wanted = list(DOM0_MODULES)
    if tools:
        from kbridge.actions.guest.tools import MODULES
        wanted += list(MODULES)
    all_kos: list[tuple[Path, str]] = []
    for st in stages:
        names = [module_name(k) for k in st.kos]
        for k in st.kos:
            wanted += [d for d in module_depends(k) if d not in names]
        staged.append((st.name, names, st.kinds(names)))
        all_kos += list(zip(st.kos, names))
    deps = index.closure(wanted)
    fronts = set(FRONTENDS.values())
    if fronts & set(deps):
        raise KbridgeError(f"a dependency pulls in the kernel's own front-end "
                           f"({', '.join(sorted(fronts & set(deps)))}); it would bind the devices")
    tree = new_tree(dest, busybox, ("usr/bin", "usr/sbin", "lib/x86_64-linux-gnu", "lib64", "etc"), cache)
    # the tool stack, at the paths its scripts and libxl expect
    libexec = Path("usr") / "lib" / f"xen-{dist.version}" / "bin"
    (tree / libexec).mkdir(parents=True)
    binaries: list[Path] = []
    for exe in ("xl", "xenstored", "xen-init-dom0"):
        src = dist.bin_dir / exe
        if not src.is_file():
            raise KbridgeError(f"Xen {dist.version}: {src} missing from the unpacked packages")
        shutil.copyfile(src, tree / libexec / exe)
        os.chmod(tree / libexec / exe, 0o755)
        binaries.append(src)
    xs = dist.root / "usr" / "bin" / "xenstore"
    shutil.copyfile(xs, tree / "usr/bin/xenstore")
    os.chmod(tree / "usr/bin/xenstore", 0o755)
    binaries.append(xs)
    (tree / "bin" / "kbridge-xl-attach").write_text(ATTACH_HELPER)
    os.chmod(tree / "bin" / "kbridge-xl-attach", 0o755)
    for alias in ("read", "write", "rm", "ls", "list", "exists", "chmod", "watch"):
        os.symlink("xenstore", tree / "usr/bin" / f"xenstore-{alias}")
    for tool in ("bash", "flock"):
        src = _host(tool)
        shutil.copyfile(src, tree / "bin" / tool)
        os.chmod(tree / "bin" / tool, 0o755)
        binaries.append(src)
    libs: dict[str, Path] = {}
    for b in binaries:
        for lib in _ldd(b, dist.lib_dir, dist.loader):
            libs.setdefault(lib.name, lib)
    # pthread_cancel/exit dlopen libgcc_s (no ldd line names it)
    gcc_s = dist.lib_dir / "libgcc_s.so.1"
    if not gcc_s.is_file():
        gcc_s = Path("/lib/x86_64-linux-gnu/libgcc_s.so.1")
    if gcc_s.is_file():
        libs.setdefault(gcc_s.name, gcc_s)
    for name, lib in sorted(libs.items()):
        where = tree / ("lib64" if name.startswith("ld-linux") else "lib/x86_64-linux-gnu") / name
        shutil.copyfile(lib.resolve(), where)
        os.chmod(where, 0o755)
    shutil.copytree(dist.root / "etc" / "xen", tree / "etc" / "xen", symlinks=True)
    # with dom0's own (newer) glibc, the tools run through the tools disk's loader:
    # /lib64's would pair itself with the disk's older libc
    add_payload(tree, image, index, deps, all_kos, test_script, tools,
                own_loader=dist.loader is not None)
    pack(tree, init_script(deps=deps, stages=staged, version=dist.version,
                           has_test=test_script is not None, test_timeout=test_timeout, tools=tools,
                           params={st.name: st.params for st in stages},
                           own_loader=dist.loader is not None),
         dest)
    return XenInitramfs(dest, deps, staged)


# ---------------------------------------------------------------- boot and judge

def dom0_kernel(dist: XenDist, image: GuestImage) -> Path:
    """What Xen gets as dom0's kernel: the bzImage, or its uncompressed ELF when this
    Xen cannot unpack the bzImage's payload (zstd before Xen 4.16)."""
    try:
        zstd = "\nCONFIG_KERNEL_ZSTD=y\n" in "\n" + (image.vmlinuz.parent / "config").read_text()
    except OSError:
        zstd = False
    if not zstd or VERSIONS[dist.version].zstd_dom0:
        return image.vmlinuz
    elf = image.vmlinuz.parent / "vmlinux"
    if not elf.is_file():
        raise KbridgeError(f"Xen {dist.version} cannot unpack {image.release}'s zstd kernel and "
                           "kbridge has no uncompressed vmlinux of it")
    return elf


def qemu_command(dist: XenDist, image: GuestImage, initrd: Path, *, memory: str = MEMORY,
                 smp: int = 1, extra: list[str] = ()) -> list[str]:
    kernel = dom0_kernel(dist, image)
    for p in (dist.hypervisor, kernel, initrd):
        if "," in str(p):
            raise KbridgeError(f"{p}: QEMU's multiboot -initrd list cannot hold a path with a comma")
    modules = f"{kernel} {DOM0_APPEND},{initrd}"
    return [QEMU, "-accel", "tcg", "-cpu", "max", "-m", memory, "-smp", str(smp), "-nodefaults",
            "-display", "none", "-serial", "stdio", "-no-reboot", "-kernel", str(dist.hypervisor),
            "-append", XEN_APPEND, "-initrd", modules, *extra]


@dataclass
class XenBoot:
    console: str
    seconds: float
    timed_out: bool
    returncode: int | None
    command: list[str]
    peak_rss_kb: int | None          # QEMU's peak resident memory (getrusage of the child)
    init_seconds: float | None = None   # when dom0's /init first spoke


def boot(cmd: list[str], *, timeout: float | Callable[[], float]) -> XenBoot:
    """Run QEMU until it exits or *timeout* passes; also when dom0's /init first spoke.

    *timeout* may be a callable, asked every poll: the budget is then the largest it
    has answered so far (e.g. one that grows with the host's load while the boot runs;
    it never shrinks, so a boot slowed down earlier keeps the time it was given)."""
    if shutil.which(QEMU) is None:
        raise KbridgeError(f"{QEMU} not found: install qemu-system-x86 (scripts/setup.sh does)")
    start = time.monotonic()
    begin = f"{MARK} begin".encode()
    init_at: float | None = None
    budget = 0.0
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if init_at is None and begin in os.pread(out.fileno(), 1 << 22, 0):
                init_at = time.monotonic() - start
            budget = max(budget, timeout()) if callable(timeout) else timeout
            if time.monotonic() - start > budget:
                timed_out = True
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.25)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "")
    return XenBoot(text, time.monotonic() - start, timed_out,
                   None if timed_out else proc.returncode, cmd, usage.ru_maxrss, init_at)


@dataclass
class StageResult:
    name: str
    ok: bool
    reasons: list[str]
    loads: list[ModuleLoad]
    attach: dict[str, int]                 # kind -> status (0: attached and bound)
    netif: str | None
    xenstore: dict[str, str]               # path -> value
    test_returncode: int | None
    test_output: str
    rmmod: dict[str, int]
    # attaches libxl's real-time clock cut short and kbridge-xl-attach tried again
    # (one line per timed-out try: "KIND try=N rc=R why=W backend=P state=S after=Ts slow=yes|no")
    retries: list[str] = field(default_factory=list)

    def frontend(self, kind: str) -> dict[str, str]:
        """The front-end's own keys of the first *kind* device ("vbd"/"vif"), by key name."""
        return _node(self.xenstore, f"/local/domain/0/device/{kind}/")

    def backend(self, kind: str) -> dict[str, str]:
        """The back-end's keys of the first *kind* device, by key name."""
        return _node(self.xenstore, f"/local/domain/0/backend/{kind}/0/")

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "reasons": self.reasons,
                "loads": [m.to_json() for m in self.loads], "attach": self.attach,
                "netif": self.netif, "test_returncode": self.test_returncode,
                "test_output": self.test_output, "rmmod": self.rmmod, "retries": self.retries,
                "frontend": {"vbd": self.frontend("vbd"), "vif": self.frontend("vif")},
                "backend": {"vbd": self.backend("vbd"), "vif": self.backend("vif")}}


# keys that name grants, event channels or random identity: different on every connect
_VOLATILE = re.compile(r"(?:ring-ref|event-channel|^mac$|^backend$|^frontend$|^handle$)")


def negotiation(stage: StageResult) -> dict[str, str]:
    """What a stage's front-end negotiated, comparable across stages: xenstore keys of
    both ends of vbd and vif (without grant refs, event channels, MAC) and the
    kernel's view (/sys queue limits, netdev MTU, queues, features)."""
    out: dict[str, str] = {}
    for kind in ("vbd", "vif"):
        for end, node in (("front", stage.frontend(kind)), ("back", stage.backend(kind))):
            for key, value in node.items():
                if not _VOLATILE.search(key.rsplit("/", 1)[-1]):
                    out[f"{kind}.{end}.{key}"] = value
    for path, value in stage.xenstore.items():
        if path.startswith("/sys/"):
            out[path] = value
    return out


@dataclass
class Comparison:
    equal: bool
    differences: dict[str, tuple[str | None, str | None]]   # key -> (reference, candidate)
    compared: int

    def to_json(self) -> dict[str, object]:
        return {"equal": self.equal, "compared": self.compared,
                "differences": {k: {"reference": a, "candidate": b}
                                for k, (a, b) in self.differences.items()}}


def compare(reference: StageResult, candidate: StageResult, *,
            ignore: tuple[str, ...] = ()) -> Comparison:
    """The negotiation of *candidate* against *reference* (e.g. native vs bridged)."""
    a, b = negotiation(reference), negotiation(candidate)
    diffs = {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b))
             if a.get(k) != b.get(k) and k not in ignore}
    return Comparison(not diffs, diffs, len(set(a) | set(b)))


def _node(store: dict[str, str], prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    devid = None
    for path, value in store.items():
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix):].split("/", 1)
        if len(rest) < 2:
            continue
        devid = devid or rest[0]
        if rest[0] == devid:
            out[rest[1]] = value
    return out


@dataclass
class XenResult:
    release: str
    version: str
    ok: bool
    reasons: list[str]
    setup: dict[str, int]
    deps: list[ModuleLoad]
    stages: list[StageResult]
    dmesg: list[str]
    xen_log: list[str]
    problems: list[str]
    console: str
    seconds: float
    timed_out: bool
    peak_rss_kb: int | None
    init_seconds: float | None = None      # when dom0's /init first spoke (console order)
    command: list[str] = field(default_factory=list)

    def stage(self, name: str) -> StageResult:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_json(self, *, with_log: bool = False) -> dict[str, object]:
        out: dict[str, object] = {
            "release": self.release, "xen": self.version, "ok": self.ok, "reasons": self.reasons,
            "setup": self.setup, "deps": [m.to_json() for m in self.deps if not m.loaded],
            "stages": [s.to_json() for s in self.stages], "problems": self.problems,
            "timed_out": self.timed_out, "seconds": round(self.seconds, 1),
            "init_seconds": round(self.init_seconds, 1) if self.init_seconds else None,
            "peak_rss_mb": round(self.peak_rss_kb / 1024) if self.peak_rss_kb else None}
        if with_log:
            out["dmesg"] = self.dmesg
            out["xen_log"] = self.xen_log
            out["console"] = self.console
        return out


_XS_LINE = re.compile(r'^(/\S*) = "(.*)"')


def parse_stage(name: str, chunk: str) -> StageResult:
    loads, test_rc, test_out, _, _ = parse_console(chunk)
    attach: dict[str, int] = {}
    rmmod: dict[str, int] = {}
    detach: dict[str, int] = {}
    netif = None
    store: dict[str, str] = {}
    retries: list[str] = []
    in_xs = False
    for line in chunk.split("\n"):
        if in_xs:
            if line == f"{MARK} xenstore-end":
                in_xs = False
                continue
            m = _XS_LINE.match(line)
            if m:
                store[m.group(1)] = m.group(2)
            continue
        if not line.startswith(MARK + " "):
            continue
        words = line[len(MARK) + 1:].split()
        if words[:1] == ["xenstore-begin"]:
            in_xs = True
        elif words[:1] == ["xen-attach"] and len(words) >= 4:
            attach[words[2]] = int(words[3]) if words[3].lstrip("-").isdigit() else -1
            if words[2] == "vif" and len(words) >= 5 and not words[4].startswith("libxl"):
                netif = words[4] or None
        elif words[:1] == ["xen-retry"] and len(words) >= 3:
            retries.append(" ".join(words[2:]))
        elif words[:1] == ["xen-detach"] and len(words) >= 4:
            detach[words[2]] = int(words[3]) if words[3].lstrip("-").isdigit() else -1
        elif words[:1] == ["xen-rmmod"] and len(words) >= 4:
            rmmod[words[3]] = int(words[2]) if words[2].lstrip("-").isdigit() else -1
    reasons: list[str] = []
    for m in loads:
        if not m.loaded:
            reasons.append(f"{m.name} did not load: {m.errno or m.message or m.returncode}")
    for kind, rc in attach.items():
        if rc != 0:
            xl_kind = {"disk": "block", "vif": "network"}.get(kind, kind)
            timed = [r for r in retries if r.split()[0] == xl_kind]
            if timed:
                # every try ran into libxl's clock: the load's doing or a stuck back-end
                # (slow=no), not evidence about the front-end either way -- still a failure
                reasons.append(f"{kind} attach failed (status {rc}) after {len(timed)} libxl "
                               f"time-out(s): {timed[-1]}")
            else:
                reasons.append(f"{kind} attach failed (status {rc}): the front-end did not connect")
    for kind, rc in detach.items():
        if rc != 0:
            reasons.append(f"{kind} detach failed (status {rc})")
    for mod, rc in rmmod.items():
        if rc != 0:
            reasons.append(f"rmmod {mod} failed (status {rc})")
    if test_rc not in (None, 0):
        reasons.append(f"test exited {test_rc}")
    return StageResult(name, not reasons, reasons, loads, attach, netif, store, test_rc, test_out,
                       rmmod, retries)


def judge(release: str, version: str, b: XenBoot, stage_names: list[str]) -> XenResult:
    console = b.console
    loads, _, _, dmesg, ended = parse_console(console)
    deps = [m for m in loads if m.kind == "dep"]
    reasons: list[str] = []
    setup: dict[str, int] = {}
    xen_log: list[str] = []
    section = False
    chunks: dict[str, list[str]] = {}
    current: str | None = None
    for line in console.split("\n"):
        if section:
            if line == f"{MARK} xl-dmesg-end":
                section = False
            else:
                xen_log.append(line)
            continue
        if line == f"{MARK} xl-dmesg-begin":
            section = True
            continue
        if line.startswith(f"{MARK} xen-setup "):
            w = line.split()
            if len(w) >= 4:
                setup[w[2]] = int(w[3]) if w[3].lstrip("-").isdigit() else -1
        if line.startswith(f"{MARK} xen-stage "):
            w = line.split()
            if len(w) == 4 and w[3] == "begin":
                current = w[2]
                chunks[current] = []
                continue
            if len(w) == 4 and w[3] == "end":
                current = None
                continue
        if current is not None:
            chunks[current].append(line)
    stages = [parse_stage(n, "\n".join(chunks[n])) for n in stage_names if n in chunks]
    for m in deps:
        if not m.loaded:
            reasons.append(f"dom0 module {m.name} did not load: {m.errno or m.message}")
    for what, rc in setup.items():
        if rc != 0:
            reasons.append(f"dom0 set-up {what} failed (status {rc})")
    for s in stages:
        reasons += [f"{s.name}: {r}" for r in s.reasons]
    if ended:
        for n in stage_names:
            if n not in chunks:
                reasons.append(f"stage {n} never ran")
    first = next((i for i, line in enumerate(dmesg) if line.startswith(KMSG_MARK)), len(dmesg))
    # /init marks the log before it loads anything ("insmod dep ..." first); a log whose
    # first mark is a later one wrapped past them (a flood of reports): all of it came
    # after the modules loaded, so all of it is judged
    if first < len(dmesg) and not dmesg[first].startswith(f"{KMSG_MARK} insmod dep "):
        first = 0
    problems = problem_lines(dmesg[first:])
    # Xen's own log after dom0 took over ("Freed ... init memory"): a hypervisor
    # warning or assertion during the run fails it as a kernel one would
    start = next((i for i, line in enumerate(xen_log) if "init memory" in line), 0)
    problems += [line for line in xen_log[start:] if _XEN_PROBLEM.search(line)]
    if not ended:
        problems += [line for line in console.split("\n")
                     if (problem_lines([line]) or "Panic on CPU" in line) and line not in problems]
    if problems:
        reasons.append(f"log: {problems[0].strip()}")
    if b.timed_out:
        reasons.append(f"time-out after {b.seconds:.0f} s")
    elif not ended:
        reasons.append("dom0 stopped before reporting (panic, or Xen did not start dom0)")
    return XenResult(release, version, not reasons, reasons, setup, deps, stages, dmesg, xen_log,
                     problems, console, b.seconds, b.timed_out, b.peak_rss_kb,
                     init_seconds=b.init_seconds, command=b.command)


def run_xen(stages: list[XenStage], release: str, *, test_script: Path | None = None,
            version: str = DEFAULT_VERSION, timeout: float | Callable[[], float] = DEFAULT_TIMEOUT,
            test_timeout: int = 120, qemu_args: list[str] = (), cache: Path | None = None,
            image: GuestImage | None = None, tools: bool = False, smp: int = 1) -> XenResult:
    """Boot Xen with Debian's kernel *release* as dom0 and run *stages* on it, in order.

    *tools*: dom0 gets the tools disk (fio, ip, ethtool: :mod:`kbridge.actions.guest.tools`)
    at /tools, on the test script's PATH. *smp*: dom0's vCPUs (QEMU's -smp), which
    bound the queues blkback/netback offer (multi-queue-max-queues)."""
    if not stages:
        raise KbridgeError("nothing to run under Xen: give at least one front-end module")
    names = [s.name for s in stages]
    if len(set(names)) != len(names) or any(not re.fullmatch(r"[\w.@+-]+", n) for n in names):
        raise KbridgeError(f"Xen stage names must be unique words: {names}")
    if test_script is not None and not Path(test_script).is_file():
        raise KbridgeError(f"{test_script}: no such test script")
    for st in stages:
        for k in st.kos:
            if not Path(k).is_file():
                raise KbridgeError(f"{k}: no such module file")
        for mod, p in st.params:
            if "=" not in p or p.startswith("="):
                raise KbridgeError(f"stage {st.name}: parameter {p!r} of {mod}: write NAME=VALUE")
        for d in st.devices:
            if d not in FRONTENDS:
                raise KbridgeError(f"Xen device {d!r}: use {' or '.join(FRONTENDS)}")
    dist = ensure_xen(version, cache=cache)
    image = image or ensure_image(release, cache=cache)
    if tools:
        from kbridge.actions.guest.tools import ensure_tools
        qemu_args = [*ensure_tools(cache=cache).qemu_args(), *qemu_args]
    with tempfile.TemporaryDirectory(prefix="kbridge-xen-") as tmp:
        initrd = build_initramfs(Path(tmp) / "dom0.cpio", image, dist, stages,
                                 test_script=Path(test_script) if test_script else None,
                                 test_timeout=test_timeout, cache=cache, tools=tools)
        cmd = qemu_command(dist, image, initrd.path, smp=smp, extra=list(qemu_args))
        b = boot(cmd, timeout=timeout)
    return judge(release, version, b, names)


def run(target: str | Path, release: str, *, native: bool = False,
        version: str = DEFAULT_VERSION, test_script: Path | None = None, params: list[str] = (),
        timeout: float = DEFAULT_TIMEOUT, qemu_args: list[str] = (),
        cache: Path | None = None, tools: bool = False):  # type: ignore[no-untyped-def]
    """What `kbridge run --xen` does: build *target* if it is a driver, run it as stage
    "module" under Xen -- after a stage "native" with the guest kernel's own modules
    of the same names when *native* -- and compare the two.

    *params* (NAME=VALUE) go to the last module, in both stages.
    Returns (BuildResult or None, XenResult or None, Comparison or None)."""
    from kbridge.actions.guest.runner import build_for, check_inputs

    _check_version(version)
    check_inputs(list(params), test_script)
    if test_script is not None and not Path(test_script).is_file():
        raise KbridgeError(f"{test_script}: no such test script")
    path = Path(target)
    with tempfile.TemporaryDirectory(prefix="kbridge-xenrun-") as tmp:
        build = None
        if path.is_file():
            if path.suffix != ".ko":
                raise KbridgeError(f"{path}: not a .ko module; give a module file or a driver directory")
            kos = [path]
        else:
            build, kos = build_for(target, release, Path(tmp) / "build", cache=cache)
            if not kos:
                return build, None, None
        image = ensure_image(release, cache=cache)
        last = module_name(kos[-1])
        pairs = tuple((last, p) for p in params)
        stages = [XenStage("module", tuple(kos), params=pairs)]
        if native:
            index = ModuleIndex.load(image)
            own = tuple(native_frontend(image, module_name(k), index=index) for k in kos)
            stages.insert(0, XenStage("native", own, params=pairs))
        result = run_xen(stages, release, test_script=test_script, version=version,
                         timeout=timeout, test_timeout=max(30, int(timeout) // 4),
                         qemu_args=qemu_args, cache=cache, image=image, tools=tools)
    cmp = None
    if native and len(result.stages) == 2:
        cmp = compare(result.stage("native"), result.stage("module"))
    return build, result, cmp
