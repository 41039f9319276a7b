"""Drafted exported functions: a compat object linked into the driver's own module.

Issue 17 item 1, third class: an exported function the driver calls is present
in the kernel it was written for ("home") and missing on a target (not declared
there, or declared but not exported). When home's source package is installed
(``/usr/src/linux-source-X.tar.xz``, or the one inside the series' Debian root)
and the function's body depends only on what the target offers, its body is
copied -- at bridge time, from the package, never into kbridge's repository --
into ``compat/kb_drafts.c`` of a layer OUT, and linked into each module of the
driver. Never a hand-written stub.

Design (settled here):

* Multi-object module, not a separate compat.ko. The Linux backports project
  ships one compat.ko that exports the copies for all its drivers, loaded
  first; that works because one release of backports ships every driver and
  its compat.ko together. kbridge bridges each driver on its own: two bridged
  drivers each with a compat module would export the same symbol and the second
  one would not load ("exports duplicate symbol"), and a separate module needs
  load order (modprobe/depmod, initramfs, dkms.conf naming both). So each module
  of OUT becomes ``M-y := compat/kb_drv_M.o compat/kb_drafts.o``
  (``kb_drv_M.c`` is one line, ``#include "../M.c"``: the driver's file stays
  byte-identical; a driver that is already multi-object gets ``M-y +=
  compat/kb_drafts.o``). KBUILD_MODNAME stays M. The copies are renamed
  ``kb_<name>`` (``#define name kb_name`` after the kernel header that declares
  it in home) and carry no EXPORT_SYMBOL, so two bridged modules carrying the
  same draft never clash: a module's own symbols are not global in the kernel.
  Static helpers of the function's file are copied with it (renamed too, so a
  name the target's headers declare differently cannot collide).
* Dependency closure, decided from the indexes and the source file: every
  function the body names is a static helper of its file (drafted too), or an
  exported function that the target exports with the same declaration (the
  index), or one the target lacks that is drafted in turn, or one a hand rule
  of OUT bridges (the compat object is compiled with the layer's compat header
  in effect, ``ccflags-y``'s ``-include kb_compat.h`` and the wrapper headers,
  so the rule's shim reaches the copy as it reaches the driver). A variable of
  the file (kernel state), a function of the file that is neither static nor
  exported, or a changed declaration no rule of OUT bridges refuses the draft,
  with the reason. Macros, types and constants are left to the compiler: the
  copy is compiled on every target that lacks the function before it is used
  (a module of just the compat object, built with the layer's Kbuild; modpost
  must find every symbol it links to); a failure refuses the draft on that
  target with gcc's or modpost's first complaint (an error no copy's lines
  explain, inside a kernel header, is narrowed down by building each copy with
  the copies it calls alone). The closure is one of compilation and linking:
  a copy whose kernel objects changed their life cycle between the two kernels
  while keeping their declarations (5.10's bdput() is iput(bdev->bd_inode),
  which 6.1 still compiles) is not recognised as unfaithful here.
* Guard: OUT's Kbuild asks the target's ``Module.symvers`` at build time which
  of the drafted functions it exports and defines ``KB_HAVE_EXPORT_<name>`` for
  those; a copy (and its rename) is used only where that macro is undefined.
  A tree without Module.symvers stops the build with one message.

Provenance: every copy is preceded by the package (linux-source-X and its
Debian version) and file:line it came from; ``kbridge bridge`` lists each draft
as drafted, and what it could not draft as ``covered_by: "draft"`` with the
reason.

Both strategies carry the same compat object (:func:`apply`: the same plan,
compile check, probes and Kbuild lines). The layer renames the driver's calls
in header wrappers (``compat/include.draft``). Inline OUT shows them instead:
each call of a copied function in the driver is a spot (``#ifdef
KB_HAVE_EXPORT_<name>``: the driver's line; otherwise the same line calling
``kb_<name>``, :mod:`.inline`), the copies are declared as ``kb_<name>`` by
``compat/kb_drafts.h``, which ``kb_inline.h`` includes after the rules' shims;
``kb_drafts.c`` itself includes ``kb_inline.h`` with ``KB_INLINE_LAYER_NAMES``
defined, so the rules' shims mean in the copies what the layer makes them
mean (the copies are the driver's kernel's code, not rewritten into spots).
Pruned for the driver's own kernel (``-DKB_HAVE_EXPORT_<name>``: it exports
them), inline OUT's driver files are the driver again.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbridge.errors import KbridgeError

PREFIX = "kb_"
DRAFTS_C = "compat/kb_drafts.c"
DRAFTS_H = "compat/kb_drafts.h"         # inline OUT: the copies' kb_ declarations
INLINE_LAYER_NAMES = "KB_INLINE_LAYER_NAMES"    # kb_inline.h keeps the shims' names (kb_drafts.c)
WRAP_DIR = "compat/include.draft"
EXPORT_RE = re.compile(rb"^\s*EXPORT_SYMBOL(?:_GPL)?(?:_NS(?:_GPL)?)?\s*\(\s*(\w+)", re.M)
MAX_DEPTH = 4                   # drafted functions calling drafted functions, at most this deep


# --- records ------------------------------------------------------------------

@dataclass(frozen=True)
class Helper:
    """A static function of a drafted function's file, copied with it."""

    name: str
    file: str
    line: int
    text: str


@dataclass
class Draft:
    """One exported function copied from home's source package."""

    name: str
    package: str                    # "linux-source-6.1 6.1.192-3"
    file: str                       # relative to the source tree: drivers/xen/xenbus/xenbus_client.c
    line: int
    header: str                     # the header declaring it in home (include path): xen/xenbus.h
    prototype: str                  # home's declaration, one line
    text: str                       # the definition, verbatim
    includes: tuple[str, ...]       # the <...> includes of its file
    helpers: tuple[str, ...] = ()   # static helpers drafted with it
    calls: tuple[str, ...] = ()     # other drafted exported functions it calls
    rules: tuple[str, ...] = ()     # hand rules of OUT its callees go through
    targets: list[str] = field(default_factory=list)    # targets lacking it where the copy is used

    def to_json(self) -> dict[str, object]:
        return {"api": self.name, "package": self.package, "file": self.file, "line": self.line,
                "header": self.header, "helpers": list(self.helpers), "calls": list(self.calls),
                "rules": list(self.rules), "targets": list(self.targets)}


@dataclass(frozen=True)
class Refused:
    """A function a target lacks that no draft bridges there, and why."""

    name: str
    target: str
    why: str

    def to_json(self) -> dict[str, object]:
        return {"api": self.name, "target": self.target, "why": self.why}


@dataclass
class DraftPlan:
    drafts: list[Draft] = field(default_factory=list)
    helpers: dict[str, Helper] = field(default_factory=dict)
    refused: list[Refused] = field(default_factory=list)
    # what the copies need that OUT does not carry yet (bridge() feeds it back): the ids of
    # the rules naming a callee declared differently on a target, and per (copy, target)
    # the names gcc found undeclared that the driver's kernel declares and the target lacks
    wants_rules: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    wants_names: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # the OUT it goes into: "layer" (the driver's names renamed by header wrappers) or
    # "inline" (the driver's spots write kb_<name>; compat/kb_drafts.h declares them)
    strategy: str = "layer"

    def covers(self, target: str, api: str) -> bool:
        return any(d.name == api and target in d.targets for d in self.drafts)

    def refusal(self, target: str, api: str) -> str | None:
        return next((r.why for r in self.refused if r.target == target and r.name == api), None)

    def to_json(self) -> dict[str, object]:
        return {"drafted": [d.to_json() for d in self.drafts],
                "refused": [r.to_json() for r in self.refused]}


# --- the source package ----------------------------------------------------------

def _cache_dir() -> Path:
    from kbridge.storage import cache_root
    return cache_root() / "compatobj"


def _tar_key(tar: Path) -> str:
    st = tar.stat()
    return hashlib.sha256(f"{tar.resolve()}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:16]


def package_version(tar: Path) -> str:
    """'linux-source-X <Debian version>' of the package that installed *tar* (its dpkg status)."""
    pkg = tar.name.removesuffix(".tar.xz")
    status = tar.parent.parent.parent / "var/lib/dpkg/status"       # <root>/usr/src/X -> <root>/var/...
    try:
        text = status.read_text(errors="replace")
    except OSError:
        return pkg
    for para in text.split("\n\n"):
        if re.search(rf"^Package: {re.escape(pkg)}$", para, re.M):
            m = re.search(r"^Version: (\S+)$", para, re.M)
            if m:
                return f"{pkg} {m.group(1)}"
    return pkg


def _pick(files: list[str]) -> str | None:
    """The file whose definition an x86-64 kernel builds: arch/x86's, else a generic one
    (another architecture's copy -- arch/s390/lib/string.c's strlcpy -- never)."""
    for f in files:
        if f.startswith("arch/x86/"):
            return f
    return next((f for f in files if not f.startswith("arch/")), None)


def exports_map(tar: Path) -> dict[str, str]:
    """Every EXPORT_SYMBOL* of the source package's .c files: symbol -> the file an x86-64
    build exports it from (relative to the tree's top). Read once per package (about a
    minute) and cached."""
    from kbridge.storage import atomic_write, file_lock
    cache = _cache_dir() / f"exports2-{_tar_key(tar)}.json"
    if not cache.is_file():
        cache.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(cache.with_suffix(".lock")):
            if not cache.is_file():
                found: dict[str, list[str]] = {}
                with tarfile.open(tar, "r|xz") as tf:
                    for m in tf:
                        if not (m.isfile() and m.name.endswith(".c")):
                            continue
                        f = tf.extractfile(m)
                        data = f.read() if f is not None else b""
                        if b"EXPORT_SYMBOL" not in data:
                            continue
                        rel = m.name.split("/", 1)[1] if "/" in m.name else m.name
                        for sym in EXPORT_RE.findall(data):
                            found.setdefault(sym.decode(), []).append(rel)
                atomic_write(cache, json.dumps({k: sorted(v) for k, v in sorted(found.items())}))
    out: dict[str, str] = {}
    for sym, files in json.loads(cache.read_text()).items():
        f = _pick(files)
        if f is not None:
            out[sym] = f
    return out


def source_file(tar: Path, rel: str) -> bytes:
    """One file of the source package, extracted once into the cache (never into the repo)."""
    from kbridge.storage import atomic_write
    dest = _cache_dir() / f"src-{_tar_key(tar)}" / rel
    if dest.is_file():
        return dest.read_bytes()
    top = tar.name.removesuffix(".tar.xz")
    proc = subprocess.run(["tar", "-xJOf", str(tar), f"{top}/{rel}"], capture_output=True)
    if proc.returncode != 0:
        raise KbridgeError(f"{tar}: cannot extract {rel}: {proc.stderr.decode(errors='replace').strip()[:200]}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(dest, proc.stdout)
    return proc.stdout


# --- one source file ------------------------------------------------------------

@dataclass(frozen=True)
class CFunction:
    name: str
    static: bool
    line: int
    text: str
    names: frozenset[str]           # identifiers of its body (and type names: "type:strarray")


@dataclass
class CFile:
    functions: dict[str, CFunction]
    variables: frozenset[str]       # file-scope objects (kernel state)
    includes: tuple[str, ...]
    types: dict[str, CFunction] = field(default_factory=dict)   # file-local struct/union/enum/typedef


# the end of a top-level definition: a line that is only "}" (a function's closing brace)
_TOP_END = re.compile(rb"^\}[ \t]*$", re.M)


def parse_c(data: bytes, what: str, cond: Any = None) -> CFile:
    """The function definitions, file-scope variables and <...> includes of a kernel .c file.

    tree-sitter cannot read every kernel file whole: a macro that expands to statements
    without semicolons (7.3's net/core/dev.c, netdev_cmd_to_name's ``N(UP) N(DOWN) ...``
    inside a switch) sends its error recovery off, and the rest of the file becomes the body
    of one function (or an ERROR node) -- every definition after it was "not found". A
    file the parser did not read cleanly is read again in pieces, cut after each line that
    is only ``}`` (a function's end), so a misread stays inside its piece; what the whole
    read found outside a swallowing definition is kept, the pieces add what it lost.

    *cond* (the kernel's own conditions, :func:`kbridge.actions.check.target_conditions`)
    decides its #if blocks: a function defined twice, real under ``#ifdef CONFIG_PM`` and a
    stub under ``#else`` (7.3's usb_enable_lpm, rmi_2d_sensor_of_probe under CONFIG_OF), is
    the definition that kernel compiles -- the first one read was taken before, whatever
    the kernel's .config said. A condition it cannot decide keeps the first definition."""
    from kbridge.facts.scan import define_bodies
    own = frozenset(b[3].decode() for b in define_bodies(data))
    cf, clean = _parse_c(data, what, 0, cond, own)
    if clean:
        return cf
    cuts = [0, *(m.end() for m in _TOP_END.finditer(data)), len(data)]
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        part, _ = _parse_c(data[a:b], what, data.count(b"\n", 0, a), cond, own)
        for k, v in part.functions.items():
            cf.functions.setdefault(k, v)
        for k, v in part.types.items():
            cf.types.setdefault(k, v)
        cf.variables = cf.variables | part.variables
        cf.includes = tuple(dict.fromkeys((*cf.includes, *part.includes)))
    return cf


def _parse_c(data: bytes, what: str, first_line: int, cond: Any = None,
             own: frozenset[str] = frozenset()) -> tuple[CFile, bool]:
    """One tree-sitter read of *data* (lines numbered from *first_line* + 1), and whether it
    read without an error. A definition whose body holds another definition (C has no nested
    functions: the parser swallowed the rest of the file into it) is not taken, its text is
    not the function's."""
    from kbridge.facts import cparse
    tree = cparse.parse_bounded(cparse.thread_parser(), data, what)
    funcs: dict[str, CFunction] = {}
    variables: set[str] = set()
    includes: list[str] = []
    types: dict[str, CFunction] = {}

    def ident_names(node: Any) -> frozenset[str]:
        out: set[str] = set()
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type == "identifier":
                out.add(data[n.start_byte:n.end_byte].decode(errors="replace"))
            elif n.type == "type_identifier":
                out.add("type:" + data[n.start_byte:n.end_byte].decode(errors="replace"))
            stack.extend(n.children)
        return frozenset(out)

    def visit(nodes: Any) -> None:
        for c in nodes:
            if c.type == "function_definition":
                decl = c.child_by_field_name("declarator")
                fd, _ = cparse._function_declarator(decl)
                name = cparse.declared_name(fd.child_by_field_name("declarator")) if fd is not None else None
                body = c.child_by_field_name("body")
                if name is None or body is None:
                    continue
                if any(x.type == "function_definition" for x in body.children):
                    continue
                static = any(s.type == "storage_class_specifier" and data[s.start_byte:s.end_byte] == b"static"
                             for s in c.children)
                n = data[name.start_byte:name.end_byte].decode()
                funcs.setdefault(n, CFunction(n, static, first_line + c.start_point[0] + 1,
                                              data[c.start_byte:c.end_byte].decode(errors="replace"),
                                              ident_names(body)))
            elif c.type in ("struct_specifier", "union_specifier", "enum_specifier", "type_definition") or \
                    (c.type == "declaration" and not c.children_by_field_name("declarator")):
                spec = c if c.type.endswith("_specifier") else c.child_by_field_name("type")
                if c.type == "type_definition":
                    names = [cparse.declared_name(d) for d in c.children_by_field_name("declarator")]
                    tag = None
                else:
                    names = []
                    tag = spec.child_by_field_name("name") if spec is not None else None
                    if spec is None or spec.child_by_field_name("body") is None:
                        tag = None
                text = data[c.start_byte:c.end_byte].decode(errors="replace")
                if not text.rstrip().endswith(";"):
                    text += ";"
                body_names = ident_names(c)
                for nm in [tag, *names]:
                    if nm is not None:
                        key = "type:" + data[nm.start_byte:nm.end_byte].decode()
                        types.setdefault(key, CFunction(key, True, first_line + c.start_point[0] + 1, text,
                                                        body_names - {key}))
            elif c.type == "declaration":
                for d in c.children_by_field_name("declarator"):
                    fd, _ = cparse._function_declarator(d.child_by_field_name("declarator")
                                                        if d.type == "init_declarator" else d)
                    if fd is not None:
                        continue
                    name = cparse.declared_name(d)
                    if name is not None:
                        variables.add(data[name.start_byte:name.end_byte].decode())
            elif c.type == "preproc_include":
                p = c.child_by_field_name("path")
                if p is not None and p.type == "system_lib_string":
                    includes.append(data[p.start_byte + 1:p.end_byte - 1].decode())
            elif c.type in cparse.CONDITIONAL_TYPES:
                value = cparse.branch_value(cond, c, data, own)
                body, alt = cparse.branch_parts(c)
                if value != 0:
                    visit(body)
                if alt is not None and value != 1:
                    visit(alt.children if alt.type == "preproc_else" else [alt])
            elif c.type.startswith("preproc_") or c.type in ("linkage_specification",):
                visit(c.children)

    visit(tree.root_node.children)
    return CFile(funcs, frozenset(variables), tuple(includes), types), not tree.root_node.has_error


# --- the plan ---------------------------------------------------------------------

def _header_include(path: str) -> str | None:
    for prefix in ("include/", "arch/x86/include/"):
        if path.startswith(prefix):
            return path[len(prefix):]
    return None


def _proto(f: Any) -> str:
    return re.sub(r"\s+", " ", f.prototype).strip()


class _Planner:
    def __init__(self, home: Any, tar: Path, targets: list[Any], rule_names: dict[str, list[str]],
                 shimmed: set[str], cache: Path | None) -> None:
        from kbridge.facts.index import open_index
        self.tar = tar
        self.package = package_version(tar)
        self.hi = open_index(home, cache)
        self.targets = targets
        self.ti = {t.name: open_index(t, cache) for t in targets}
        self.rule_names = rule_names        # API name -> ids of the rules naming it
        self.shimmed = shimmed              # ids of the rules OUT carries a shim of
        self._exports: dict[str, str] | None = None
        self._files: dict[str, CFile] = {}
        self._cond: Any = None
        self.plan = DraftPlan()
        self.memo: dict[tuple[str, str], Draft | str] = {}
        self.top = ""                       # the copy the driver needs that is being planned

    def close(self) -> None:
        self.hi.close()
        for i in self.ti.values():
            i.close()

    def exports(self) -> dict[str, str]:
        if self._exports is None:
            self._exports = exports_map(self.tar)
        return self._exports

    def conditions(self) -> Any:
        """The #if evaluator of the driver's kernel (the one the copies come from): its
        .config, version and header macros, as check evaluates a driver for a target."""
        if self._cond is None:
            from kbridge.actions.check.adapter import IndexApi
            from kbridge.actions.check.run import target_conditions
            self._cond = target_conditions(IndexApi(self.hi, "home"))
        return self._cond

    def cfile(self, rel: str) -> CFile:
        if rel not in self._files:
            self._files[rel] = parse_c(source_file(self.tar, rel), rel, self.conditions())
        return self._files[rel]

    def lacks(self, target: str, name: str) -> bool:
        return not self.ti[target].is_exported(name)

    def draft(self, name: str, target: str, depth: int = 0) -> Draft | str:
        """The draft of *name* for *target*, or why there is none."""
        key = (name, target)
        if key not in self.memo:
            self.memo[key] = f"{name} calls itself through other drafts"     # a cycle refuses
            self.memo[key] = self._draft(name, target, depth)
        return self.memo[key]

    def _draft(self, name: str, target: str, depth: int) -> Draft | str:
        f = self.hi.function(name)
        if f is None or f.inline or not self.hi.is_exported(name):
            return f"{name} is not an exported function of the driver's kernel"
        header = _header_include(f.file)
        if header is None:
            return f"{name} is declared in {f.file}, not in an installed header"
        if depth > MAX_DEPTH:
            return f"{name}: drafted calls nest deeper than {MAX_DEPTH}"
        rel = self.exports().get(name)
        if rel is None:
            return f"{name}: its EXPORT_SYMBOL is in no .c file of {self.tar.name}"
        cf = self.cfile(rel)
        fn = cf.functions.get(name)
        if fn is None:
            return f"{name}: {rel} exports it but kbridge found no definition there (a macro-made function)"
        helpers: list[str] = []
        exported: set[str] = set()
        todo = [fn]
        seen = {name}
        while todo:
            cur = todo.pop(0)
            for ident in sorted(cur.names):
                if ident in seen:
                    continue
                if ident in cf.types:         # a struct/union/enum/typedef of the file: copied too
                    seen.add(ident)
                    helpers.append(ident)
                    todo.append(cf.types[ident])
                elif ident.startswith("type:"):
                    continue
                elif ident in cf.functions:
                    seen.add(ident)
                    g = cf.functions[ident]
                    if g.static:
                        helpers.append(ident)
                        todo.append(g)
                    elif self.hi.is_exported(ident):
                        exported.add(ident)
                    else:
                        return (f"{name} calls {ident} ({rel}:{g.line}), a function of its file that is "
                                "neither static nor exported")
                elif ident in cf.variables:
                    return f"{name} uses {ident}, a variable of {rel} (the kernel's state, not copyable)"
                else:
                    h = self.hi.function(ident)
                    if h is not None and not h.inline:
                        seen.add(ident)
                        if not self.hi.is_exported(ident):
                            return f"{name} calls {ident}, which the driver's kernel does not export"
                        exported.add(ident)
        calls: list[str] = []
        rules: list[str] = []
        for dep in sorted(exported):
            why = self._callee(dep, target, depth)
            if why is None:
                continue
            if isinstance(why, tuple):
                (calls if why[0] == "draft" else rules).append(why[1])
                continue
            return f"{name} calls {dep}: {why}"
        helper_recs = []
        for h in helpers:
            g = cf.functions.get(h) or cf.types[h]
            helper_recs.append(Helper(f"{rel}:{h}", rel, g.line, g.text))
        for rec in helper_recs:
            self.plan.helpers.setdefault(rec.name, rec)
        return Draft(name, self.package, rel, fn.line, header, _proto(f), fn.text, cf.includes,
                     tuple(f"{rel}:{h}" for h in helpers), tuple(sorted(set(calls))), tuple(sorted(set(rules))))

    def _callee(self, dep: str, target: str, depth: int) -> None | tuple[str, str] | str:
        """None: the target exports *dep* as home declares it; ("draft", dep) or ("rule", id):
        bridged so; else why not."""
        ti = self.ti[target]
        hf, tf = self.hi.function(dep), ti.function(dep)
        ids = self.rule_names.get(dep, [])
        carried = [i for i in ids if i in self.shimmed]
        if (ti.is_exported(dep) or _offered(ti, dep)) and tf is not None and hf is not None \
                and tf.signature() == hf.signature():
            return None
        if carried:
            return ("rule", carried[0])
        if ids:     # a rule names it: OUT should carry that rule's shim for the copy
            self.plan.wants_rules.setdefault((self.top, target), set()).update(ids)
        if ti.is_exported(dep) and tf is not None and hf is not None:
            if ids:
                return (f"declared differently on {target} ({_proto(tf)}; the driver's kernel: {_proto(hf)}); "
                        f"rule {', '.join(ids)} covers it, but OUT carries no shim of it for this driver")
            return (f"declared differently on {target} ({_proto(tf)}; the driver's kernel: {_proto(hf)}) "
                    "and no rule bridges it")
        if ti.is_exported(dep):
            return f"{target} exports it without a declaration kbridge can compare"
        sub = self.draft(dep, target, depth + 1)
        if isinstance(sub, str):
            return f"{target} lacks it and it cannot be drafted: {sub}"
        return ("draft", dep)


def _offered(ti: Any, name: str) -> bool:
    """Does the target's headers give *name* without an export (a static inline, a macro)?"""
    f = ti.function(name)
    return (f is not None and f.inline) or ti.macro(name) is not None


def _rule_names(rules: list[Any]) -> dict[str, list[str]]:
    """API name -> ids of the rules naming it (their uses, and the names their shims define)."""
    rule_names: dict[str, list[str]] = {}
    for r in rules:
        for a in r.uses:
            for n in a.names:
                rule_names.setdefault(n, []).append(r.id)
        for d in ("new_on_old", "old_on_new"):     # and the names its shims define
            f = r.shim_dir / f"{d}.h"
            if f.is_file():
                for n in re.findall(r"^\s*#\s*define\s+(\w+)", f.read_text(errors="replace"), re.M):
                    if r.id not in rule_names.setdefault(n, []):
                        rule_names[n].append(r.id)
    return rule_names


def plan(driver: Any, home: Any, targets: list[Any], rules: list[Any], shimmed: set[str], *,
         cache: Path | None = None, drafted: set[tuple[str, str]] | None = None) -> DraftPlan:
    """The drafts *driver* (written for the kernel of tree *home*) needs on *targets*.

    *rules*: the rule library (a callee a rule names is bridged by it when OUT carries
    that rule's shim, *shimmed*). Every exported function the driver names that a
    target lacks is drafted for that target, or refused with the reason.
    """
    from kbridge.facts import corpus, scan
    from kbridge.facts.index import open_index
    from kbridge.facts.kversion import series_of
    out = DraftPlan()
    if home is None or not targets:
        return out
    rule_names = _rule_names(rules)
    names = scan.driver_names(driver).names
    # a function the driver defines is the driver's own, whatever a kernel exports under that
    # name (6.12's smsc.c exports lan87xx_read_status to its sister drivers; 6.1's has it
    # static): a copy beside the driver's definition defines the symbol twice (modpost fails
    # on the driver's own kernel)
    own = {n for n, f in scan.scan(driver).functions.items() if f.defined}   # the one scan
    with open_index(home, cache) as hi:
        # a name a rule covers is the rule's (its shim may define it): never drafted
        wanted = [n for n in sorted(names) if n not in rule_names and n not in own
                  and (f := hi.function(n)) is not None and not f.inline and hi.is_exported(n)]
    if not wanted:
        return out
    lacking: dict[str, list[str]] = {}
    for t in targets:
        with open_index(t, cache) as ti:
            for n in wanted:
                if not ti.is_exported(n) and not _offered(ti, n) and (t.name, n) not in (drafted or ()):
                    lacking.setdefault(n, []).append(t.name)
    if not lacking:
        return out
    try:
        tar = corpus._tarball(series_of(home.version or ""), None)
    except KbridgeError as exc:
        out.refused += [Refused(n, t, f"no source package of the driver's kernel: {exc}")
                        for n, ts in sorted(lacking.items()) for t in ts]
        return out
    p = _Planner(home, tar, targets, rule_names, shimmed, cache)
    try:
        by_name: dict[str, Draft] = {}

        def add(d: Draft, target: str) -> None:
            have = by_name.setdefault(d.name, d)
            if have is not d:
                have.calls = tuple(sorted(set(have.calls) | set(d.calls)))
                have.rules = tuple(sorted(set(have.rules) | set(d.rules)))
            if target not in have.targets:
                have.targets.append(target)
            for c in d.calls:
                sub = p.memo.get((c, target))
                if isinstance(sub, Draft):
                    add(sub, target)

        for n, ts in sorted(lacking.items()):
            for t in ts:
                p.top = n
                d = p.draft(n, t)
                if isinstance(d, str):
                    out.refused.append(Refused(n, t, d))
                else:
                    add(d, t)
        out.drafts = [by_name[n] for n in sorted(by_name)]
        out.wants_rules = p.plan.wants_rules
        used_helpers = {h for d in out.drafts for h in d.helpers}
        out.helpers = {k: v for k, v in sorted(p.plan.helpers.items()) if k in used_helpers}
    finally:
        p.close()
    return out


# --- OUT's files -----------------------------------------------------------------------

def _guard(name: str) -> str:
    return f"KB_HAVE_EXPORT_{name}"


def _renamed_proto(d: Draft) -> str:
    return re.sub(rf"\b{re.escape(d.name)}\s*\(", f"{PREFIX}{d.name}(", d.prototype, count=1)


def _wrapper(header: str, drafts: list[Draft]) -> str:
    g = "KB_DRAFT_WRAP_" + re.sub(r"[^A-Za-z0-9]", "_", header).upper()
    body = []
    for d in drafts:
        body += [f"#ifndef {_guard(d.name)}",
                 f"/* drafted: {d.name} of {d.package}, {d.file}:{d.line} (compat/kb_drafts.c) */",
                 f"{_renamed_proto(d)};", f"#undef {d.name}", f"#define {d.name} {PREFIX}{d.name}", "#endif"]
    return (f"/* Generated by kbridge: <{header}> as the kernel has it, then the exported functions\n"
            f" * that the driver's kernel declares here and this kernel may lack, renamed to their\n"
            f" * copies in compat/kb_drafts.c (used only where Module.symvers lacks the export). */\n"
            f"#ifndef {g}_ENTERED\n#define {g}_ENTERED\n#include_next <{header}>\n\n"
            + "\n".join(body) + f"\n\n#else\n#include_next <{header}>\n#endif\n")


def drafts_c(p: DraftPlan) -> str:
    """compat/kb_drafts.c: the copies, each under the guard of the functions that use it."""
    users: dict[str, list[str]] = {}
    for d in p.drafts:
        for h in d.helpers:
            users.setdefault(h, []).append(d.name)
    includes: list[str] = []
    for d in p.drafts:
        for h in (*d.includes, d.header):
            if h not in includes and h != "linux/export.h":
                includes.append(h)
    out = ["/* Generated by kbridge: exported functions of the driver's kernel that some targets",
           " * lack, copied from that kernel's source package at bridge time (never stored in",
           " * kbridge), each used only where this kernel's Module.symvers lacks its export",
           " * (KB_HAVE_EXPORT_<name>, computed by ../Kbuild). Renamed kb_<name>, not exported:",
           " * two modules carrying the same copy never clash. */"]
    for h in includes:
        out += [f"#if __has_include(<{h}>)", f"#include <{h}>", "#endif"]
    if p.strategy == "inline":
        # inline OUT has no kb_compat.h nor header wrappers: the rules' shims reach the
        # copies through kb_inline.h, whose kernel names keep the shims' meaning here as
        # in the layer (the copies are the driver's kernel's code, not rewritten into spots)
        out += ["", "/* The rules' shims as the layer applies them: the kernel names keep the shims'",
                " * meaning in the copies (kb_inline.h gives them back to the kernel otherwise). */",
                f"#define {INLINE_LAYER_NAMES}", '#include "kb_inline.h"', f'#include "{DRAFTS_H.removeprefix("compat/")}"']
    out.append("")
    # the text, grouped by file in source order: a static helper precedes its users there
    items: list[tuple[str, int, str, str, list[str]]] = []
    for d in p.drafts:
        items.append((d.file, d.line, d.name, d.text, [d.name]))
    for key, h in p.helpers.items():
        items.append((h.file, h.line, key.split(":", 1)[1], h.text, sorted(users.get(key, []))))
    items.sort()

    def cond(by: list[str]) -> str:
        return "#if " + " || ".join(f"!defined({_guard(u)})" for u in by)

    # the renames first: a copy may call one defined further down (its file declared it first)
    for _file, _line, name, _text, by in items:
        if not name.startswith("type:"):
            out += [cond(by), f"#undef {name}", f"#define {name} {PREFIX}{name}", "#endif"]
    out.append("")
    for file, line, name, text, by in items:
        tag = name.removeprefix("type:")
        pkg = next((d.package for d in p.drafts if d.file == file), "")
        out += [cond(by), f"/* kb_draft {tag}: {pkg}, {file}:{line} */", text,
                f"#endif /* kb_draft {tag} */", ""]
    return "\n".join(out)


def drafts_h(p: DraftPlan) -> str:
    """compat/kb_drafts.h (inline OUT): each copy's declaration as kb_<name>, after the header
    that declares it on the driver's kernel, where the target lacks the export. kb_inline.h
    includes it after the rules' shims (a struct a shim renames is renamed in the
    declaration too), before it gives the kernel names back: the driver's guarded spots
    call kb_<name>, the kernel's <name> keeps its meaning."""
    out = ["/* Generated by kbridge (inline strategy): the copies of compat/kb_drafts.c, declared",
           " * under their kb_ names; each only where this kernel's Module.symvers lacks the",
           " * export (KB_HAVE_EXPORT_<name>, computed by ../Kbuild). */",
           "#ifndef KB_DRAFTS_H", "#define KB_DRAFTS_H"]
    for d in p.drafts:
        out += [f"#ifndef {_guard(d.name)}", f"#include <{d.header}>",
                f"/* drafted: {d.name} of {d.package}, {d.file}:{d.line} (compat/kb_drafts.c) */",
                f"{_renamed_proto(d)};", "#endif"]
    out.append("#endif")
    return "\n".join(out) + "\n"


def kbuild_text(p: DraftPlan, modules: list[str], test_module: str | None = None) -> str:
    """The lines OUT's Kbuild appends: the export probe, the wrapper directory, the object.

    *modules*: the driver's modules, each of which links the compat object;
    *test_module*: instead, a module of the compat object alone (bridge's compile check).
    """
    syms = " ".join(d.name for d in p.drafts)
    lines = ["", "# 5. kbridge compat object (compatobj): exported functions of the driver's kernel",
             "#    that this kernel may lack, copied into compat/kb_drafts.c; a copy is used only",
             "#    where Module.symvers lacks the export (KB_HAVE_EXPORT_<name>).",
             f"KB_DRAFT_SYMS := {syms}",
             "ifeq ($(filter clean,$(MAKECMDGOALS))$(filter %clean,$(MAKECMDGOALS)),)",
             "ifeq ($(wildcard $(objtree)/Module.symvers),)",
             "$(error kbridge compat object: $(objtree)/Module.symvers is missing: cannot tell which exported "
             "functions this kernel has (compat/kb_drafts.c))",
             "endif",
             "KB_DRAFT_HAVE := $(shell awk '{ print $$2 }' $(objtree)/Module.symvers | "
             "grep -x -F $(addprefix -e ,$(KB_DRAFT_SYMS)))",
             "endif",
             "ccflags-y += $(foreach s,$(KB_DRAFT_HAVE),-D" + _guard("$(s)") + ")"]
    if p.strategy == "layer":
        lines += ["#    Its wrappers come first: their #include_next reaches the layer's, so the",
                  "#    renamed copies are declared after every shim (a struct a shim renames included).",
                  f"NOSTDINC_FLAGS := -I$(KB_COMPAT)/{WRAP_DIR.removeprefix('compat/')} $(NOSTDINC_FLAGS)"]
    else:
        lines += ["#    The driver's guarded spots call kb_<name> (declared by compat/kb_drafts.h",
                  "#    through kb_inline.h); no header wrapper renames the kernel's names."]
    if test_module is not None:
        lines += [f"obj-m := {test_module}.o",
                  f"{test_module}-y := {DRAFTS_C[:-2]}.o compat/{test_module}_license.o"]
    for m in modules:
        lines += [f"ifeq ($(strip $({m}-y)$({m}-objs)),)",
                  f"{m}-y := compat/kb_drv_{m}.o {DRAFTS_C[:-2]}.o",
                  "else", f"{m}-y += {DRAFTS_C[:-2]}.o", "endif"]
    return "\n".join(lines) + "\n"


def files(p: DraftPlan, modules: list[str]) -> dict[str, bytes]:
    """The compat object's files of OUT (besides the Kbuild lines); *modules*: the
    single-object modules, built from their M.c."""
    out: dict[str, bytes] = {DRAFTS_C: drafts_c(p).encode()}
    if p.strategy == "inline":
        out[DRAFTS_H] = drafts_h(p).encode()
    else:
        by_header: dict[str, list[Draft]] = {}
        for d in p.drafts:
            by_header.setdefault(d.header, []).append(d)
        for h, ds in sorted(by_header.items()):
            out[f"{WRAP_DIR}/{h}"] = _wrapper(h, ds).encode()
    for m in modules:       # a single-object module's own file, under another object name
        out[f"compat/kb_drv_{m}.c"] = (f"/* Generated by kbridge: the module's own file, compiled under this\n"
                                      f" * name so that {m}.ko can also link compat/kb_drafts.o. */\n"
                                      f"#include \"../{m}.c\"\n").encode()
    return out


# --- the hook: apply to a layer OUT, compiled on each target first -------------------------

def _driver_build_file(content: dict[str, bytes]) -> str | None:
    return "compat/Kbuild.driver" if "compat/Kbuild.driver" in content else \
        "Makefile" if "Makefile" in content else None


def _subplan(p: DraftPlan, target: str) -> DraftPlan:
    used = [d for d in p.drafts if target in d.targets]
    hs = {h for d in used for h in d.helpers}
    return DraftPlan(used, {k: v for k, v in p.helpers.items() if k in hs}, [], strategy=p.strategy)


def compile_check(p: DraftPlan, content: dict[str, bytes], trees: list[Any]) -> None:
    """Build the compat object alone on every target that uses a copy, in OUT's layer
    context (its Kbuild without the driver, its compat/ headers and probes); a copy
    that does not compile or link there is refused on that target."""
    for tree in trees:
        for _ in range(len(p.drafts) + 1):
            sub = _subplan(p, tree.name)
            if not sub.drafts:
                break
            res = _build_object(sub, tree, content)
            if res.ok and not res.undefined_symbols:
                break
            for who, names in _undeclared(res, drafts_c(sub)).items():
                p.wants_names.setdefault((who, tree.name), set()).update(names)
            bad = _blame(res, drafts_c(sub), sub.drafts)
            if len(bad) == len(sub.drafts) > 1 and all(w == bad[0][1] for _, w in bad):
                # nothing names the copy at fault (an error inside a kernel header): each
                # copy with the copies it calls, alone
                bad = [(d, why) for d in sub.drafts if (why := _alone(p, d, tree, content)) is not None]
            for d, why in bad:
                d.targets.remove(tree.name)
                p.refused.append(Refused(d.name, tree.name, f"the copy does not build on {tree.name}: {why}"))
            if not bad:
                break


def _build_object(sub: DraftPlan, tree: Any, content: dict[str, bytes]) -> Any:
    """kbuild of a module of just *sub*'s copies on *tree*, with OUT's layer around it."""
    import tempfile

    from kbridge.actions.kbuild import build
    from kbridge.facts import driver as drv_mod
    kb = content["Kbuild"].decode()
    own = _driver_build_file(content)
    if own:
        kb = kb.replace(f"include $(src)/{own}\n", "")
    kb += kbuild_text(sub, [], test_module="kb_drafttest")
    with tempfile.TemporaryDirectory(prefix="kbridge-draft-") as tmp:
        work = Path(tmp) / "kb_drafttest"
        for rel, data in {**content, **files(sub, [])}.items():
            if rel.startswith("compat/"):
                (work / rel).parent.mkdir(parents=True, exist_ok=True)
                (work / rel).write_bytes(data)
        (work / "Kbuild").write_text(kb)
        # modpost refuses a module without a license (6.x); the copies are GPL code
        (work / "compat" / "kb_drafttest_license.c").write_text(
            '#include <linux/module.h>\nMODULE_LICENSE("GPL");\n')
        return _cached_build(work, tree, build, drv_mod)


def _alone(p: DraftPlan, d: Draft, tree: Any, content: dict[str, bytes]) -> str | None:
    """Why *d* (with the drafted functions it calls) does not build alone on *tree*, or None."""
    names = {d.name}
    todo = [d]
    by = {x.name: x for x in p.drafts}
    while todo:
        for c in todo.pop().calls:
            if c in by and c not in names:
                names.add(c)
                todo.append(by[c])
    mine = [x for x in p.drafts if x.name in names]
    helpers = {h for x in mine for h in x.helpers}
    res = _build_object(DraftPlan(mine, {k: v for k, v in p.helpers.items() if k in helpers}, [],
                                  strategy=p.strategy), tree, content)
    if res.ok and not res.undefined_symbols:
        return None
    errs = [e for e in res.diagnostics if e.severity != "warning"]
    return (f"{errs[0].file}:{errs[0].line}: {errs[0].message}" if errs else
            f"modpost: undefined {', '.join(res.undefined_symbols)}" if res.undefined_symbols else
            "the build failed")


def _cached_build(work: Path, tree: Any, build: Any, drv_mod: Any) -> Any:
    """kbuild of the compat object alone, its verdict cached by the exact files and tree
    (the same OUT checked again -- bridge's self-check, the matrix -- costs nothing)."""
    from kbridge.actions.kbuild import BuildResult, Diagnostic
    from kbridge.storage import atomic_write
    h = hashlib.sha256(f"{tree.path}\0{tree.release}\0{tree.version}".encode())
    for f in sorted(work.rglob("*")):
        if f.is_file():
            h.update(f.relative_to(work).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    cache = _cache_dir() / "checks" / f"{h.hexdigest()[:32]}.json"
    if cache.is_file():
        j = json.loads(cache.read_text())
        return BuildResult("kb_drafttest", tree.name, j["ok"], 0, 0, j["undefined"], 0.0,
                           [Diagnostic(**d) for d in j["diags"]])
    res = build(drv_mod.load(work, label="kb_drafttest"), tree)
    stop = re.search(r"\*\*\* (.+?)\.?\s+Stop\.", res.log)
    if not res.ok and stop and "kbridge" in stop.group(1):
        # make stopped before any compiler ran (the layer's own probes failed there): say so
        res.diagnostics.insert(0, Diagnostic("Kbuild", 0, 0, "error", stop.group(1)))
    explained = res.ok or res.undefined_symbols or any(
        d.severity != "warning" and d.file and d.line > 0 for d in res.diagnostics)
    if explained:       # a failure nothing explains (a root's mount under load, ...) is asked again
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cache, json.dumps({"ok": res.ok, "undefined": res.undefined_symbols,
                                        "diags": [d.to_json() for d in res.diagnostics]}))
    return res


def _owners(text: str) -> dict[int, str]:
    """Line of kb_drafts.c -> the copy it belongs to."""
    owner: dict[int, str] = {}
    cur = None
    for i, ln in enumerate(text.splitlines(), 1):
        m = re.match(r"/\* kb_draft (\w+): ", ln)
        if m:
            cur = m.group(1)
        elif re.match(r"#endif /\* kb_draft \w+ \*/$", ln):
            cur = None
        if cur:
            owner[i] = cur
    return owner


_UNDECLARED = re.compile(r"'(\w+)' undeclared|implicit declaration of function '(\w+)'")


def _undeclared(res: Any, text: str) -> dict[str, set[str]]:
    """copy -> every name gcc found undeclared in it (all of them, not just the first)."""
    owner = _owners(text)
    out: dict[str, set[str]] = {}
    for e in res.diagnostics:
        m = _UNDECLARED.search(e.message) if e.severity != "warning" else None
        who = owner.get(e.line) if m and e.file.endswith("kb_drafts.c") else None
        if who:
            out.setdefault(who, set()).add(m.group(1) or m.group(2))   # type: ignore[union-attr]
    return out


def _blame(res: Any, text: str, used: list[Draft]) -> list[tuple[Draft, str]]:
    """Which used drafts a failed build of the compat object is due to, and the complaint."""
    owner = _owners(text)
    errs = [d for d in res.diagnostics if d.severity != "warning"]
    bad: dict[str, str] = {}
    for e in errs:
        who = owner.get(e.line) if e.file.endswith("kb_drafts.c") else None
        if who:
            bad.setdefault(who, f"{e.file}:{e.line}: {e.message}")
    for sym in res.undefined_symbols:
        for d in used:
            if re.search(rf"\b{re.escape(sym)}\b", d.text):
                bad.setdefault(d.name, f"modpost: {sym} is undefined (not exported by this kernel)")
    if not bad:
        why = (f"{errs[0].file}:{errs[0].line}: {errs[0].message}" if errs else
               f"modpost: undefined {', '.join(res.undefined_symbols)}" if res.undefined_symbols else
               "the build failed")
        return [(d, why) for d in used]
    out = []
    names = set(bad)
    # a helper's failure is its users'; a drafted callee's failure is its callers'
    changed = True
    while changed:
        changed = False
        for d in used:
            if d.name in names:
                continue
            hit = [h for h in d.helpers if h.split(":", 1)[1].removeprefix("type:") in names] + [c for c in d.calls if c in names]
            if hit:
                names.add(d.name)
                bad[d.name] = f"it calls {hit[0].split(':')[-1]}, whose copy does not build: {bad.get(hit[0].split(':')[-1], '')}"
                changed = True
    for d in used:
        if d.name in names:
            out.append((d, bad[d.name]))
    return out


def _explain(p: DraftPlan, home: Any, trees: list[Any], cache: Path | None) -> None:
    """A copy refused for a name gcc did not know: say when the driver's kernel declares
    that name in its headers and the target does not (a header draft or a rule must
    supply it before the copy can build)."""
    from kbridge.facts.index import open_index
    pat = re.compile(r"'(\w+)' undeclared|implicit declaration of function '(\w+)'")
    todo = [(i, r, m.group(1) or m.group(2)) for i, r in enumerate(p.refused)
            if (m := pat.search(r.why))]
    if not todo:
        return
    by_name = {t.name: t for t in trees}
    with open_index(home, cache) as hi:
        for i, r, name in todo:
            found = hi.lookup(name)
            if not found or r.target not in by_name:
                continue
            with open_index(by_name[r.target], cache) as ti:
                if ti.lookup(name):
                    continue
            what = getattr(found[0], "kind", "name").replace("_", " ")
            what = ("an " if what[0] in "aeiou" else "a ") + what
            where = getattr(found[0], "file", "")
            p.refused[i] = Refused(r.name, r.target, f"{r.why} -- {name} is {what} of the driver's "
                                   f"kernel ({where}) that {r.target}'s headers lack: the copy builds once a "
                                   "header draft or a rule supplies it")


def _wanted(p: DraftPlan, home: Any, trees: list[Any], rules: list[Any], cache: Path | None) -> None:
    """Keep of :attr:`DraftPlan.wants_names` the names the driver's kernel declares and the
    target lacks (a header draft can supply them); a name a rule covers wants that rule."""
    from kbridge.facts.index import open_index
    if not p.wants_names:
        return
    rule_names = _rule_names(rules)
    by_name = {t.name: t for t in trees}
    kept: dict[tuple[str, str], set[str]] = {}
    with open_index(home, cache) as hi:
        for (who, tname), names in sorted(p.wants_names.items()):
            if tname not in by_name:
                continue
            with open_index(by_name[tname], cache) as ti:
                for n in sorted(names):
                    if n in rule_names:
                        p.wants_rules.setdefault((who, tname), set()).update(rule_names[n])
                    elif hi.lookup(n) and not ti.lookup(n):
                        kept.setdefault((who, tname), set()).add(n)
    p.wants_names = kept


def apply(driver: Any, home: Any, trees: list[Any], rules: list[Any], shimmed: set[str],
          content: dict[str, bytes], *, cache: Path | None = None, strategy: str = "layer",
          drafted: set[tuple[str, str]] | None = None) -> DraftPlan:
    """The hook of both strategies: plan the drafts, compile them on each target, and add
    the compat object to *content* (OUT's files, changed in place) when any copy is used.
    *strategy*: the OUT's ("layer": header wrappers rename the driver's calls; "inline":
    the driver's spots call kb_<name>, which :func:`drafts_h` declares -- the inline
    strategy writes those spots once this returns, :func:`.inline.files`).
    *drafted*: (target name, API) a header draft already supplies there (another kernel's
    static inline, :mod:`.draft`): never copied for that target too."""
    from kbridge.actions.bridge import layer
    p = plan(driver, home, trees, rules, shimmed, cache=cache, drafted=drafted)
    p.strategy = strategy
    if not p.drafts:
        return p
    own = _driver_build_file(content)
    modules = layer._modules(content[own].decode(errors="replace")) if own else []
    if not modules:
        for d in p.drafts:
            p.refused += [Refused(d.name, t, "the driver's build file names no module (obj-m) to link "
                                  "a compat object into") for t in d.targets]
        p.drafts = []
        return p
    build_text = content[own].decode(errors="replace") if own else ""
    missing = [m for m in modules if "/" in m or (f"{m}.c" not in content and not re.search(
        rf"^\s*{re.escape(m)}-(?:y|objs)\s*[:+]?=", build_text, re.M))]
    single = [m for m in modules if f"{m}.c" in content]
    if missing:
        for d in p.drafts:
            p.refused += [Refused(d.name, t, f"module {missing[0]} is not built from {missing[0]}.c, "
                                  "kbridge cannot link a compat object into it") for t in d.targets]
        p.drafts = []
        return p
    base = dict(content)
    base.update(files(p, single))
    compile_check(p, base, trees)
    _explain(p, home, trees, cache)
    _wanted(p, home, trees, rules, cache)
    p.drafts = [d for d in p.drafts if d.targets]
    if not p.drafts:
        return p
    used_helpers = {h for d in p.drafts for h in d.helpers}
    p.helpers = {k: v for k, v in p.helpers.items() if k in used_helpers}
    content.update(files(p, single))
    content["Kbuild"] = content["Kbuild"] + kbuild_text(p, modules).encode()
    return p
