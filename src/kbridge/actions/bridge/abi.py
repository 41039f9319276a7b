"""ABI invariance: a bridged module sees every kernel struct exactly as the kernel lays it out.

A shim may rename a kernel type (``#define snd_pcm_ops kb_snd_pcm_ops``) or
define one the old kernel lacks. Where such a type is embedded by value in
another kernel struct, the bridged code and the kernel would disagree on
that struct's offsets without any compiler noticing. This check compares,
after the build, what the bridged module believes with what the target
kernel is:

* **The module's view** is its DWARF: kbuild compiles modules with -g when
  the tree's .config has CONFIG_DEBUG_INFO (Debian's does; a tree without it
  is an error naming that option). ``pahole -J --btf_encode_detached``
  (dwarves) converts the .ko's DWARF -- relocations applied by libdw -- into
  a raw BTF file: one structured format for both sides, read by
  :mod:`kbridge.facts.btf` (no tool's text output is parsed).
* **The kernel's truth** is its own BTF (CONFIG_DEBUG_INFO_BTF): the
  ``.BTF`` section of the ``vmlinux`` that kbridge already unpacks from
  Debian's ``linux-image-<release>-unsigned`` for guest boots (the release of
  the tree the module was built against, so the very kernel it loads into),
  plus the split BTF of every module the bridged module depends on
  (``modinfo -F depends`` closed over the image's modules.dep, base vmlinux):
  snd_soc types live in snd-soc-core.ko, not in vmlinux.
* **Compared**: every named struct and union of the module's debug info --
  size, and each member in order: name, bit offset, bit-field width, the
  size of its type and, for by-value struct/union members (arrays of them
  too), their layout recursively, so a renamed type embedded by value is
  compared with the kernel's type at that site. Type *names* of members are
  not compared (a declaration-only pointee has no tag kind in BTF), only
  layouts.
* **Skipped, and counted**: kbridge's own ``kb_`` types (checked where they
  are embedded in kernel structs, not by themselves); types defined in the
  driver's own files (a corpus driver's private struct may share its name
  with the target kernel's copy of that driver); types the kernel's BTF does
  not describe (a shim's definition of a type the kernel lacks, a type only
  some unrelated module uses).
* A name the kernel defines several times (same-named private structs of
  different files, kept apart by BTF dedup) matches when one definition
  agrees; a mismatch is reported against vmlinux's first, else the first
  dependency's.

Cost: the kernel's BTF is read once per process and release (vmlinux: about
0.7 s), pahole and the comparison take well under a second per module.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from kbridge.errors import KbridgeError
from kbridge.facts import btf
from kbridge.facts.driver import Driver

OWN_PREFIX = "kb_"


@dataclass(frozen=True)
class Mismatch:
    module: str          # the .ko's file name
    type: str            # "struct snd_soc_pcm_runtime"
    member: str          # "params_select" ("ops.copy" when nested; "" for the size)
    detail: str

    def __str__(self) -> str:
        where = f"{self.type}.{self.member}" if self.member else self.type
        return f"ABI: {where}: {self.detail} ({self.module})"

    def to_json(self) -> dict[str, str]:
        return {"module": self.module, "type": self.type, "member": self.member, "detail": self.detail}


@dataclass
class AbiReport:
    release: str
    modules: list[str] = field(default_factory=list)
    checked: int = 0          # kernel structs/unions compared
    own: int = 0              # kbridge's kb_ types, skipped
    driver: int = 0           # defined in the driver's own files, skipped
    undescribed: int = 0      # not in the kernel's BTF, skipped
    mismatches: list[Mismatch] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def to_json(self) -> dict[str, object]:
        return {"release": self.release, "modules": self.modules, "ok": self.ok,
                "checked": self.checked, "skipped": {"kb_types": self.own, "driver_types": self.driver,
                                                     "not_in_kernel_btf": self.undescribed},
                "mismatches": [m.to_json() for m in self.mismatches],
                "seconds": round(self.seconds, 2)}

    def summary(self) -> str:
        return (f"ABI on {self.release}: {self.checked} kernel structs/unions compared, "
                f"{len(self.mismatches)} differ; skipped {self.own} kb_, {self.driver} the driver's own, "
                f"{self.undescribed} not in the kernel's BTF")


# --- the kernel's side -----------------------------------------------------------

_lock = threading.Lock()
_kernels: dict[tuple[str, int], "_Kernel"] = {}


class _Kernel:
    """One guest image's BTF: vmlinux's layouts, and module BTF loaded on demand."""

    def __init__(self, image) -> None:  # type: ignore[no-untyped-def]
        from kbridge.actions.guest.initramfs import ModuleIndex
        self.image = image
        vmlinux = image.boot_kernel
        if vmlinux.name != "vmlinux":
            raise KbridgeError(f"{image.release}: no ELF vmlinux could be unpacked from the image's "
                               "bzImage, so the kernel's BTF cannot be read for the ABI check")
        base = btf.from_elf(vmlinux)
        if base is None:
            raise KbridgeError(f"{image.release}: the kernel has no BTF (.BTF section; "
                               "CONFIG_DEBUG_INFO_BTF); the ABI check needs it")
        self.vmlinux = base
        self.layouts = base.layouts()
        self.index = ModuleIndex.load(image)
        self._modules: dict[str, dict[str, list[btf.Layout]]] = {}
        self._mlock = threading.Lock()

    def module_layouts(self, name: str) -> dict[str, list[btf.Layout]]:
        with self._mlock:
            hit = self._modules.get(name)
            if hit is None:
                path = self.image.modules_dir / self.index.paths[name]
                mod = btf.from_elf(path, self.vmlinux)
                hit = self._modules[name] = mod.layouts() if mod is not None else {}
            return hit


def _kernel(release: str, cache: Path | None) -> _Kernel:
    from kbridge.actions.guest.image import ensure_image
    image = ensure_image(release, cache=cache)
    key = (str(image.boot_kernel), image.boot_kernel.stat().st_mtime_ns)
    with _lock:
        hit = _kernels.get(key)
        if hit is None:
            hit = _kernels[key] = _Kernel(image)
        return hit


# --- the module's side -------------------------------------------------------------

def module_btf(ko: Path) -> btf.Btf:
    """The types of *ko*'s DWARF, as BTF (pahole -J into a detached file)."""
    if shutil.which("pahole") is None:
        raise KbridgeError("pahole not found: the ABI check reads the module's DWARF with it "
                           "(apt-get install dwarves; scripts/setup.sh does)")
    data = ko.read_bytes()
    if btf.elf_section(data, ".debug_info", label=str(ko)) is None:
        raise KbridgeError(f"{ko.name}: the module carries no DWARF (the tree's .config lacks "
                           "CONFIG_DEBUG_INFO), so the ABI check cannot see its struct layouts")
    with tempfile.TemporaryDirectory(prefix="kbridge-abi-") as tmp:
        out = Path(tmp) / "module.btf"
        proc = subprocess.run(["pahole", "-J", f"--btf_encode_detached={out}", str(ko)],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0 or not out.is_file():
            raise KbridgeError(f"{ko.name}: pahole could not encode its DWARF as BTF: "
                               f"{(proc.stderr.strip() or proc.stdout.strip())[:200]}")
        return btf.Btf(out.read_bytes(), label=f"{ko.name} (DWARF)")


def driver_types(driver: Driver) -> frozenset[str]:
    """"struct NAME" / "union NAME" for every struct or union the driver's files define (with a
    body), read with tree-sitter-c."""
    from kbridge.facts.cparse import parse_bounded, thread_parser
    parser = thread_parser()
    names: set[str] = set()
    for rel in driver.sources:
        stack = [parse_bounded(parser, driver.read(rel), f"{driver.label}: {rel}").root_node]
        while stack:
            node = stack.pop()
            if node.type in ("struct_specifier", "union_specifier") and \
                    node.child_by_field_name("body") is not None:
                name = node.child_by_field_name("name")
                if name is not None:
                    names.add(f"{node.type.split('_')[0]} {name.text.decode(errors='replace')}")
            stack.extend(node.children)
    return frozenset(names)


# --- comparing -----------------------------------------------------------------------

def first_difference(mine: btf.Layout, kernel: btf.Layout, path: str = "") -> tuple[str, str] | None:
    """(member path, what differs) between the module's layout and the kernel's, None when equal."""
    if mine == kernel:
        return None
    sizes = f"(size {mine.size} here, {kernel.size} in the kernel)" if mine.size != kernel.size else ""
    if mine.kind != kernel.kind:
        return path, f"a {mine.kind} here, a {kernel.kind} in the kernel"
    for i, (a, b) in enumerate(zip(mine.members, kernel.members)):
        if a == b:
            continue
        name = path + (a.name or f"<anonymous #{i}>")
        if a.name != b.name:
            return name, f"member #{i} is {a.name or '(anonymous)'!r} here, {b.name or '(anonymous)'!r} " \
                         f"in the kernel {sizes}".rstrip()
        if a.bit_offset != b.bit_offset:
            return name, f"at {_offset(a.bit_offset)} here, {_offset(b.bit_offset)} in the kernel {sizes}".rstrip()
        if a.bitfield_size != b.bitfield_size:
            return name, f"{a.bitfield_size or 'not a'}-bit field here, " \
                         f"{b.bitfield_size or 'not a'}-bit field in the kernel"
        if a.type_size != b.type_size:
            return name, f"{a.type_name or 'its type'} of {a.type_size} bytes here, " \
                         f"{b.type_name or 'its type'} of {b.type_size} bytes in the kernel"
        if a.nested is not None and b.nested is not None:
            inner = first_difference(a.nested, b.nested, name + ".")
            if inner is not None:
                what = f"{a.type_name} here, {b.type_name} in the kernel: " if a.type_name != b.type_name else ""
                return inner[0], what + inner[1]
        return name, "differs from the kernel's"
    if len(mine.members) != len(kernel.members):
        n = min(len(mine.members), len(kernel.members))
        if len(mine.members) > n:
            return path + mine.members[n].name, f"member only here {sizes}".rstrip()
        return path + kernel.members[n].name, f"the kernel's member is missing here {sizes}".rstrip()
    return path, f"size {mine.size} here, {kernel.size} in the kernel"


def _offset(bits: int) -> str:
    return f"offset {bits // 8}" if bits % 8 == 0 else f"bit offset {bits} (byte {bits // 8} + {bits % 8})"


def check(kos: list[Path], release: str, *, own_types: frozenset[str] = frozenset(),
          cache: Path | None = None) -> AbiReport:
    """Compare every kernel struct/union that *kos*' debug info describes with kernel *release*'s BTF.

    *own_types*: "struct NAME" defined by the driver's own files (skipped).
    """
    from kbridge.actions.guest.initramfs import module_depends, module_name
    start = time.monotonic()
    kernel = _kernel(release, cache)
    report = AbiReport(release=release)
    for ko in sorted(kos):
        report.modules.append(ko.name)
        deps = [d for d in kernel.index.closure([d for d in module_depends(ko) if d != module_name(ko)])]
        dep_layouts = [kernel.module_layouts(d) for d in deps]
        for title, variants in sorted(module_btf(ko).layouts().items()):
            name = title.split(" ", 1)[1]
            if name.startswith(OWN_PREFIX):
                report.own += 1
                continue
            if title in own_types:
                report.driver += 1
                continue
            candidates = list(kernel.layouts.get(title, []))
            for lay in dep_layouts:
                candidates += lay.get(title, [])
            if not candidates:
                report.undescribed += 1
                continue
            report.checked += 1
            for mine in variants:
                if any(mine == k for k in candidates):
                    continue
                member, detail = first_difference(mine, candidates[0]) or ("", "differs")
                report.mismatches.append(Mismatch(ko.name, title, member, detail))
                break
    report.seconds = time.monotonic() - start
    return report


def check_build(build_dir: Path, release: str, driver: Driver, *,
                cache: Path | None = None) -> AbiReport:
    """:func:`check` for every .ko a kbuild run of *driver* (bridged) left in *build_dir*;
    the types *driver*'s own files define are skipped."""
    kos = sorted(p for p in build_dir.rglob("*.ko") if p.is_file())
    if not kos:
        raise KbridgeError(f"{build_dir}: no .ko built, nothing to check")
    return check(kos, release, own_types=driver_types(driver), cache=cache)


__all__ = ["AbiReport", "Mismatch", "check", "check_build", "driver_types", "first_difference",
           "module_btf"]


# --- where the check runs: matrix cells and kbridge bridge ---------------------------------

def judge(result, build_dir: Path, tree, driver: Driver, *,  # type: ignore[no-untyped-def]
          cache: Path | None = None) -> AbiReport | None:
    """Check a built cell (a :class:`kbridge.actions.kbuild.BuildResult`) in place.

    Each differing struct becomes an error diagnostic naming the struct and
    member, and fails the cell; so does a check that cannot run (no guest
    image for the tree's release, no DWARF, no pahole): an unchecked cell is
    not a green one. A cell that did not build is left alone.
    """
    from kbridge.actions.kbuild import Diagnostic
    if not result.ok:
        return None
    try:
        if not tree.release:
            raise KbridgeError(f"{tree.path}: the tree has no release, so no kernel to compare with")
        rep = check_build(build_dir, tree.release, driver, cache=cache)
    except KbridgeError as exc:
        result.diagnostics.append(Diagnostic("", 0, 0, "error", f"ABI check: {exc}"))
        result.errors += 1
        result.ok = False
        result.abi = {"ok": False, "error": str(exc)}
        return None
    for m in rep.mismatches:
        result.diagnostics.append(Diagnostic("", 0, 0, "error", str(m)))
    result.errors += len(rep.mismatches)
    result.ok = result.ok and rep.ok
    result.abi = rep.to_json()
    return rep


def check_out(out: Path, trees: list, driver: Driver, *,  # type: ignore[no-untyped-def]
              cache: Path | None = None) -> list:
    """``kbridge bridge``: build OUT on each target (in a temporary copy) and check it.

    Returns one BuildResult per tree, its ``abi`` filled by :func:`judge`.
    """
    from kbridge.actions.kbuild import build
    from kbridge.facts import driver as drv_mod
    results = []
    bridged = drv_mod.load(out, label=driver.label)
    for tree in trees:
        with tempfile.TemporaryDirectory(prefix="kbridge-abi-build-") as tmp:
            built = Path(tmp) / "m"
            res = build(bridged, tree, keep=built)
            judge(res, built, tree, driver, cache=cache)
        results.append(res)
    return results
