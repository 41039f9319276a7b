"""`kbridge run`: build (if needed), boot, load, test, and judge one guest run.

The verdict comes from what the guest reports on its serial console
(:mod:`kbridge.actions.guest.initramfs` writes the /init that prints it):

* every insmod's exit status and message, with the errno it stands for;
* the test script's exit status and output;
* the kernel log, split at the markers /init writes to /dev/kmsg before
  each insmod, so each module's own messages are known.

A run fails when a module does not load, when the kernel log after the first
insmod shows BUG, Oops, WARNING (or a panic, a GPF, a sanitizer report), when
the test exits non-zero, or when the guest does not power off in time.
"""

from __future__ import annotations

import errno
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kbridge.actions.guest.image import GuestImage, ensure_image
from kbridge.actions.guest.initramfs import KMSG_MARK, MARK, build_initramfs
from kbridge.actions.guest.qemu import boot
from kbridge.errors import KbridgeError

DEFAULT_TIMEOUT = 180.0   # seconds for the whole boot; TCG on a busy 2-core host

# Kernel-log lines that make a run fail whatever the exit statuses say.
# On a debug kernel (kbridge.actions.guest.debugkernel) the checkers report
# through the same words: DEBUG_ATOMIC_SLEEP "BUG: sleeping function called
# from invalid context" / "BUG: scheduling while atomic", lockdep "WARNING:
# possible circular locking dependency detected" (and its other WARNING:
# reports, "[ BUG: Invalid wait context ]"), KASAN "BUG: KASAN: ...". Lockdep
# reports two things without those words: a lock with a non-static key, and
# lockdep switching itself off (after which no lock problem shows).
_PROBLEM = re.compile(r"(?:\bBUG:|\bkernel BUG at\b|\bOops\b|\bWARNING:|\bgeneral protection fault\b|"
                      r"\bKernel panic\b|\bUnable to handle\b|\bUBSAN:|\bKASAN:|"
                      r"\bsoft lockup\b|\bblocked for more than\b|"
                      r"\bINFO: trying to register non-static key\b|"
                      r"\bturning off the locking correctness validator\b|"
                      r"\blist_(?:add|del) corruption\b)")
# Lockdep reports once, then turns itself off: a report during boot (before
# the first module) leaves the rest of the run blind to lock problems.
_LOCKDEP_OFF = re.compile(r"\bturning off the locking correctness validator\b|"
                          r"\bINFO: lockdep is turned off\b")
_UNKNOWN_SYMBOL = re.compile(r"Unknown symbol (\S+)")
_VERSION = re.compile(r"(disagrees about version of symbol \S+|version magic '[^']*' should be "
                      r"'[^']*'|no symbol version for \S+)")
_TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")

_ERRNO = re.compile(r"^errno (\d+)\b")


def own_kernel_line(name: str, lines: list[str]) -> str | None:
    """The kernel's line about why module *name* did not load, among *lines*.

    The lines between a module's insmod marker and the next marker are the
    module's own, but the kernel goes on logging meanwhile (a clocksource
    switch under TCG landed there in CI at 9459c4e): the loader's line names
    the module ("module x_y: ...", "x_y: Unknown symbol ..."), as the kernel
    knows it -- with '_' where the file name has '-'. Without such a line,
    the last one."""
    names = {name, name.replace("-", "_")}
    own = re.compile(r"(?:^|\s)(?:%s):" % "|".join(re.escape(n) for n in sorted(names)))
    mine = [line for line in lines if own.search(line)]
    return (mine or lines or [None])[-1]


def problem_lines(lines: list[str]) -> list[str]:
    """The kernel-log lines that fail a run: BUG, Oops, WARNING, panics, sanitizer reports."""
    return [line for line in lines if _PROBLEM.search(line)]


def insmod_errno(message: str) -> str | None:
    """kbridge-insmod's "errno 19 No such device" -> "ENODEV"."""
    m = _ERRNO.match(message.strip())
    return errno.errorcode.get(int(m.group(1)), f"E{m.group(1)}") if m else None


@dataclass
class ModuleLoad:
    name: str
    kind: str               # "dep" (in-kernel dependency) or "module" (under test)
    returncode: int
    message: str            # what insmod printed
    errno: str | None       # "ENODEV" ... when insmod failed
    dmesg: list[str] = field(default_factory=list)   # kernel messages during this insmod

    @property
    def loaded(self) -> bool:
        return self.returncode == 0

    @property
    def unknown_symbols(self) -> list[str]:
        return sorted({m.group(1) for line in self.dmesg for m in _UNKNOWN_SYMBOL.finditer(line)})

    @property
    def version_errors(self) -> list[str]:
        return [m.group(1) for line in self.dmesg for m in _VERSION.finditer(line)]

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "kind": self.kind, "returncode": self.returncode,
                "message": self.message, "errno": self.errno, "dmesg": self.dmesg,
                "unknown_symbols": self.unknown_symbols, "version_errors": self.version_errors}


@dataclass
class GuestResult:
    release: str
    ok: bool
    reasons: list[str]
    loads: list[ModuleLoad]
    test_returncode: int | None
    test_output: str
    dmesg: list[str]            # the whole kernel log, timestamps stripped
    problems: list[str]         # BUG/Oops/WARNING... lines after the first insmod
    console: str
    seconds: float
    timed_out: bool
    accel: str

    @property
    def modules(self) -> list[ModuleLoad]:
        return [m for m in self.loads if m.kind == "module"]

    def to_json(self, *, with_log: bool = False) -> dict[str, object]:
        out: dict[str, object] = {
            "release": self.release, "ok": self.ok, "reasons": self.reasons,
            "loads": [m.to_json() for m in self.loads], "test_returncode": self.test_returncode,
            "test_output": self.test_output, "problems": self.problems,
            "timed_out": self.timed_out, "accel": self.accel, "seconds": round(self.seconds, 1),
        }
        if with_log:
            out["dmesg"] = self.dmesg
            out["console"] = self.console
        return out


def parse_console(console: str) -> tuple[list[ModuleLoad], int | None, str, list[str], bool]:
    """(loads, test status, test output, dmesg lines, end marker seen) from a serial log."""
    loads: list[ModuleLoad] = []
    test_rc: int | None = None
    test_out: list[str] = []
    dmesg: list[str] = []
    section = None
    ended = False
    for line in console.split("\n"):
        if section == "test":
            if line == f"{MARK} test-output-end":
                section = None
            else:
                test_out.append(line)
            continue
        if section == "dmesg":
            if line == f"{MARK} dmesg-end":
                section = None
            else:
                dmesg.append(_TIMESTAMP.sub("", line))
            continue
        if not line.startswith(MARK + " "):
            continue
        words = line[len(MARK) + 1:].split(" ", 3)
        tag = words[0]
        if tag in ("dep", "insmod") and len(words) >= 3:
            msg = words[3].strip() if len(words) > 3 else ""
            rc = int(words[1]) if words[1].lstrip("-").isdigit() else -1
            loads.append(ModuleLoad(words[2], "dep" if tag == "dep" else "module", rc, msg,
                                    insmod_errno(msg) if rc else None))
        elif tag == "test" and len(words) == 2 and words[1].lstrip("-").isdigit():
            test_rc = int(words[1])
        elif tag == "test-output-begin":
            section = "test"
        elif tag == "dmesg-begin":
            section = "dmesg"
        elif tag == "end":
            ended = True
    # attach each module's kernel messages (between its marker and the next one)
    by_key = {(m.kind, m.name): m for m in loads}
    current: ModuleLoad | None = None
    for line in dmesg:
        if line.startswith(KMSG_MARK):
            parts = line[len(KMSG_MARK):].split()
            if parts[:2] == ["insmod", "dep"] and len(parts) == 3:
                current = by_key.get(("dep", parts[2]))
            elif parts[:1] == ["insmod"] and len(parts) == 2:
                current = by_key.get(("module", parts[1]))
            else:
                current = None
            continue
        if current is not None:
            current.dmesg.append(line)
    return loads, test_rc, "\n".join(test_out), dmesg, ended


def judge(release: str, b_console: str, seconds: float, timed_out: bool, accel: str,
          expected_modules: list[str]) -> GuestResult:
    loads, test_rc, test_out, dmesg, ended = parse_console(b_console)
    reasons: list[str] = []
    first = next((i for i, line in enumerate(dmesg) if line.startswith(KMSG_MARK)), len(dmesg))
    problems = [line for line in dmesg[first:] if _PROBLEM.search(line)]
    early = [line for line in dmesg[:first] if _LOCKDEP_OFF.search(line)]
    if early and first < len(dmesg):
        reasons.append(f"lockdep turned itself off before the first module loaded "
                       f"({early[0].strip()}): the run cannot see lock problems")
    if not ended:
        # a guest that never reported: a panic or a hang; the console says which
        problems += [line for line in b_console.split("\n") if _PROBLEM.search(line)
                     and line not in problems]
    for m in loads:
        if not m.loaded:
            why = m.message or f"insmod exited {m.returncode}"
            if m.errno:
                why = f"{m.errno} ({why.split(' ', 2)[-1]})"
            if m.unknown_symbols:
                why += f" (unknown symbols: {', '.join(m.unknown_symbols)})"
            if m.version_errors:
                why += f" ({m.version_errors[0]})"
            elif m.dmesg and not m.unknown_symbols:
                why += f"; kernel: {own_kernel_line(m.name, m.dmesg)}"
            reasons.append(f"{m.kind} {m.name} did not load: {why}")
    seen = {m.name for m in loads if m.kind == "module"}
    if ended:
        for name in expected_modules:
            if name not in seen:
                reasons.append(f"module {name} was never loaded (the guest skipped it)")
    if problems:
        reasons.append(f"kernel log: {problems[0].strip()}")
    if test_rc not in (None, 0):
        reasons.append(f"test exited {test_rc}")
    if timed_out:
        reasons.append(f"time-out after {seconds:.0f} s")
    elif not ended:
        reasons.append("the guest stopped before reporting (kernel panic or early crash)")
    return GuestResult(release=release, ok=not reasons, reasons=reasons, loads=loads,
                       test_returncode=test_rc, test_output=test_out, dmesg=dmesg,
                       problems=problems, console=b_console, seconds=seconds,
                       timed_out=timed_out, accel=accel)


def check_inputs(params: list[str], test_script: Path | None) -> None:
    """Reject bad --param / --test before anything is built or booted."""
    if test_script is not None and not Path(test_script).is_file():
        raise KbridgeError(f"{test_script}: no such test script")
    for p in params:
        if "=" not in p or p.startswith("="):
            raise KbridgeError(f"--param {p!r}: write module parameters as NAME=VALUE")


def run_guest(kos: list[Path], release: str, *, params: list[str] = (),
              test_script: Path | None = None, extra_modules: list[str] = (),
              timeout: float = DEFAULT_TIMEOUT, qemu_args: list[str] = (),
              cache: Path | None = None, image: GuestImage | None = None,
              tools: bool = False) -> GuestResult:
    """Boot Debian's kernel *release* and load *kos* in order (params go to the last).

    *tools*: attach the tools disk (fio, iproute2, ethtool: :mod:`kbridge.actions.guest.tools`),
    mounted at /tools and on the test script's PATH."""
    check_inputs(params, test_script)
    if tools:
        from kbridge.actions.guest.tools import ensure_tools
        qemu_args = [*ensure_tools(cache=cache).qemu_args(), *qemu_args]
    for k in kos:
        if not Path(k).is_file():
            raise KbridgeError(f"{k}: no such module file")
    image = image or ensure_image(release, cache=cache)
    with tempfile.TemporaryDirectory(prefix="kbridge-guest-") as tmp:
        initrd = build_initramfs(Path(tmp) / "initrd.cpio", image, [Path(k) for k in kos],
                                 params=list(params),
                                 test_script=Path(test_script) if test_script else None,
                                 extra_modules=list(extra_modules),
                                 test_timeout=max(5, int(timeout) - 10), cache=cache,
                                 tools=tools)
        b = boot(image, initrd.path, timeout=timeout, extra=list(qemu_args), cache=cache)
        if f"{MARK} begin" not in b.console:
            # The kernel died or hung before /init ran: nothing of ours was
            # loaded yet, so it is the host (TCG starved of CPU), not the module.
            # One more try; a second failure is reported as it is.
            b = boot(image, initrd.path, timeout=timeout, extra=list(qemu_args), cache=cache)
    return judge(release, b.console, b.seconds, b.timed_out, b.accel, initrd.modules)


def modules_in(build_dir: Path) -> list[Path]:
    """The .ko files a kbuild run produced, in modules.order when there is one."""
    order = build_dir / "modules.order"
    kos: list[Path] = []
    if order.is_file():
        for line in order.read_text().split():
            name = line.removeprefix("kernel/")
            ko = build_dir / (name[:-2] + ".ko" if name.endswith(".o") else name)
            if ko.is_file() and ko not in kos:
                kos.append(ko)
    if not kos:
        kos = sorted(build_dir.rglob("*.ko"))
    return kos


def resolve_driver(spec: str, *, cache: Path | None = None):  # type: ignore[no-untyped-def]
    """A driver path, a corpus NAME@SERIES, or an in-tree test driver (null_blk@6.12, ...)."""
    from kbridge.facts import driver as drivers

    return drivers.resolve(spec, cache=cache)


def build_for(spec: str | Path, release: str, dest: Path, *, cache: Path | None = None):  # type: ignore[no-untyped-def]
    """Build a driver directory (or NAME@SERIES) against the headers of *release* into *dest*.

    Returns (BuildResult, [.ko paths]); the .ko list is empty when the build failed.
    """
    from kbridge.actions.kbuild import build
    from kbridge.facts import targets

    tree = build_tree(release, cache=cache)
    drv = resolve_driver(str(spec), cache=cache)
    result = build(drv, tree, keep=dest)
    return result, (modules_in(dest) if result.ok else [])


def build_tree(release: str, *, cache: Path | None = None):  # type: ignore[no-untyped-def]
    """The tree modules for the guest of *release* are built against: an installed tree of
    that release, or a debug kernel's own build tree (release ending in -kbdebug)."""
    from kbridge.actions.guest import debugkernel
    from kbridge.facts import targets

    if debugkernel.is_debug_release(release):
        return debugkernel.require(release, cache=cache).tree()
    return targets.resolve(release)


def run(target: str | Path, release: str, *, params: list[str] = (),
        test_script: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
        qemu_args: list[str] = (), cache: Path | None = None,
        tools: bool = False):  # type: ignore[no-untyped-def]
    """What `kbridge run` does: a .ko is loaded as is, a driver is built first.

    Returns (BuildResult or None, GuestResult or None); the guest result is
    None when the build failed.
    """
    check_inputs(list(params), test_script)
    path = Path(target)
    if path.is_file():
        if path.suffix != ".ko":
            raise KbridgeError(f"{path}: not a .ko module; give a module file or a driver directory")
        return None, run_guest([path], release, params=params, test_script=test_script,
                               timeout=timeout, qemu_args=qemu_args, cache=cache, tools=tools)
    with tempfile.TemporaryDirectory(prefix="kbridge-run-") as tmp:
        result, kos = build_for(target, release, Path(tmp) / "build", cache=cache)
        if not kos:
            return result, None
        return result, run_guest(kos, release, params=params, test_script=test_script,
                                 timeout=timeout, qemu_args=qemu_args, cache=cache, tools=tools)


def debug_release(kernel: str, *, cache: Path | None = None,
                  progress=None) -> str:  # type: ignore[no-untyped-def]
    """The release of the debug kernel of *kernel*'s series (a series, release or version
    prefix), building it the first time (about half an hour; *progress* gets each step)."""
    from kbridge.actions.guest import debugkernel

    if debugkernel.is_debug_release(kernel):
        return debugkernel.require(kernel, cache=cache).release
    return debugkernel.build(debugkernel.series_of(kernel), cache=cache, progress=progress).release


def guest_release(kernel: str) -> str:
    """The Debian release to boot: a full release as given, or an installed tree's release.

    "6.12" picks the newest generic installed tree of the series, as targets do,
    so that the guest always matches headers a driver can be built against.
    """
    from kbridge.facts import targets

    try:
        tree = targets.resolve(kernel, configured=False)
    except KbridgeError:
        if kernel[:1].isdigit() and "-" in kernel and "/" not in kernel:
            return kernel     # a release without installed headers: fine for a .ko
        raise
    if not tree.release:
        raise KbridgeError(f"{kernel}: the tree {tree.path} has no release (utsrelease.h); "
                           "name the guest kernel by its Debian release")
    return tree.release
