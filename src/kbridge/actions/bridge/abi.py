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
  snd_soc types live in snd-soc-core.ko, not in vmlinux; and of the kernel's
  own build of a module of the same name, if the image ships one (an in-tree
  driver bridged from another release: the Xen ring structs of
  <xen/interface/io/netif.h> only xen-netfront.ko describes).
* **Compared**: every named struct and union of the module's debug info,
  member by member as C reaches them (through anonymous struct/union
  members, at absolute offsets): every kernel member must be there at the
  kernel's bit offset, with its bit-field width and type size, and by-value
  struct/union members (arrays of them too) are compared the same way, so a
  renamed type embedded by value is compared with the kernel's type at that
  site; then the size. Member *type names* are not compared (a
  declaration-only pointee has no tag kind in BTF; a layout-compatible kb_
  type is the kernel's layout), only layouts.
* **Callbacks** (:func:`callback_differences`): a rename also reaches the
  pointers of a function-pointer member the kernel calls (``#define
  queue_limits kb_queue_limits`` makes struct target_type's ``io_hints``
  take a ``struct kb_queue_limits *``, while the dm core passes its own
  struct queue_limits). For every function-pointer member of a compared
  struct, where the return or a parameter points to a struct/union whose
  name differs from the kernel's at that place (both sides' BTF FUNC_PROTO),
  the module's pointee is compared with the kernel's layout as above
  (``extends`` applies, ``grows`` not: the kernel allocated the object); a
  difference names struct, member, parameter and the first differing
  member. A data member pointing to a renamed struct is compared the same
  way (``grows`` applies there). Same-named pointees are the by-value
  comparison's already, so only renamed ones cost anything.
* **What a shim may change**: re-spell a kernel member in place (a union of
  the kernel's and the driver's type in one slot, zero-length pads): allowed,
  as is any member that lies over a kernel member (an alias). A member in
  bytes the kernel leaves unused (padding, the tail up to the alignment) or a
  larger struct only where the rule's shim.toml declares it, with the reason
  beside it::

      [abi]
      extends = ["struct net_device"]      # tail padding used, size kept
      grows = ["struct net_device_ops"]    # appended, the struct larger (read
                                           # by the kernel through a pointer only)
      renames = ["struct ethtool_ops.get_ts_info"]   # the kernel's slot under
                                           # another name, in place
      appends = ["struct scsi_cmnd"]       # members only at or past the kernel's
                                           # sizeof, in memory the kernel allocates
                                           # larger at the shim's request

  and only when that rule is bridged in the OUT checked. Kernel members are
  checked in every case.
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

Where it runs: in every ``kbridge matrix --strategy layer|inline`` cell
(:func:`judge`: each difference is an error diagnostic naming struct and
member and fails the cell; a check that cannot run -- no image for the tree's
release, offline, no DWARF, no pahole -- fails it too: an unchecked cell is
not green) and in ``kbridge bridge``, which builds OUT on each target in a
temporary copy for it (:func:`check_out`; ``--no-abi-check`` skips it).

Cost: the kernel's BTF is read once per process and release (vmlinux: about
0.7 s; the image is fetched once into the shared cache), pahole and the
comparison take well under a second per module.
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
    kernel_modules: list[str] = field(default_factory=list)   # module BTF consulted besides vmlinux
    twins: list[str] = field(default_factory=list)            # modules the image ships itself
    checked: int = 0          # kernel structs/unions compared
    callbacks: int = 0        # pointer members (callbacks' parameters, data pointers) to a renamed struct, compared
    own: int = 0              # kbridge's kb_ types, skipped
    driver: int = 0           # defined in the driver's own files, skipped
    undescribed: int = 0      # not in the kernel's BTF, skipped
    undescribed_types: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def to_json(self) -> dict[str, object]:
        return {"release": self.release, "modules": self.modules, "ok": self.ok,
                "kernel_modules": self.kernel_modules, "shipped_by_kernel": self.twins,
                "checked": self.checked, "callbacks_compared": self.callbacks, "skipped": {"kb_types": self.own, "driver_types": self.driver,
                                                     "not_in_kernel_btf": self.undescribed},
                "not_in_kernel_btf": self.undescribed_types,
                "mismatches": [m.to_json() for m in self.mismatches],
                "seconds": round(self.seconds, 2)}

    def summary(self) -> str:
        return (f"ABI on {self.release}: {self.checked} kernel structs/unions compared, "
                f"{self.callbacks} pointers to renamed structs, "
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
        self._module_btf: dict[str, btf.Btf | None] = {}
        self._mlock = threading.Lock()

    def module_layouts(self, name: str) -> dict[str, list[btf.Layout]]:
        with self._mlock:
            hit = self._modules.get(name)
            if hit is None:
                path = self.image.modules_dir / self.index.paths[name]
                mod = self._module_btf[name] = btf.from_elf(path, self.vmlinux)
                hit = self._modules[name] = mod.layouts() if mod is not None else {}
            return hit

    def module_btf(self, name: str) -> btf.Btf | None:
        """Module *name*'s split BTF (after :meth:`module_layouts` read it)."""
        self.module_layouts(name)
        return self._module_btf.get(name)


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


def defined_types(files: dict[str, bytes], label: str = "") -> frozenset[str]:
    """"struct NAME" / "union NAME" for every struct or union *files* define (with a body),
    read with tree-sitter-c."""
    from kbridge.facts.cparse import parse_bounded, thread_parser
    parser = thread_parser()
    names: set[str] = set()
    for rel, text in files.items():
        stack = [parse_bounded(parser, text, f"{label}: {rel}").root_node]
        while stack:
            node = stack.pop()
            if node.type in ("struct_specifier", "union_specifier") and \
                    node.child_by_field_name("body") is not None:
                name = node.child_by_field_name("name")
                if name is not None:
                    names.add(f"{node.type.split('_')[0]} {name.text.decode(errors='replace')}")
            stack.extend(node.children)
    return frozenset(names)


def driver_types(driver: Driver) -> frozenset[str]:
    """The structs and unions the driver's own files define."""
    return defined_types({rel: driver.read(rel) for rel in driver.sources}, driver.label)


# --- comparing -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Slot:
    """A member as C code reaches it: through anonymous structs/unions, at its absolute offset."""
    bit_offset: int
    bits: int
    size: int | None
    nested: btf.Layout | None
    type_name: str

    @property
    def end(self) -> int:
        return self.bit_offset + (self.bits or (self.size or 0) * 8)


def _slots(layout: btf.Layout, base: int = 0) -> dict[str, _Slot]:
    out: dict[str, _Slot] = {}
    for m in layout.members:
        if not m.name:
            if m.nested is not None:        # anonymous struct/union: its members are the parent's
                for k, v in _slots(m.nested, base + m.bit_offset).items():
                    out.setdefault(k, v)
            continue                        # an unnamed bit-field is padding
        out.setdefault(m.name, _Slot(base + m.bit_offset, m.bitfield_size, m.type_size, m.nested,
                                     m.type_name))
    return out


# what a shim may declare in its shim.toml (see extensions())
EXTENDS = "extends"     # adds members in bytes the kernel leaves unused; size kept
GROWS = "grows"         # may also be larger (a table the kernel only reads through a pointer)
APPENDS = "appends"     # larger, members only past the kernel's size: an object the kernel
                        # allocates larger on the shim's request (scsi_cmnd: the template's cmd_size)
RENAMES = "renames"     # "struct S.m": the kernel's member m stands under another name in place


def first_difference(mine: btf.Layout, kernel: btf.Layout, path: str = "",
                     allowed: str | None = None,
                     renamed: frozenset[str] = frozenset(),
                     renamed_in: dict[str, frozenset[str]] | None = None) -> tuple[str, str] | None:
    """(member path, what differs) between the module's layout and the kernel's, None when the
    module's view keeps the kernel's layout.

    Members are compared as C reaches them (anonymous struct/union members flattened), so a
    shim may re-spell a member in place (a union of two types in the same slot, zero-length
    pads); every kernel member must be there, at the kernel's offset, with its bit-field width
    and type size, by-value struct/union members compared the same way. A member only the
    module has is allowed when it takes no room or lies over a kernel member (an alias);
    elsewhere (padding, the tail) only when a shim declared the struct *allowed* =
    :data:`EXTENDS` or :data:`GROWS`; a different size only with :data:`GROWS` (larger).
    :data:`APPENDS` allows members only at or past the kernel's size, and a larger size.
    A kernel member in *renamed* (a shim declared it :data:`RENAMES`) may stand under another
    name, at the kernel's offset with its width and size. *renamed_in* ("struct NAME" -> its
    renamed members) carries the declarations into by-value members of those types: struct
    folio embeds struct page, whose __folio_index page_index_removed spells index in place.
    """
    if mine == kernel:
        return None
    if mine.kind != kernel.kind:
        return path, f"a {mine.kind} here, a {kernel.kind} in the kernel"
    sizes = f" (size {mine.size} here, {kernel.size} in the kernel)" if mine.size != kernel.size else ""
    ks, ms = _slots(kernel), _slots(mine)
    for name, k in sorted(ks.items(), key=lambda kv: kv[1].bit_offset):
        m = ms.get(name)
        where = path + name
        if m is None and name in renamed:
            m = next((v for n, v in ms.items() if n not in ks and v.bit_offset == k.bit_offset
                      and v.bits == k.bits and v.size == k.size), None)
        if m is None:
            return where, f"the kernel's member (at {_offset(k.bit_offset)}) is missing here{sizes}"
        if m.bit_offset != k.bit_offset:
            return where, f"at {_offset(m.bit_offset)} here, {_offset(k.bit_offset)} in the kernel{sizes}"
        if m.bits != k.bits:
            return where, f"{m.bits or 'not a'}-bit field here, {k.bits or 'not a'}-bit field in the kernel"
        if m.size != k.size:
            return where, f"{m.type_name or 'its type'} of {m.size} bytes here, " \
                          f"{k.type_name or 'its type'} of {k.size} bytes in the kernel"
        if m.nested is not None and k.nested is not None:
            inner = first_difference(m.nested, k.nested, where + ".",
                                     renamed=(renamed_in or {}).get(k.nested.title, frozenset()),
                                     renamed_in=renamed_in)
            if inner is not None:
                what = f"{m.type_name} here, {k.type_name} in the kernel: " if m.type_name != k.type_name else ""
                return inner[0], what + inner[1]
    if allowed not in (EXTENDS, GROWS):
        for name, m in sorted(ms.items(), key=lambda kv: kv[1].bit_offset):
            if name in ks or m.end == m.bit_offset:
                continue
            if allowed == APPENDS and m.bit_offset >= kernel.size * 8:
                continue
            if not any(k.bit_offset < m.end and m.bit_offset < k.end for k in ks.values()):
                return path + name, f"member only here, at {_offset(m.bit_offset)}, where the kernel has " \
                                    f"no member (no shim declares extending {mine.title})"
    if mine.size != kernel.size and not (allowed in (GROWS, APPENDS) and mine.size > kernel.size):
        return path, f"size {mine.size} here, {kernel.size} in the kernel" + \
            ("" if allowed in (GROWS, APPENDS) else f" (no shim declares growing {mine.title})")
    return None


def _offset(bits: int) -> str:
    return f"offset {bits // 8}" if bits % 8 == 0 else f"bit offset {bits} (byte {bits // 8} + {bits % 8})"


def _manifests(rule_ids: list[str]):  # type: ignore[no-untyped-def]
    from kbridge.knowledge import rules as rules_mod
    by_id = {r.id: r for r in rules_mod.load()}
    return [by_id[rid].manifest for rid in rule_ids if rid in by_id]


def extensions(rule_ids: list[str]) -> dict[str, str]:
    """"struct NAME" -> EXTENDS or GROWS, as the shims of *rule_ids* declare in their shim.toml::

        [abi]
        extends = ["struct net_device"]      # members added in its tail padding, size kept
        grows = ["struct net_device_ops"]    # members appended, the struct larger
        appends = ["struct scsi_cmnd"]       # members only past the kernel's size, which the
                                             # kernel allocates larger at the shim's request

    A declaration only lifts the rule against members the kernel lacks (and, for grows,
    against a larger size): every kernel member is still checked.
    """
    out: dict[str, str] = {}
    for m in _manifests(rule_ids):
        for title in m.abi_extends:
            out.setdefault(title, EXTENDS)
        for title in m.abi_grows:
            out[title] = GROWS
        for title in m.abi_appends:
            out[title] = APPENDS
    return out


def renamed_members(rule_ids: list[str]) -> dict[str, frozenset[str]]:
    """"struct NAME" -> the kernel members the shims of *rule_ids* spell differently in place::

        [abi]
        renames = ["struct ethtool_ops.get_ts_info"]   # the slot keeps offset, width, size

    (a designator macro fills the slot under another name: ethtool_kernel_ts_info)."""
    out: dict[str, set[str]] = {}
    for m in _manifests(rule_ids):
        for entry in m.abi_renames:
            title, _, member = entry.rpartition(".")
            out.setdefault(title, set()).add(member)
    return {t: frozenset(v) for t, v in out.items()}


def _pointee_layouts(title: str, blobs: list[btf.Btf], tid: int | None, blob: btf.Btf) -> list[btf.Layout]:
    """The complete layouts of a callback parameter's pointee: its own definition, else (declared
    only where the member's struct is) every definition of its name in *blobs*."""
    if tid is not None:
        return [blob.layout(tid)]
    return [b.layout(i) for b in blobs for i in b.ids_of(title)]


def _pointers(blob: btf.Btf, tid: int) -> dict[str, list[tuple[str, tuple[str, int | None] | None]]]:
    """Member -> [(where, pointee)]: a callback's return value and parameters, a data pointer
    member itself ("the pointer")."""
    out: dict[str, list[tuple[str, tuple[str, int | None] | None]]] = {
        m: [("the return value" if i == 0 else f"parameter {i}", p) for i, p in enumerate(sig)]
        for m, sig in blob.callbacks(tid).items()}
    for m, p in blob.pointer_members(tid).items():
        out.setdefault(m, [("the pointer", p)])
    return out


def callback_differences(mine: btf.Btf, mine_id: int, kernel: list[tuple[btf.Btf, int]],
                         blobs: list[btf.Btf], *, allowed: dict[str, str] | None = None,
                         renamed: dict[str, frozenset[str]] | None = None,
                         memo: dict | None = None,
                         respelled: frozenset[str] = frozenset()) -> tuple[list[tuple[str, str]], int]:
    """(member, what differs) for each function-pointer member of the module's struct
    *mine_id* whose return or parameter points to a struct/union of another name than the
    kernel's at the same place (a renamed type: ``#define queue_limits kb_queue_limits``) and
    of another layout: the kernel calls the module's function with a pointer to its own
    struct, the module reads and writes it as the other; likewise a data member pointing to
    such a struct (kernel and module read the same object as two types). *kernel*: the kernel's definitions of
    the same struct (one agreeing is enough, as for layouts); *blobs*: the kernel's BTF
    (vmlinux and the module's dependencies) to find a pointee the struct only declares.

    A pointee of the same name is the by-value check's (every named struct is compared); a
    pointee the module only declares is opaque to it. A shim's ``extends`` declaration holds
    for a pointee too, ``grows`` only for a data pointer (a callback's argument the kernel
    allocated). Also returns how many members had such a renamed pointee (compared).

    *respelled*: the members of this struct a shim declared ``renames`` (the kernel's slot
    stands in the module under another name, its type proven by the shim's static_asserts):
    the module's member of that name is the driver's view of the slot, never what the kernel
    calls, so it is not compared with the kernel's.
    """
    allowed = allowed or {}
    renamed = renamed or {}
    memo = {} if memo is None else memo
    mine_cbs = _pointers(mine, mine_id)
    if not mine_cbs:
        return [], 0
    kernel_cbs = [(b, _pointers(b, tid)) for b, tid in kernel]
    out: list[tuple[str, str]] = []
    compared = 0
    for member, sig in mine_cbs.items():
        if member in respelled:
            continue
        if not any(p is not None and p[1] is not None for _, p in sig):
            continue
        first: tuple[str, str] | None = None
        agreed = renamed_here = False
        for kblob, kcbs in kernel_cbs:
            ksig = kcbs.get(member)
            if ksig is None:
                continue
            diff: tuple[str, str] | None = None
            if ksig[0][0] != sig[0][0]:
                continue        # a data pointer here, a function pointer there: by-value check's
            for (where, m), (_, k) in zip(sig, ksig):
                if m is None or k is None or m[1] is None or m[0] == k[0]:
                    continue
                key = (id(mine), m[1], id(kblob), k)
                renamed_here = True
                if key not in memo:
                    theirs = _pointee_layouts(k[0], blobs, k[1], kblob)
                    lay = mine.layout(m[1])
                    how = allowed.get(k[0])
                    if how == GROWS and where != "the pointer":
                        how = EXTENDS       # the kernel allocated what it passes to a callback
                    diffs = [first_difference(lay, t, allowed=how, renamed=renamed.get(k[0], frozenset()),
                                              renamed_in=renamed)
                             for t in theirs]
                    memo[key] = None if not diffs or any(d is None for d in diffs) else diffs[0]
                found = memo[key]
                if found is not None:
                    inner, what = found
                    diff = (member, f"{where} points to {m[0]} here, {k[0]} in the kernel, laid out "
                                    f"differently: {inner + ': ' if inner else ''}{what}")
                    break
            if diff is None:
                agreed = True
                break
            first = first or diff
        compared += renamed_here
        if not agreed and first is not None:
            out.append(first)
    return out, compared


def check(kos: list[Path], release: str, *, own_types: frozenset[str] = frozenset(),
          allowed: dict[str, str] | None = None, cache: Path | None = None,
          renamed: dict[str, frozenset[str]] | None = None) -> AbiReport:
    """Compare every kernel struct/union that *kos*' debug info describes with kernel *release*'s BTF.

    *own_types*: "struct NAME" defined by the driver's own files (skipped); *allowed*: the
    extensions the OUT's shims declare (:func:`extensions`).
    """
    allowed = allowed or {}
    renamed = renamed or {}
    from kbridge.actions.guest.initramfs import module_depends, module_name
    start = time.monotonic()
    kernel = _kernel(release, cache)
    report = AbiReport(release=release)
    for ko in sorted(kos):
        report.modules.append(ko.name)
        me = module_name(ko)
        deps = kernel.index.closure([d for d in module_depends(ko) if d != me])
        if me in kernel.index.paths:
            report.twins.append(me)
            if me not in deps:
                deps.append(me)     # the kernel's own build of this module: its headers' types
        report.kernel_modules += [d for d in deps if d not in report.kernel_modules]
        dep_layouts = [kernel.module_layouts(d) for d in deps]
        blobs = [kernel.vmlinux] + [b for b in (kernel.module_btf(d) for d in deps) if b is not None]
        memo: dict = {}
        mod = module_btf(ko)
        for title, variants in sorted(mod.layouts().items()):
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
                report.undescribed_types.append(title)
                continue
            report.checked += 1
            for mine in variants:
                diffs = [first_difference(mine, k, allowed=allowed.get(title),
                                          renamed=renamed.get(title, frozenset()),
                                          renamed_in=renamed) for k in candidates]
                if any(d is None for d in diffs):
                    continue
                member, detail = diffs[0]  # type: ignore[misc]
                report.mismatches.append(Mismatch(ko.name, title, member, detail))
                break
            # callbacks: the structs their parameters point to (the kernel passes its own)
            kernel_ids = [(b, i) for b in blobs for i in b.ids_of(title)]
            seen: set[str] = set()
            for tid in mod.ids_of(title):
                found, compared = callback_differences(mod, tid, kernel_ids, blobs, allowed=allowed,
                                                       renamed=renamed, memo=memo,
                                                       respelled=(renamed or {}).get(title, frozenset()))
                report.callbacks += compared
                for member, detail in found:
                    if member not in seen:
                        seen.add(member)
                        report.mismatches.append(Mismatch(ko.name, title, member, detail))
    report.seconds = time.monotonic() - start
    return report


def check_build(build_dir: Path, release: str, driver: Driver, *, rules: list[str] = (),  # type: ignore[assignment]
                cache: Path | None = None) -> AbiReport:
    """:func:`check` for every .ko a kbuild run of *driver* (bridged with the shims of *rules*)
    left in *build_dir*; the types *driver*'s own files define are skipped."""
    kos = sorted(p for p in build_dir.rglob("*.ko") if p.is_file())
    if not kos:
        raise KbridgeError(f"{build_dir}: no .ko built, nothing to check")
    return check(kos, release, own_types=driver_types(driver), allowed=extensions(list(rules)),
                 renamed=renamed_members(list(rules)), cache=cache)



# --- where the check runs: matrix cells and kbridge bridge ---------------------------------

def judge(result, build_dir: Path, tree, driver: Driver, *,  # type: ignore[no-untyped-def]
          rules: list[str] = (), cache: Path | None = None) -> AbiReport | None:
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
        rep = check_build(build_dir, tree.release, driver, rules=rules, cache=cache)
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
              rules: list[str] = (), cache: Path | None = None) -> list:
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
            judge(res, built, tree, driver, rules=rules, cache=cache)
        results.append(res)
    return results


__all__ = ["AbiReport", "Mismatch", "check", "check_build", "check_out", "defined_types", "driver_types",
           "extensions",
           "first_difference", "judge", "module_btf"]
