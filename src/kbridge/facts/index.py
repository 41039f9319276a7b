"""The API a kernel tree offers to modules, as a cached SQLite index.

Public query API (stable; other parts of kbridge build on it)::

    from kbridge.facts.index import open_index
    idx = open_index(tree)                 # KernelTree -> ApiIndex (builds or loads the cache)
    idx.function("blk_mq_alloc_disk")      # Function | None
    idx.macro("blk_mq_alloc_disk")         # Macro | None   (params None = object-like)
    idx.struct("queue_limits")             # Struct | None  (members: list[Member])
    idx.member("queue_limits", "features") # Member | None
    idx.enum("req_op"), idx.enum_constant("REQ_OP_READ"), idx.typedef("blk_mode_t")
    idx.has_header("net/page_pool/types.h")  # path as written in #include <...>
    idx.is_exported("blk_mq_alloc_disk_for_queue")
    idx.lookup("name")                     # every declaration of any kind, best first

A name declared more than once (per-config variants such as an extern
prototype under ``#ifdef CONFIG_X`` and a static inline stub under ``#else``,
or per-arch copies) is returned *active one first*: the variant whose ``#if``
condition is true for the tree's .config, then those whose condition cannot be
evaluated (``active is None``; always the case in a bare tree without .config),
then inactive ones. ``functions(name)`` / ``macros(name)`` ... return all
variants in that order; the singular methods return the first.

What is indexed: every ``.h`` under ``include/`` and ``arch/<arch>/include/``
(``x86`` unless the tree's .config says otherwise) of the tree's source root,
plus the generated headers of the build tree. Debian splits a headers package
in two: the per-flavour tree (``linux-headers-R-amd64``: .config, Module.symvers,
include/generated, arch/x86/include/generated) and the shared -common tree with
the real headers, which the flavour's Makefile ``include``s; both are read (see
:func:`source_roots`). Declarations come from :mod:`kbridge.facts.cparse`
(tree-sitter-c); exports from Module.symvers, else from EXPORT_SYMBOL* lines in
the tree's .c files.

The cache: one database per *tree fingerprint* (paths, sizes and mtimes of
every indexed file, the .config, Module.symvers, the schema and parser
versions) under ``<cache>/index/``. It is built into a temporary file and
renamed into place only when complete, under an exclusive lock so that two
processes indexing the same tree do the work once and both succeed. On open it
is verified (SQLite header, schema version, completeness marker, file size =
page_size x page_count); a corrupt or truncated file is rebuilt. After a build,
the same tree's indexes of older fingerprints are deleted. Besides the tables
behind the queries above, each database has an ``api`` table with one
representative declaration per (kind, name), chosen at build time in the order
lookups use; :mod:`kbridge.facts.apidiff` diffs two trees by joining those.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kbridge.errors import KbridgeError
from kbridge.facts import cparse
from kbridge.facts.targets import KernelTree, inspect, source_tree
from kbridge.storage import cache_root

SCHEMA_VERSION = 2
FORMAT = f"kbridge-index-{SCHEMA_VERSION}.{cparse.PARSER_VERSION}"

KINDS = ("function", "macro", "struct", "member", "enum", "enum_constant", "typedef", "header",
         "export")


# ------------------------------------------------------------------ public records

@dataclass(frozen=True)
class Param:
    type: str          # "struct request_queue *"
    name: str          # "" when the prototype leaves it out


@dataclass(frozen=True)
class Function:
    name: str
    return_type: str
    params: tuple[Param, ...]
    variadic: bool
    inline: bool                 # defined in the header (static inline), else an extern prototype
    prototype: str               # as one line, attributes dropped
    file: str                    # relative to the tree's source root: "include/linux/blkdev.h"
    line: int
    exported: bool               # EXPORT_SYMBOL*'d (Module.symvers / sources)
    condition: str | None        # "defined(CONFIG_X) && !(IS_ENABLED(CONFIG_Y))", None if unconditional
    active: bool | None          # the condition under the tree's .config; None = unknown

    @property
    def arity(self) -> int:
        return len(self.params)

    @property
    def kind(self) -> str:
        return "function"

    def signature(self) -> tuple[Any, ...]:
        """What a caller depends on: return type, parameter types, variadic."""
        return (self.return_type, tuple(p.type for p in self.params), self.variadic)


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...] | None   # None = object-like
    variadic: bool
    body: str
    file: str
    line: int
    condition: str | None
    active: bool | None

    @property
    def kind(self) -> str:
        return "macro"

    @property
    def function_like(self) -> bool:
        return self.params is not None

    @property
    def arity(self) -> int | None:
        return None if self.params is None else len(self.params)

    @property
    def definition(self) -> str:
        head = self.name
        if self.params is not None:
            ps = list(self.params) + (["..."] if self.variadic else [])
            head += "(" + ", ".join(ps) + ")"
        return f"#define {head} {self.body}".rstrip()

    def signature(self) -> tuple[Any, ...]:
        return (self.params is not None, self.arity, self.variadic)


@dataclass(frozen=True)
class Member:
    name: str
    type: str            # canonical type, name left out: "int (*)(struct console *, char *)"
    bits: str | None     # bitfield width as written ("1", "BITS_PER_LONG - 3"), else None
    line: int
    condition: str | None
    active: bool | None
    decl: str = ""       # as declared: "int (*read)(struct console *co, char *s)"


@dataclass(frozen=True)
class Struct:
    name: str
    kind: str            # "struct" or "union"
    members: tuple[Member, ...]
    file: str
    line: int
    condition: str | None
    active: bool | None

    def member(self, name: str) -> Member | None:
        found = [m for m in self.members if m.name == name]
        found.sort(key=lambda m: _rank(m.active))
        return found[0] if found else None


@dataclass(frozen=True)
class EnumConstant:
    name: str
    enum: str | None     # the enum's tag, None for an anonymous enum
    value: str | None    # as written, None when implicit
    file: str
    line: int
    condition: str | None
    active: bool | None

    @property
    def kind(self) -> str:
        return "enum_constant"


@dataclass(frozen=True)
class Enum:
    name: str
    constants: tuple[str, ...]
    file: str
    line: int
    condition: str | None
    active: bool | None

    @property
    def kind(self) -> str:
        return "enum"


@dataclass(frozen=True)
class Typedef:
    name: str
    type: str            # canonical aliased type
    file: str
    line: int
    condition: str | None
    active: bool | None
    decl: str = ""       # as declared, without the keyword: "unsigned int blk_mode_t"

    @property
    def kind(self) -> str:
        return "typedef"


@dataclass(frozen=True)
class Header:
    path: str            # as in #include <...>: "linux/blkdev.h", "asm/page.h", "generated/autoconf.h"
    file: str            # relative to its tree: "include/linux/blkdev.h"
    generated: bool

    @property
    def kind(self) -> str:
        return "header"


@dataclass(frozen=True)
class Export:
    name: str
    how: str             # "EXPORT_SYMBOL", "EXPORT_SYMBOL_GPL", ...
    module: str | None   # "vmlinux" or the module path (Module.symvers)
    namespace: str | None

    @property
    def kind(self) -> str:
        return "export"


@dataclass(frozen=True)
class CleanupClass:
    """A scope-based cleanup class or free function (<linux/cleanup.h>) a header defines by a
    top-level invocation -- ``DEFINE_GUARD(mutex, struct mutex *, mutex_lock(_T),
    mutex_unlock(_T))`` at include/linux/mutex.h:N -- which no declaration table holds (the
    names it defines are pasted: class_mutex_t, class_mutex_constructor, __free_kfree)."""

    ident: str                  # what it defines that a user names: class_mutex_t, __free_kfree
    kind: str                   # "class" (guard/scoped_guard/CLASS) or "free" (__free)
    name: str                   # mutex_intr: the class name (base + extension for *_COND/EXTEND)
    macro: str                  # DEFINE_GUARD_COND
    args: tuple[str, ...]       # the invocation's arguments, whitespace normalized
    base: str                   # the class a *_COND / EXTEND_CLASS extends ("mutex"), else ""
    file: str                   # as the files table has it (include/linux/mutex.h)
    line: int
    text: str                   # the invocation as written (continuation lines included)

    @property
    def signature(self) -> tuple[str, ...]:
        return (self.macro, *self.args)


# the class-defining macros of <linux/cleanup.h>, 6.5 .. 7.3 (commit 54da6a092431, "locking:
# Introduce __cleanup() based infrastructure", v6.5; *_COND and EXTEND_CLASS grew later)
CLEANUP_DEFINERS = ("DEFINE_GUARD", "DEFINE_GUARD_COND", "DEFINE_FREE", "DEFINE_CLASS",
                    "DEFINE_LOCK_GUARD_0", "DEFINE_LOCK_GUARD_1", "DEFINE_LOCK_GUARD_0_COND",
                    "DEFINE_LOCK_GUARD_1_COND", "EXTEND_CLASS")
_DEFINER = re.compile(rb"^[ \t]*(" + b"|".join(d.encode() for d in CLEANUP_DEFINERS) + rb")[ \t]*\(", re.M)


def _split_args(text: str) -> list[str] | None:
    """The top-level comma-separated arguments of ``NAME(...)`` at the start of *text*."""
    i = text.find("(")
    depth, cur, out, j = 0, [], [], i
    while j < len(text):
        c = text[j]
        if c in "\"'":
            k = j + 1
            while k < len(text) and text[k] != c:
                k += 2 if text[k] == "\\" else 1
            cur.append(text[j:k + 1])
            j = k + 1
            continue
        if c == "(":
            depth += 1
            if depth == 1:
                j += 1
                continue
        elif c == ")":
            depth -= 1
            if depth == 0:
                out.append("".join(cur))
                return [" ".join(a.split()) for a in out]
        elif c == "," and depth == 1:
            out.append("".join(cur))
            cur = []
            j += 1
            continue
        cur.append(c)
        j += 1
    return None


def cleanup_classes_of(data: bytes, file: str) -> list[CleanupClass]:
    """The top-level DEFINE_* class invocations of one header's text (a line inside a
    ``#define`` -- the previous line ends in a backslash -- is a macro's body, not one)."""
    out: list[CleanupClass] = []
    if b"DEFINE_" not in data and b"EXTEND_CLASS" not in data:
        return out
    for m in _DEFINER.finditer(data):
        start = m.start()
        prev_end = data.rfind(b"\n", 0, start)
        if prev_end > 0 and data[:prev_end].rstrip(b" \t\r").endswith(b"\\"):
            continue
        text_b = data[start:start + 4000]
        try:
            text = text_b.decode()
        except UnicodeDecodeError:
            text = text_b.decode(errors="replace")
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        args = _split_args(text)
        if not args or not re.fullmatch(r"[A-Za-z_]\w*", args[0]):
            continue
        macro = m.group(1).decode()
        # the invocation as written: up to its closing parenthesis
        depth, end = 0, 0
        raw = data[start:start + 4000].decode(errors="replace")
        for k, ch in enumerate(raw):
            depth += (ch == "(") - (ch == ")")
            if ch == ")" and depth == 0:
                end = k + 1
                break
        base, name = "", args[0]
        if macro.endswith("_COND") or macro == "EXTEND_CLASS":
            if len(args) < 2 or not re.fullmatch(r"\w*", args[1]):
                continue
            base, name = args[0], args[0] + args[1]
        kind = "free" if macro == "DEFINE_FREE" else "class"
        ident = f"__free_{name}" if kind == "free" else f"class_{name}_t"
        line = data.count(b"\n", 0, start) + 1
        out.append(CleanupClass(ident, kind, name, macro, tuple(args), base, file, line, raw[:end]))
    return out


def _rank(active: bool | None) -> int:
    return 0 if active is True else 1 if active is None else 2


def _active(v: int | None) -> bool | None:
    return None if v is None else bool(v)


# ------------------------------------------------------------------------- schema

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE headers(path TEXT, file TEXT, generated INTEGER);
CREATE TABLE functions(name TEXT, return_type TEXT, params TEXT, arity INTEGER, variadic INTEGER,
    inline INTEGER, prototype TEXT, file TEXT, line INTEGER, condition TEXT, active INTEGER);
CREATE TABLE macros(name TEXT, params TEXT, variadic INTEGER, body TEXT, file TEXT, line INTEGER,
    condition TEXT, active INTEGER);
CREATE TABLE structs(id INTEGER PRIMARY KEY, name TEXT, kind TEXT, file TEXT, line INTEGER,
    condition TEXT, active INTEGER);
CREATE TABLE members(struct_id INTEGER, pos INTEGER, name TEXT, type TEXT, bits TEXT, line INTEGER,
    condition TEXT, active INTEGER, decl TEXT);
CREATE TABLE enums(id INTEGER PRIMARY KEY, name TEXT, file TEXT, line INTEGER, condition TEXT,
    active INTEGER);
CREATE TABLE enum_constants(enum_id INTEGER, name TEXT, value TEXT, file TEXT, line INTEGER,
    condition TEXT, active INTEGER);
CREATE TABLE typedefs(name TEXT, type TEXT, file TEXT, line INTEGER, condition TEXT, active INTEGER,
    decl TEXT);
-- One representative declaration per (kind, name), chosen at build time (active first,
-- then unknown, then inactive; then file, line): what `kbridge diff` compares.
-- sig: what callers depend on (compared); shown: the declaration as displayed.
CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT, header TEXT);
CREATE TABLE api(kind TEXT, name TEXT, sig TEXT, shown TEXT, file INTEGER, line INTEGER,
    PRIMARY KEY(kind, name)) WITHOUT ROWID;
CREATE TABLE exports(name TEXT PRIMARY KEY, how TEXT, module TEXT, namespace TEXT);
CREATE TABLE problems(file TEXT, line INTEGER, kind TEXT, snippet TEXT);
CREATE TABLE stats(file TEXT, key TEXT, count INTEGER);
"""
_INDEXES = """
CREATE INDEX headers_path ON headers(path);
CREATE INDEX functions_name ON functions(name);
CREATE INDEX macros_name ON macros(name);
CREATE INDEX structs_name ON structs(name);
CREATE INDEX members_struct ON members(struct_id);
CREATE INDEX enums_name ON enums(name);
CREATE INDEX enum_constants_name ON enum_constants(name);
CREATE INDEX typedefs_name ON typedefs(name);
"""
_ORDER = "ORDER BY (active IS 1) DESC, (active IS NULL) DESC, file, line"


# ------------------------------------------------------------------- the index

class ApiIndex:
    """Read-only queries over one tree's index (see the module docstring)."""

    def __init__(self, db_path: Path, tree: KernelTree | None = None) -> None:
        self.path = db_path
        self.tree = tree
        uri = f"file:{db_path}?mode=ro&immutable=1"
        self.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self.meta = dict(self.db.execute("SELECT key, value FROM meta"))
        self._exports: dict[str, Export] | None = None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ApiIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- facts about the index itself
    @property
    def has_config(self) -> bool:
        return self.meta.get("has_config") == "1"

    @property
    def exports_source(self) -> str | None:
        """"Module.symvers", "sources" or None when the tree offers no export information."""
        return self.meta.get("exports_source") or None

    # -- functions
    def functions(self, name: str) -> list[Function]:
        rows = self.db.execute(f"SELECT * FROM functions WHERE name=? {_ORDER}", (name,)).fetchall()
        return [self._function(r) for r in rows]

    def function(self, name: str) -> Function | None:
        found = self.functions(name)
        return found[0] if found else None

    def _function(self, r: tuple) -> Function:
        name, ret, params, _arity, variadic, inline, proto, file, line, cond, active = r
        return Function(name, ret, tuple(Param(t, n) for t, n in json.loads(params)), bool(variadic),
                        bool(inline), proto, file, line, self.is_exported(name), cond, _active(active))

    # -- macros
    def macros(self, name: str) -> list[Macro]:
        rows = self.db.execute(f"SELECT * FROM macros WHERE name=? {_ORDER}", (name,)).fetchall()
        return [self._macro(r) for r in rows]

    def macro(self, name: str) -> Macro | None:
        found = self.macros(name)
        return found[0] if found else None

    @staticmethod
    def _macro(r: tuple) -> Macro:
        name, params, variadic, body, file, line, cond, active = r
        return Macro(name, None if params is None else tuple(json.loads(params)), bool(variadic),
                     body, file, line, cond, _active(active))

    # -- structs and unions
    def structs(self, name: str) -> list[Struct]:
        rows = self.db.execute(f"SELECT * FROM structs WHERE name=? {_ORDER}", (name,)).fetchall()
        return [self._struct(r) for r in rows]

    def struct(self, name: str) -> Struct | None:
        found = self.structs(name)
        return found[0] if found else None

    def member(self, struct: str, member: str) -> Member | None:
        s = self.struct(struct)
        return s.member(member) if s is not None else None

    def _struct(self, r: tuple) -> Struct:
        sid, name, kind, file, line, cond, active = r
        members = tuple(Member(n, t, b, ln, c, _active(a), d) for n, t, b, ln, c, a, d in self.db.execute(
            "SELECT name, type, bits, line, condition, active, decl FROM members WHERE struct_id=? "
            "ORDER BY pos", (sid,)))
        return Struct(name, kind, members, file, line, cond, _active(active))

    # -- enums
    def enums(self, name: str) -> list[Enum]:
        rows = self.db.execute(f"SELECT * FROM enums WHERE name=? {_ORDER}", (name,)).fetchall()
        out = []
        for eid, ename, file, line, cond, active in rows:
            consts = tuple(n for (n,) in self.db.execute(
                "SELECT name FROM enum_constants WHERE enum_id=? ORDER BY rowid", (eid,)))
            out.append(Enum(ename, consts, file, line, cond, _active(active)))
        return out

    def enum(self, name: str) -> Enum | None:
        found = self.enums(name)
        return found[0] if found else None

    def enum_constants(self, name: str) -> list[EnumConstant]:
        rows = self.db.execute(
            "SELECT c.name, e.name, c.value, c.file, c.line, c.condition, c.active FROM enum_constants c "
            "JOIN enums e ON e.id = c.enum_id WHERE c.name=? "
            "ORDER BY (c.active IS 1) DESC, (c.active IS NULL) DESC, c.file, c.line", (name,)).fetchall()
        return [EnumConstant(n, e, v, f, ln, c, _active(a)) for n, e, v, f, ln, c, a in rows]

    def enum_constant(self, name: str) -> EnumConstant | None:
        found = self.enum_constants(name)
        return found[0] if found else None

    # -- typedefs
    def typedefs(self, name: str) -> list[Typedef]:
        rows = self.db.execute(f"SELECT * FROM typedefs WHERE name=? {_ORDER}", (name,)).fetchall()
        return [Typedef(*r[:4], r[4], _active(r[5]), r[6]) for r in rows]

    def typedef(self, name: str) -> Typedef | None:
        found = self.typedefs(name)
        return found[0] if found else None

    # -- headers
    def header(self, path: str) -> Header | None:
        """The header ``#include <path>`` finds (e.g. "linux/blkdev.h"), or None."""
        path = path.strip().strip("<>\"")
        r = self.db.execute("SELECT path, file, generated FROM headers WHERE path=? ORDER BY rowid",
                            (path,)).fetchone()
        return Header(r[0], r[1], bool(r[2])) if r else None

    def has_header(self, path: str) -> bool:
        return self.header(path) is not None

    def headers(self) -> list[Header]:
        return [Header(p, f, bool(g)) for p, f, g in
                self.db.execute("SELECT path, file, generated FROM headers ORDER BY path, rowid")]

    # -- cleanup classes (not in the database: read from the indexed headers' text once)
    def cleanup_classes(self) -> dict[str, list[CleanupClass]]:
        """ident (class_mutex_t, __free_kfree) -> every top-level DEFINE_* invocation of the
        tree's headers defining it, in file order (see :class:`CleanupClass`)."""
        if getattr(self, "_classes", None) is None:
            out: dict[str, list[CleanupClass]] = {}
            roots = source_roots(self.tree) if self.tree is not None else None
            bases = list(dict.fromkeys([roots.source, roots.build])) if roots is not None else []
            for (rel,) in self.db.execute("SELECT path FROM files ORDER BY id"):
                for base in bases:
                    try:
                        data = (base / rel).read_bytes()
                    except OSError:
                        continue
                    for c in cleanup_classes_of(data, rel):
                        out.setdefault(c.ident, []).append(c)
                    break
            self._classes = out
        return self._classes

    def cleanup_class(self, ident: str) -> CleanupClass | None:
        found = self.cleanup_classes().get(ident)
        return found[0] if found else None

    # -- exports
    def exports(self) -> dict[str, Export]:
        if self._exports is None:
            self._exports = {n: Export(n, h, m, ns) for n, h, m, ns in
                             self.db.execute("SELECT name, how, module, namespace FROM exports")}
        return self._exports

    def export(self, symbol: str) -> Export | None:
        r = self.db.execute("SELECT name, how, module, namespace FROM exports WHERE name=?",
                            (symbol,)).fetchone()
        return Export(*r) if r else None

    def is_exported(self, symbol: str) -> bool:
        return self.db.execute("SELECT 1 FROM exports WHERE name=?", (symbol,)).fetchone() is not None

    # -- any kind
    def lookup(self, name: str) -> list[Any]:
        """Every declaration of *name*: functions, macros, structs, enums, enum constants,
        typedefs, then the export; each kind active-first. ``struct.member`` finds a member
        as (Struct, Member) pairs."""
        if "/" in name or name.endswith(".h"):
            h = self.header(name)
            return [h] if h is not None else []
        if "." in name:
            sname, _, mname = name.partition(".")
            return [(s, m) for s in self.structs(sname) for m in s.members if m.name == mname]
        out: list[Any] = []
        out += self.functions(name)
        out += self.macros(name)
        out += self.structs(name)
        out += self.enums(name)
        out += self.enum_constants(name)
        out += self.typedefs(name)
        h = self.header(name)
        if h is not None:
            out.append(h)
        e = self.export(name)
        if e is not None:
            out.append(e)
        return out

    # -- statistics
    def stats(self) -> dict[str, Any]:
        counts = {t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("headers", "functions", "macros", "structs", "members", "enums",
                            "enum_constants", "typedefs", "exports")}
        parse = dict(self.db.execute("SELECT key, sum(count) FROM stats GROUP BY key ORDER BY key"))
        problems = dict(self.db.execute("SELECT kind, count(*) FROM problems GROUP BY kind ORDER BY kind"))
        files_with_problems = self.db.execute("SELECT count(DISTINCT file) FROM problems").fetchone()[0]
        return {"counts": counts, "parse": parse, "problems": problems,
                "files_with_problems": files_with_problems,
                "meta": {k: v for k, v in sorted(self.meta.items())}}

    def problems(self, limit: int = 20) -> list[tuple[str, int, str, str]]:
        return list(self.db.execute("SELECT file, line, kind, snippet FROM problems ORDER BY file, line "
                                    "LIMIT ?", (limit,)))


# -------------------------------------------------------------- tree layout

@dataclass(frozen=True)
class Roots:
    """Where a tree's API lives: the source root (real headers) and the build root (generated)."""

    source: Path
    build: Path
    arch: str
    config: Path | None
    symvers: Path | None


def _arch_dir(tree: KernelTree, source: Path) -> str:
    arch = tree.arch or ""
    for prefix, d in (("x86", "x86"), ("i386", "x86"), ("arm64", "arm64"), ("arm", "arm"),
                      ("powerpc", "powerpc"), ("s390", "s390"), ("riscv", "riscv")):
        if arch.startswith(prefix):
            return d
    return "x86" if (source / "arch/x86").is_dir() or not (source / "arch").is_dir() else \
        sorted(p.name for p in (source / "arch").iterdir() if p.is_dir())[0]


def source_roots(tree: KernelTree) -> Roots:
    """Find the headers of *tree*, following Debian's flavour/-common split.

    The flavour tree's Makefile is one line, ``include /usr/src/linux-headers-R-common/Makefile``;
    /lib/modules/R/source points at the same place.
    """
    build = tree.path
    source = source_tree(tree)
    if not (source / "include/linux").is_dir():
        raise KbridgeError(f"{build}: no kernel headers found (no include/linux, and the Makefile "
                           "includes no tree that has one); give a headers or source tree")
    config = build / ".config"
    symvers = build / "Module.symvers"
    return Roots(source=source, build=build, arch=_arch_dir(tree, source),
                 config=config if config.is_file() else None,
                 symvers=symvers if symvers.is_file() else None)


# The include roots of kbuild's LINUXINCLUDE, longest first: a file's include path is
# its path under the first root that contains it (include/uapi/linux/x.h -> linux/x.h).
# Where two files give the same include path, the one kbuild's -I order finds first
# (arch/ before include/, include/ before include/uapi/) sorts first, and lookups
# take the first.
def _include_roots(arch: str) -> list[tuple[str, bool]]:
    a = f"arch/{arch}/include"
    return [(f"{a}/generated/uapi", True), (f"{a}/generated", True), (f"{a}/uapi", False),
            (a, False), ("include/generated/uapi", True), ("include/uapi", False), ("include", False)]


def header_files(roots: Roots) -> list[tuple[Path, str, str, bool]]:
    """Every indexed header: (absolute path, file relative to its tree, include path, generated).

    Real headers come from the source root, generated ones (include/generated,
    arch/*/include/generated) from the build root; a generated header in the
    build root wins over a stale copy in the source root.
    """
    found: dict[str, tuple[Path, str, str, bool]] = {}
    nested = _include_roots(roots.arch)
    dirs: list[tuple[Path, str]] = []
    for base in dict.fromkeys([roots.source, roots.build]):
        for top in ("include", f"arch/{roots.arch}/include"):
            dirs.append((base, top))
    for base, top in dirs:
        top_dir = base / top
        if not top_dir.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(top_dir):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, base)
            if rel_dir.startswith("include/config"):
                dirnames[:] = []
                continue
            for fn in sorted(filenames):
                if not fn.endswith(".h"):
                    continue
                rel = f"{rel_dir}/{fn}"
                generated = "/generated/" in f"/{rel}" or rel.startswith("include/generated/")
                if base != roots.build and generated and roots.build != roots.source:
                    continue   # the build tree's generated headers are authoritative
                for root, _gen in nested:
                    if rel.startswith(root + "/"):
                        inc = rel[len(root) + 1:]
                        break
                else:
                    continue
                if root == "include" and inc.startswith("generated/"):
                    pass  # #include <generated/autoconf.h>
                found[rel] = (Path(dirpath) / fn, rel, inc, generated)
    return [found[k] for k in sorted(found)]


def _config_of(roots: Roots) -> cparse.CondEval:
    if roots.config is None:
        return cparse.CondEval(known=False)
    text = roots.config.read_text(errors="replace")
    cfg = cparse.read_config(text)
    bits = 64 if cfg.get("CONFIG_64BIT") == "y" else 32
    return cparse.CondEval(config=cfg, known=True, arch_bits=bits)


def fingerprint(roots: Roots, files: list[tuple[Path, str, str, bool]] | None = None) -> str:
    """Hash of everything the index depends on; the cache key."""
    h = hashlib.sha256()
    h.update(f"{FORMAT}\0{roots.source}\0{roots.build}\0{roots.arch}\0".encode())
    for extra in (roots.config, roots.symvers):
        if extra is not None:
            st = extra.stat()
            h.update(f"{extra}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    for path, rel, _inc, _gen in files if files is not None else header_files(roots):
        st = path.stat()
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()[:24]


# ------------------------------------------------------------------- building

# Headers whose macro definitions say which macros are attributes (see cparse).
_ATTRIBUTE_HEADERS = ("include/linux/compiler_attributes.h", "include/linux/compiler_types.h",
                      "include/linux/compiler-gcc.h", "include/linux/compiler.h",
                      "include/linux/compiler-context-analysis.h", "include/linux/linkage.h",
                      "include/linux/init.h", "include/linux/cache.h", "include/linux/types.h",
                      "include/linux/btf.h", "include/linux/kprobes.h", "include/linux/sched/debug.h",
                      "include/linux/cpu.h", "include/linux/rcupdate.h", "include/linux/spinlock.h",
                      "include/uapi/linux/types.h", "include/linux/instrumentation.h",
                      "arch/{arch}/include/asm/linkage.h", "arch/{arch}/include/asm/cache.h")

_worker: dict[str, Any] = {}


def _init_worker(evaluator: cparse.CondEval, obj: frozenset[str], fn: frozenset[str]) -> None:
    _worker["p"] = cparse.HeaderParser(evaluator, obj, fn)


def _parse_one(item: tuple[str, str]) -> tuple[str, cparse.ParsedHeader]:
    path, rel = item
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        res = cparse.ParsedHeader()
        res.problems.append((0, "unreadable", str(exc.strerror)))
        return rel, res
    return rel, _worker["p"].parse(raw)


def _exports_from_symvers(path: Path) -> list[tuple[str, str, str | None, str | None]]:
    out = []
    for line in path.read_text(errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 4:
            out.append((parts[1], parts[3], parts[2] or None, (parts[4] if len(parts) > 4 else "") or None))
    return out


_EXPORT_MACROS = ("EXPORT_SYMBOL", "EXPORT_SYMBOL_GPL", "EXPORT_SYMBOL_NS", "EXPORT_SYMBOL_NS_GPL",
                  "EXPORT_SYMBOL_GPL_FUTURE", "EXPORT_UNUSED_SYMBOL", "EXPORT_UNUSED_SYMBOL_GPL",
                  "EXPORT_PER_CPU_SYMBOL", "EXPORT_PER_CPU_SYMBOL_GPL", "EXPORT_STATIC_CALL",
                  "EXPORT_STATIC_CALL_GPL", "EXPORT_TRACEPOINT_SYMBOL", "EXPORT_TRACEPOINT_SYMBOL_GPL")


def _exports_from_sources(source: Path) -> list[tuple[str, str, str | None, str | None]]:
    """EXPORT_SYMBOL*(name) in the tree's .c files (a source tree without Module.symvers).

    Only lines that contain "EXPORT_" are parsed, each with tree-sitter as a one-
    statement snippet: an export is always a statement of its own at file scope.
    """
    parser = cparse.make_parser()
    found: dict[str, tuple[str, str, str | None, str | None]] = {}
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames[:] = sorted(d for d in dirnames if d not in ("Documentation", "tools", "scripts",
                                                               "samples", ".git", "include"))
        for fn in sorted(filenames):
            if not fn.endswith(".c"):
                continue
            try:
                data = (Path(dirpath) / fn).read_bytes()
            except OSError:
                continue
            pos = data.find(b"EXPORT_")
            while pos >= 0:
                start = data.rfind(b"\n", 0, pos) + 1
                end = data.find(b"\n", pos)
                end = len(data) if end < 0 else end
                pos = data.find(b"EXPORT_", end)
                s = data[start:end].strip()
                if not s.startswith(b"EXPORT_"):
                    continue
                node = parser.parse(s).root_node
                for call in cparse._iter_nodes(node, {"call_expression"}):
                    fnode = call.child_by_field_name("function")
                    args = call.child_by_field_name("arguments")
                    if fnode is None or args is None:
                        continue
                    how = s[fnode.start_byte:fnode.end_byte].decode("ascii", "replace")
                    argv = [a for a in args.named_children if a.type == "identifier"]
                    if how in _EXPORT_MACROS and argv:
                        name = s[argv[0].start_byte:argv[0].end_byte].decode("ascii", "replace")
                        ns = None
                        strs = [a for a in args.named_children if a.type == "string_literal"]
                        if strs:
                            ns = s[strs[0].start_byte:strs[0].end_byte].decode().strip('"')
                        found.setdefault(name, (name, how, None, ns))
                    break
    return [found[k] for k in sorted(found)]


def _rank_key(active: int | None, file: str, line: int) -> tuple[int, str, int]:
    return (0 if active == 1 else 1 if active is None else 2, file, line)


class _Representatives:
    """Picks, for each (kind, name), the declaration a lookup would return first."""

    def __init__(self) -> None:
        self.best: dict[tuple[str, str], tuple[tuple, str, str, int | None, int | None]] = {}
        self.members: dict[str, dict[str, tuple]] = {}

    def offer(self, kind: str, name: str | None, key: tuple, sig: str, shown: str, fid: int | None,
              line: int | None) -> bool:
        if name is None:
            return False
        old = self.best.get((kind, name))
        if old is not None and old[0] <= key:
            return False
        self.best[(kind, name)] = (key, sig, shown, fid, line)
        return True

    def add_file(self, r: cparse.ParsedHeader, rel: str, fid: int) -> None:
        for n, ret, ps, _ar, va, _inl, pr, ln, _c, a in r.functions:
            types = [t for t, _n in json.loads(ps)]
            self.offer("function", n, _rank_key(a, rel, ln), json.dumps([ret, types, va]), pr,
                       fid, ln)
        guards = set(r.guards)
        for n, ps, va, body, ln, _c, a in r.macros:
            if n in guards:
                continue   # include guards are not API; they would double every header change
            sig = "obj" if ps is None else f"fn/{len(json.loads(ps))}/{va}"
            head = n
            if ps is not None:
                head += "(" + ", ".join(json.loads(ps) + (["..."] if va else [])) + ")"
            self.offer("macro", n, _rank_key(a, rel, ln), sig, f"#define {head} {body}".rstrip(),
                       fid, ln)
        for name, kind, ln, _c, a, members in r.structs:
            if self.offer("struct", name, _rank_key(a, rel, ln), kind, f"{kind} {name}", fid, ln):
                best: dict[str, tuple] = {}
                for m in members:
                    mname, mtype, bits, mln, _mc, ma, decl = m
                    key = _rank_key(ma, "", mln)
                    if mname not in best or key < best[mname][0]:
                        best[mname] = (key, f"{mtype}|{bits or ''}", decl, fid, mln)
                self.members[name] = best
        for name, ln, _c, a, consts in r.enums:
            self.offer("enum", name, _rank_key(a, rel, ln), "", f"enum {name}", fid, ln)
            for cn, val, cln, _cc, ca in consts:
                shown = (f"enum {name}: " if name else "enum: ") + cn + (f" = {val}" if val else "")
                self.offer("enum_constant", cn, _rank_key(ca, rel, cln), "", shown, fid, cln)
        for n, t, ln, _c, a, decl in r.typedefs:
            self.offer("typedef", n, _rank_key(a, rel, ln), t, f"typedef {decl}", fid, ln)

    def rows(self) -> list[tuple]:
        out = [(kind, name, sig, shown, fid, line)
               for (kind, name), (_k, sig, shown, fid, line) in self.best.items()]
        for sname, members in self.members.items():
            for mname, (_k, sig, shown, fid, line) in members.items():
                out.append(("member", f"{sname}.{mname}", sig, shown, fid, line))
        out.sort()
        return out


def _has_sources(source: Path) -> bool:
    return (source / "kernel").is_dir() and any((source / "kernel").glob("*.c"))


def _insert(db: sqlite3.Connection, rel: str, fid: int, r: cparse.ParsedHeader,
            api: _Representatives, counters: dict[str, int]) -> None:
    api.add_file(r, rel, fid)
    db.executemany("INSERT INTO functions VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   [(n, ret, ps, ar, va, inl, pr, rel, ln, c, a)
                    for n, ret, ps, ar, va, inl, pr, ln, c, a in r.functions])
    db.executemany("INSERT INTO macros VALUES (?,?,?,?,?,?,?,?)",
                   [(n, ps, va, body, rel, ln, c, a) for n, ps, va, body, ln, c, a in r.macros])
    for name, kind, line, c, a, members in r.structs:
        counters["sid"] += 1
        sid = counters["sid"]
        db.execute("INSERT INTO structs VALUES (?,?,?,?,?,?,?)", (sid, name, kind, rel, line, c, a))
        db.executemany("INSERT INTO members VALUES (?,?,?,?,?,?,?,?,?)",
                       [(sid, i, *m) for i, m in enumerate(members)])
    for name, line, c, a, consts in r.enums:
        counters["eid"] += 1
        eid = counters["eid"]
        db.execute("INSERT INTO enums VALUES (?,?,?,?,?,?)", (eid, name, rel, line, c, a))
        db.executemany("INSERT INTO enum_constants VALUES (?,?,?,?,?,?,?)",
                       [(eid, n, v, rel, ln, cc, aa) for n, v, ln, cc, aa in consts])
    db.executemany("INSERT INTO typedefs VALUES (?,?,?,?,?,?,?)",
                   [(n, t, rel, ln, c, a, d) for n, t, ln, c, a, d in r.typedefs])
    db.executemany("INSERT INTO problems VALUES (?,?,?,?)", [(rel, ln, k, s) for ln, k, s in r.problems])
    db.executemany("INSERT INTO stats VALUES (?,?,?)", [(rel, k, v) for k, v in sorted(r.stats.items())])


def build_database(roots: Roots, db_path: Path, jobs: int = 2) -> None:
    """Index the tree described by *roots* into a new SQLite file at *db_path*."""
    files = header_files(roots)
    evaluator = _config_of(roots)
    attr_sources = []
    for rel in _ATTRIBUTE_HEADERS:
        p = roots.source / rel.format(arch=roots.arch)
        with contextlib.suppress(OSError):
            attr_sources.append(p.read_bytes())
    obj, fn = cparse.harvest_attribute_macros(attr_sources)

    db = sqlite3.connect(db_path)
    db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
    db.executemany("INSERT INTO headers VALUES (?,?,?)",
                   [(inc, rel, int(gen)) for _p, rel, inc, gen in files])

    # Files are parsed by a pool and their rows inserted here as they arrive, in
    # file order (imap keeps order), so the database content is deterministic.
    work = [(str(p), rel) for p, rel, _i, _g in files]
    file_id = {rel: i for i, (_p, rel, _inc, _g) in enumerate(files, 1)}
    db.executemany("INSERT INTO files VALUES (?,?,?)",
                   [(file_id[rel], rel, inc) for _p, rel, inc, _g in files])
    api = _Representatives()
    counters = {"sid": 0, "eid": 0}
    if jobs > 1 and len(work) > 50:
        import multiprocessing
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(jobs, initializer=_init_worker, initargs=(evaluator, obj, fn)) as pool:
            for rel, res in pool.imap(_parse_one, work, chunksize=16):
                _insert(db, rel, file_id[rel], res, api, counters)
    else:
        _init_worker(evaluator, obj, fn)
        for item in work:
            rel, res = _parse_one(item)
            _insert(db, rel, file_id[rel], res, api, counters)

    if roots.symvers is not None:
        exports = _exports_from_symvers(roots.symvers)
        exports_source = "Module.symvers"
    elif _has_sources(roots.source):
        exports = _exports_from_sources(roots.source)
        exports_source = "sources"
    else:
        exports, exports_source = [], ""
    db.executemany("INSERT OR IGNORE INTO exports VALUES (?,?,?,?)", exports)
    for _p, rel, inc, _g in files:
        api.offer("header", inc, (2, rel, 0), "", rel, file_id[rel], None)
    for name, how, _module, ns in exports:
        api.offer("export", name, (0, "", 0), f"{how}|{ns or ''}", how + (f" ({ns})" if ns else ""),
                  None, None)
    db.executemany("INSERT INTO api VALUES (?,?,?,?,?,?)", api.rows())
    db.executescript(_INDEXES)
    meta = {"format": FORMAT, "source_root": str(roots.source), "build_root": str(roots.build),
            "arch": roots.arch, "has_config": "1" if roots.config else "0",
            "exports_source": exports_source, "files": str(len(files)),
            "attribute_macros": str(len(obj) + len(fn))}
    db.executemany("INSERT INTO meta VALUES (?,?)", sorted(meta.items()))
    db.commit()
    # The marker goes in last: a database without it was never finished.
    db.execute("INSERT INTO meta VALUES ('complete', '1')")
    db.commit()
    db.close()


def verify(db_path: Path) -> bool:
    """True when *db_path* is a complete index of this format (cheap: no full scan)."""
    try:
        size = db_path.stat().st_size
        with open(db_path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                return False
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
            page_count = db.execute("PRAGMA page_count").fetchone()[0]
            if page_size * page_count != size:
                return False
            meta = dict(db.execute("SELECT key, value FROM meta"))
        finally:
            db.close()
    except (OSError, sqlite3.DatabaseError):
        return False
    return meta.get("format") == FORMAT and meta.get("complete") == "1"


def index_dir(cache: Path | None = None) -> Path:
    d = cache_root(cache) / "index"
    d.mkdir(parents=True, exist_ok=True)
    return d


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def db_path_for(tree: KernelTree, cache: Path | None = None) -> Path:
    """Where the index of *tree* is (or would be) cached."""
    roots = source_roots(tree)
    return index_dir(cache) / f"{_label(tree)}-{fingerprint(roots)}.sqlite"


def _label(tree: KernelTree) -> str:
    """Release (or directory name) plus a hash of the path: one label per tree on this machine."""
    raw = tree.release or tree.path.name or "tree"
    where = hashlib.sha256(str(tree.path).encode()).hexdigest()[:8]
    return re.sub(r"[^A-Za-z0-9._+-]", "_", raw)[:60] + "-" + where


# Indexes of one tree kept side by side: the current one and the last few others. Two
# kbridge checkouts of different PARSER_VERSIONs on one machine (a user's two venvs, a
# CI clone beside a work tree) each need their own; deleting every other fingerprint
# made them rebuild each other's index on every run (44-130 s per tree), seen when
# five work trees and main shared one cache.
KEEP_PER_TREE = 3


def _drop_stale(final: Path, label: str) -> None:
    """Keep this tree's KEEP_PER_TREE most recently used indexes (the one just built among
    them) and remove the older ones (the tree or kbridge changed since), with their locks."""
    olds = [p for p in final.parent.glob(f"{label}-*.sqlite")
            if p.name.count("-") == final.name.count("-") and p != final]
    olds.sort(key=lambda p: (p.stat().st_mtime if p.exists() else 0, p.name), reverse=True)
    for old in olds[KEEP_PER_TREE - 1:]:
        for f in (old, old.with_suffix(".lock")):
            with contextlib.suppress(OSError):
                f.unlink()
    # temporary files of builds that were killed (an hour is far longer than any build)
    import time
    for tmp in final.parent.glob(f".{label}-*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - tmp.stat().st_mtime > 3600:
                tmp.unlink()


def _used(final: Path) -> None:
    """Mark a cached index as used now (its mtime orders _drop_stale's keep list)."""
    with contextlib.suppress(OSError):
        os.utime(final)


def open_index(tree: KernelTree | Path | str, cache: Path | None = None, *, jobs: int = 2,
               rebuild: bool = False) -> ApiIndex:
    """The index of *tree*: loaded from the cache, or built (then cached) if absent or corrupt."""
    if not isinstance(tree, KernelTree):
        tree = inspect(Path(tree))
    roots = source_roots(tree)
    files = header_files(roots)
    if not files:
        raise KbridgeError(f"{tree.path}: no headers under include/ or arch/{roots.arch}/include; "
                           "give a kernel headers or source tree")
    final = index_dir(cache) / f"{_label(tree)}-{fingerprint(roots, files)}.sqlite"
    if not rebuild and verify(final):
        _used(final)
        return ApiIndex(final, tree)
    with _locked(final.with_suffix(".lock")):
        # another process may have finished it while we waited for the lock
        if not rebuild and verify(final):
            return ApiIndex(final, tree)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
        os.close(fd)
        try:
            os.unlink(tmp)
            build_database(roots, Path(tmp), jobs=jobs)
            os.chmod(tmp, 0o644)
            os.replace(tmp, final)
            _drop_stale(final, _label(tree))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
    return ApiIndex(final, tree)


def resolve_target(name: str) -> KernelTree:
    """A target as the user spells it; unconfigured and bare header trees are accepted."""
    from kbridge.facts.targets import resolve
    return resolve(name, configured=False)


__all__ = ["ApiIndex", "Function", "Param", "Macro", "Struct", "Member", "Enum", "EnumConstant",
           "Typedef", "Header", "Export", "open_index", "source_roots", "header_files", "fingerprint",
           "verify", "db_path_for", "KINDS", "resolve_target"]

