"""BTF (the kernel's BPF Type Format) read directly: struct and union layouts.

BTF is a small binary format (Documentation/bpf/btf.rst): a header, a type
section of variable-length records and a string section. A Debian kernel
carries it in vmlinux's ``.BTF`` section (CONFIG_DEBUG_INFO_BTF) and each
module carries *split* BTF in its own ``.BTF``: type ids and string offsets
continue those of vmlinux, its base. kbridge reads it with :mod:`struct` --
no text output of a tool to parse -- and keeps only what a layout check
needs: for every struct and union, its size and members (name, bit offset,
bit-field width, the member type's size, and nested layouts of by-value
struct/union members).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from kbridge.errors import KbridgeError

MAGIC = 0xEB9F

# kinds (include/uapi/linux/btf.h)
INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT = range(1, 12)
FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 = range(12, 20)

_MODIFIERS = frozenset({TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG})


@dataclass(frozen=True)
class Type:
    kind: int
    name: str
    size_or_type: int            # size for INT/STRUCT/UNION/ENUM/FLOAT/..., type id for PTR/TYPEDEF/...
    kind_flag: bool
    members: tuple[tuple[str, int, int], ...] = ()   # STRUCT/UNION: (name, type id, raw offset)
    array: tuple[int, int] | None = None             # ARRAY: (element type id, nelems)
    params: tuple[int, ...] = ()                     # FUNC_PROTO: the parameters' type ids


@dataclass(frozen=True)
class Member:
    name: str                    # "" for an anonymous struct/union member
    bit_offset: int
    bitfield_size: int           # 0: not a bit-field
    type_size: int | None        # size of the member's type (None: incomplete/function)
    type_name: str = field(compare=False)   # for messages only: "struct snd_pcm_ops", "int"
    nested: "Layout | None"      # the layout of a by-value struct/union (arrays: of the element)


@dataclass(frozen=True)
class Layout:
    kind: str                    # "struct" | "union"
    # "" when anonymous; not compared: a by-value member of another name but the
    # kernel's layout (a layout-compatible kb_ type) is the kernel's layout
    name: str = field(compare=False)
    size: int = 0
    members: tuple[Member, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.kind} {self.name or '(anonymous)'}"


class Btf:
    """One BTF blob (with its base, for split BTF): types by id, layouts by name."""

    def __init__(self, data: bytes, base: "Btf | None" = None, *, label: str = "BTF") -> None:
        self.label = label
        self.base = base
        if len(data) < 24:
            raise KbridgeError(f"{label}: BTF too short ({len(data)} bytes)")
        magic, _version, _flags, hdr_len = struct.unpack_from("<HBBI", data, 0)
        if magic != MAGIC:
            raise KbridgeError(f"{label}: not BTF (magic {magic:#x}; big-endian BTF is not read)")
        type_off, type_len, str_off, str_len = struct.unpack_from("<IIII", data, 8)
        types = data[hdr_len + type_off:hdr_len + type_off + type_len]
        self._strings = data[hdr_len + str_off:hdr_len + str_off + str_len]
        self._str_base = base._str_end if base else 0
        self._str_end = self._str_base + len(self._strings)
        self.first_id = base.next_id if base else 1      # id 0 is void
        self._types: list[Type] = []
        self._parse(types)
        self.next_id = self.first_id + len(self._types)
        self._layouts: dict[int, Layout] = {}
        self._titles: dict[str, list[int]] | None = None

    # -- reading ---------------------------------------------------------------

    def _str(self, off: int) -> str:
        if off < self._str_base:
            assert self.base is not None
            return self.base._str(off)
        off -= self._str_base
        end = self._strings.find(b"\0", off)
        return self._strings[off:end if end >= 0 else len(self._strings)].decode(errors="replace")

    def _parse(self, buf: bytes) -> None:
        pos, n = 0, len(buf)
        while pos < n:
            name_off, info, size_or_type = struct.unpack_from("<III", buf, pos)
            pos += 12
            kind = (info >> 24) & 0x1F
            vlen = info & 0xFFFF
            kflag = bool(info >> 31)
            name = self._str(name_off) if name_off else ""
            members: tuple[tuple[str, int, int], ...] = ()
            array = None
            params: tuple[int, ...] = ()
            if kind in (INT, VAR, DECL_TAG):
                pos += 4
            elif kind == ARRAY:
                elem, _index, nelems = struct.unpack_from("<III", buf, pos)
                array = (elem, nelems)
                pos += 12
            elif kind in (STRUCT, UNION):
                ms = []
                for _ in range(vlen):
                    m_name, m_type, m_off = struct.unpack_from("<III", buf, pos)
                    ms.append((self._str(m_name) if m_name else "", m_type, m_off))
                    pos += 12
                members = tuple(ms)
            elif kind == ENUM:
                pos += 8 * vlen
            elif kind == FUNC_PROTO:
                params = tuple(struct.unpack_from("<II", buf, pos + 8 * i)[1] for i in range(vlen))
                pos += 8 * vlen
            elif kind in (DATASEC, ENUM64):
                pos += 12 * vlen
            elif kind in (PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG):
                pass
            else:
                raise KbridgeError(f"{self.label}: unknown BTF kind {kind} (a newer BTF than kbridge reads)")
            self._types.append(Type(kind, name, size_or_type, kflag, members, array, params))

    def type(self, tid: int) -> Type | None:
        if tid < self.first_id:
            return self.base.type(tid) if self.base and tid > 0 else None
        i = tid - self.first_id
        return self._types[i] if i < len(self._types) else None

    def own_ids(self) -> range:
        """The ids of the types this blob defines (not its base's)."""
        return range(self.first_id, self.next_id)

    # -- layouts ---------------------------------------------------------------

    def _resolve(self, tid: int) -> tuple[int, Type | None]:
        seen = 0
        t = self.type(tid)
        while t is not None and t.kind in _MODIFIERS and seen < 64:
            tid, t, seen = t.size_or_type, self.type(t.size_or_type), seen + 1
        return tid, t

    def size_of(self, tid: int) -> int | None:
        tid, t = self._resolve(tid)
        if t is None:
            return None
        if t.kind in (INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC):
            return t.size_or_type
        if t.kind == PTR:
            return 8
        if t.kind == ARRAY and t.array is not None:
            elem = self.size_of(t.array[0])
            return None if elem is None else elem * t.array[1]
        return None

    def type_name(self, tid: int) -> str:
        """A short C spelling of the member's type, for messages."""
        t = self.type(tid)
        if t is None:
            return "void"
        if t.kind in (STRUCT, UNION):
            return f"{'struct' if t.kind == STRUCT else 'union'} {t.name}" if t.name else ""
        if t.kind in (ENUM, ENUM64):
            return f"enum {t.name}"
        if t.kind == PTR:
            return self.type_name(t.size_or_type) + " *"
        if t.kind == ARRAY and t.array is not None:
            return f"{self.type_name(t.array[0])}[{t.array[1]}]"
        if t.kind in (CONST, VOLATILE, RESTRICT, TYPE_TAG):
            return self.type_name(t.size_or_type)
        if t.kind == FUNC_PROTO:
            return "function"
        return t.name

    def layout(self, tid: int) -> Layout:
        """The layout of struct/union *tid*, by-value struct/union members nested."""
        hit = self._layouts.get(tid)
        if hit is not None:
            return hit
        t = self.type(tid)
        assert t is not None and t.kind in (STRUCT, UNION)
        members = []
        for name, mtype, raw in t.members:
            bit_offset, bits = (raw & 0xFFFFFF, raw >> 24) if t.kind_flag else (raw, 0)
            inner_id, inner = self._resolve(mtype)
            while inner is not None and inner.kind == ARRAY and inner.array is not None:
                inner_id, inner = self._resolve(inner.array[0])
            nested = self.layout(inner_id) if inner is not None and inner.kind in (STRUCT, UNION) else None
            members.append(Member(name, bit_offset, bits, self.size_of(mtype),
                                  self.type_name(mtype), nested))
        out = Layout("struct" if t.kind == STRUCT else "union", t.name, t.size_or_type, tuple(members))
        self._layouts[tid] = out
        return out

    def layouts(self) -> dict[str, list[Layout]]:
        """Every named, complete struct and union this blob defines: "struct NAME" -> layouts
        (a name can have several: same-named types of different files that differ)."""
        out: dict[str, list[Layout]] = {}
        for tid in self.own_ids():
            t = self.type(tid)
            if t is not None and t.kind in (STRUCT, UNION) and t.name:
                lay = self.layout(tid)
                key = lay.title
                if lay not in out.setdefault(key, []):
                    out[key].append(lay)
        return out

    # -- callbacks: function pointers and the structs their parameters point to ----------------

    def ids_of(self, title: str) -> list[int]:
        """The ids of the complete structs/unions named *title* ("struct NAME") this blob
        defines (not its base's); the index is built once, on first use."""
        if self._titles is None:
            titles: dict[str, list[int]] = {}
            for tid in self.own_ids():
                t = self._types[tid - self.first_id]
                if t.kind in (STRUCT, UNION) and t.name:
                    titles.setdefault(f"{'struct' if t.kind == STRUCT else 'union'} {t.name}", []).append(tid)
            self._titles = titles
        return self._titles.get(title, [])

    def pointee(self, tid: int) -> tuple[str, int | None] | None:
        """For a pointer to a struct/union (through typedefs and qualifiers on either side of
        the ``*``): ("struct NAME", its id, None when declared only); None for anything else."""
        _, t = self._resolve(tid)
        if t is None or t.kind != PTR:
            return None
        inner_id, inner = self._resolve(t.size_or_type)
        if inner is None:
            return None
        if inner.kind in (STRUCT, UNION):
            return f"{'struct' if inner.kind == STRUCT else 'union'} {inner.name}", inner_id
        if inner.kind == FWD:        # kind_flag: a union
            return f"{'union' if inner.kind_flag else 'struct'} {inner.name}", None
        return None

    def pointer_members(self, tid: int) -> dict[str, tuple[str, int | None]]:
        """The members of struct/union *tid* (as C reaches them) that point to a struct/union:
        name -> its :meth:`pointee`."""
        out: dict[str, tuple[str, int | None]] = {}
        t = self.type(tid)
        if t is None or t.kind not in (STRUCT, UNION):
            return out
        for name, mtype, _raw in t.members:
            if not name:
                inner_id, m = self._resolve(mtype)
                if m is not None and m.kind in (STRUCT, UNION) and not m.name:
                    for k, v in self.pointer_members(inner_id).items():
                        out.setdefault(k, v)
                continue
            p = self.pointee(mtype)
            if p is not None:
                out.setdefault(name, p)
        return out

    def callbacks(self, tid: int) -> dict[str, tuple[tuple[str, int | None] | None, ...]]:
        """The function-pointer members of struct/union *tid*, as C reaches them (through
        anonymous struct/union members): name -> (return, parameter 1, 2, ...), each the
        :meth:`pointee` of that type (None: not a pointer to a struct/union)."""
        out: dict[str, tuple[tuple[str, int | None] | None, ...]] = {}
        t = self.type(tid)
        if t is None or t.kind not in (STRUCT, UNION):
            return out
        for name, mtype, _raw in t.members:
            _, m = self._resolve(mtype)
            if not name:
                if m is not None and m.kind in (STRUCT, UNION) and not m.name:
                    for k, v in self.callbacks(self._resolve(mtype)[0]).items():
                        out.setdefault(k, v)
                continue
            if m is None or m.kind != PTR:
                continue
            _, proto = self._resolve(m.size_or_type)
            if proto is None or proto.kind != FUNC_PROTO:
                continue
            out.setdefault(name, tuple(self.pointee(p) if p else None
                                       for p in (proto.size_or_type, *proto.params)))
        return out


# --- where BTF lives ---------------------------------------------------------------

def elf_section(data: bytes, name: str, *, label: str = "ELF") -> bytes | None:
    """The contents of section *name* of a little-endian ELF64 file, None when it has none."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise KbridgeError(f"{label}: not a little-endian 64-bit ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def header(i: int) -> tuple[int, int, int]:
        sh_name, _type, _flags, _addr, off, size = struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
        return sh_name, off, size

    _, str_off, str_size = header(shstrndx)
    names = data[str_off:str_off + str_size]
    want = name.encode()
    for i in range(shnum):
        sh_name, off, size = header(i)
        end = names.find(b"\0", sh_name)
        if names[sh_name:end] == want:
            return data[off:off + size]
    return None


def read_module_file(path: Path) -> bytes:
    """A module's bytes, decompressed when it is .ko.xz / .ko.zst / .ko.gz."""
    import gzip
    import lzma
    import subprocess
    if path.suffix == ".xz":
        with lzma.open(path) as fh:
            return fh.read()
    if path.suffix == ".gz":
        return gzip.decompress(path.read_bytes())
    if path.suffix == ".zst":
        proc = subprocess.run(["zstd", "-q", "-d", "-c", str(path)], capture_output=True)
        if proc.returncode != 0:
            raise KbridgeError(f"{path}: cannot decompress (install zstd)")
        return proc.stdout
    return path.read_bytes()


def from_elf(path: Path, base: Btf | None = None) -> Btf | None:
    """The BTF of an ELF file (vmlinux, or a module with *base* = vmlinux's), None without .BTF."""
    sec = elf_section(read_module_file(path), ".BTF", label=str(path))
    return None if sec is None else Btf(sec, base, label=str(path))


__all__ = ["Btf", "Layout", "Member", "elf_section", "from_elf", "read_module_file"]
