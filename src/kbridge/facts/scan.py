"""What kernel API a driver uses, read from its sources with a real C parser.

``scan(driver)`` parses every .c and .h file of a driver with tree-sitter-c
(never regular expressions over C) and lists each use of a name the driver
does not declare itself -- the kernel API it depends on -- with file, line and
column:

* ``call``     a function or function-like macro called, with its argument count;
* ``ref``      an identifier used as a value: a function taken as a pointer, a
               macro constant, an enum constant, a kernel global;
* ``type``     a typedef name (``blk_mode_t``, ``u32``);
* ``struct`` / ``union`` / ``enum``  a tag the driver does not define;
* ``member``   ``x->m`` / ``x.m`` where x resolves to a kernel struct, through
               the driver's own declarations (locals, parameters, globals,
               members of driver structs, casts, ``container_of``) and, when an
               index is given, the kernel's struct members and return types;
* ``init``     a field set in a designated initializer of a kernel struct
               (``static const struct block_device_operations fops = {.open = f}``),
               with the value assigned (``f``);
* ``include``  a header included with ``<...>``.

Columns are gcc's: 1-based display columns with tabs every 8, so that a
prediction lines up with what the compiler would print.

Identifiers inside the driver's own ``#define`` bodies are scanned too (the body
is parsed as C) and reported at the macro's definition, where gcc reports an
error in an expansion. Preprocessor conditions (``#ifdef CONFIG_X``) are not
uses. Given a condition evaluator for one kernel (its .config, its version,
its macros), branches that kernel rules out are skipped; otherwise code in
every branch is scanned, and each use records whether it sits under a
condition it could not decide (``guarded``).

The scanner is total: any bytes give a result (tree-sitter recovers from
errors), never an exception; that is fuzzed in tests and in bench/.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import tree_sitter

from kbridge.errors import KbridgeError
from kbridge.facts import clex, cparse
from kbridge.facts.driver import Driver

# Kernel macros whose result type is named by one of their arguments
# (include/linux/container_of.h, include/linux/list.h, include/linux/rbtree.h):
# name -> index of the argument that is the type.
_TYPED_MACROS = {
    "container_of": 1, "container_of_const": 1, "list_entry": 1, "list_first_entry": 1,
    "list_last_entry": 1, "list_first_entry_or_null": 1, "list_last_entry_or_null": 1,
    "hlist_entry": 1, "hlist_entry_safe": 1, "rb_entry": 1, "rb_entry_safe": 1,
    "llist_entry": 1, "list_entry_rcu": 1, "list_first_or_null_rcu": 1,
}
# Macros whose result has the type of their first argument (list iteration helpers).
_SAME_TYPE_MACROS = {"list_next_entry", "list_prev_entry", "list_next_entry_circular",
                     "list_prev_entry_circular"}
# Iterators whose first argument is a cursor of the element type and last the member name.
_MEMBER_LAST_MACROS = {"list_for_each_entry", "list_for_each_entry_safe", "list_for_each_entry_reverse",
                       "list_for_each_entry_continue", "list_for_each_entry_rcu",
                       "list_for_each_entry_safe_reverse", "hlist_for_each_entry",
                       "hlist_for_each_entry_safe", "list_for_each_entry_from"}
_OFFSETOF_MACROS = {"offsetof": 0, "sizeof_field": 0, "offsetofend": 0}


_C_WORDS = frozenset("void char short int long float double signed unsigned _Bool bool const "
                     "volatile struct union enum".split())


def _leaves_named(node: tree_sitter.Node, name: str, src: bytes) -> Iterator[tree_sitter.Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.child_count == 0 and src[n.start_byte:n.end_byte].decode("utf-8", "replace") == name:
            yield n
        stack.extend(reversed(n.children))


@dataclass(frozen=True, order=True)
class TypeRef:
    """A C type reduced to what member resolution needs: base name and pointer depth."""

    base: str          # "struct gendisk", "blk_mode_t", "int"; "" when unknown
    ptr: int = 0

    def deref(self) -> TypeRef | None:
        return TypeRef(self.base, self.ptr - 1) if self.ptr > 0 else None

    def addr(self) -> TypeRef:
        return TypeRef(self.base, self.ptr + 1)


def _stored_field(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """The x->m of an assignment's left side x->m[i] or *x->m, else None."""
    inner = node.child_by_field_name("argument")
    if inner is not None and node.type == "pointer_expression":
        op = node.child_by_field_name("operator")
        if op is None or op.type != "*":
            return None
    return inner if inner is not None and inner.type == "field_expression" else None


class TypeOracle(Protocol):
    """What the scanner asks a kernel index (kbridge.facts.index.ApiIndex fits)."""

    def member_type(self, struct: str, member: str) -> str | None: ...
    def return_type(self, function: str) -> str | None: ...
    def typedef_type(self, name: str) -> str | None: ...


@dataclass(frozen=True, order=True)
class Use:
    file: str
    line: int
    col: int
    kind: str                 # call ref type struct union enum member init include
    name: str                 # identifier; for member/init the member name; for include the header
    owner: str = ""           # member/init: "struct gendisk"
    arity: int = -1           # call: number of arguments
    value: str = ""           # init: identifier assigned (".open = blkif_open" -> "blkif_open")
    guarded: bool = False     # under a preprocessor condition
    stmt: int = 0             # line where the enclosing statement/declaration starts
    func: str = ""            # enclosing function definition ("" at file scope)
    write: bool = False       # member: assigned to (x->m = ..., x->m |= ..., x->m++)
    # member: written THROUGH (the member is a pointer or array): "store" for x->m[i] = ...
    # or *x->m = ...; "arg F I" when x->m is passed as argument I (from 0) of a call of F,
    # which may write through it (the checker asks F's parameter type)
    through: str = ""

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"file": self.file, "line": self.line, "col": self.col,
                                  "kind": self.kind, "name": self.name}
        if self.owner:
            out["owner"] = self.owner
        if self.arity >= 0:
            out["arity"] = self.arity
        if self.value:
            out["value"] = self.value
        if self.guarded:
            out["guarded"] = True
        if self.write:
            out["write"] = True
        if self.through:
            out["through"] = self.through
        return out


@dataclass
class FunctionDecl:
    name: str
    ret: TypeRef
    params: list[str]          # parameter type texts
    static: bool
    file: str
    line: int
    defined: bool


@dataclass
class Scan:
    driver: str
    files: tuple[str, ...]
    uses: list[Use] = field(default_factory=list)
    macros: dict[str, tuple[str, int]] = field(default_factory=dict)       # name -> (file, line)
    # name -> (parameter list text or "", replacement text): what gcc compares when a
    # definition meets another of the same name (check's macro-redefined)
    macro_defs: dict[str, tuple[str, str]] = field(default_factory=dict)
    functions: dict[str, FunctionDecl] = field(default_factory=dict)
    globals: dict[str, TypeRef] = field(default_factory=dict)
    structs: dict[str, dict[str, TypeRef]] = field(default_factory=dict)   # "struct x" -> members
    typedefs: dict[str, TypeRef] = field(default_factory=dict)
    enum_constants: set[str] = field(default_factory=set)
    parse_errors: int = 0

    @property
    def declared(self) -> set[str]:
        """Every file-scope name the driver declares itself."""
        return (set(self.macros) | set(self.functions) | set(self.globals) | set(self.typedefs)
                | self.enum_constants)

    @property
    def includes(self) -> list[Use]:
        return [u for u in self.uses if u.kind == "include"]

    def needed_symbols(self, is_extern_function) -> list[str]:
        """Symbols the module needs at load time: kernel functions it calls or takes the
        address of that are real (exported) functions, not static inlines or macros.
        *is_extern_function(name)* answers from a kernel index."""
        names = {u.name for u in self.uses if u.kind in ("call", "ref")}
        return sorted(n for n in names if n not in self.declared and is_extern_function(n))

    def to_json(self, symbols: list[str] | None = None,
                resolved: dict[str, str] | None = None) -> dict[str, object]:
        """*resolved*: what a kernel index says each name is ("function", "macro", ...)."""
        uses = []
        for u in self.uses:
            j = u.to_json()
            if resolved is not None and u.kind in ("call", "ref", "type"):
                j["declared_as"] = resolved.get(u.name, "unknown")
            uses.append(j)
        return {
            "driver": self.driver,
            "files": list(self.files),
            "includes": sorted({u.name for u in self.includes}),
            "uses": uses,
            "symbols": symbols if symbols is not None else [],
            "parse_errors": self.parse_errors,
        }


# --------------------------------------------------------------------------- helpers

def _display_col(line_bytes: bytes, byte_col: int) -> int:
    """gcc's column: 1-based, a tab advances to the next multiple of 8."""
    col = 0
    for b in line_bytes[:byte_col]:
        col = (col // 8 + 1) * 8 if b == 9 else col + 1
    return col + 1


def _text(src: bytes, node: tree_sitter.Node) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _declarator_name(node: tree_sitter.Node | None, src: bytes) -> tuple[str | None, int, bool]:
    """(name, pointer depth, is a function declarator) of a declarator."""
    ptr = 0
    func = False
    while node is not None:
        t = node.type
        if t in ("identifier", "field_identifier", "type_identifier", "primitive_type"):
            return _text(src, node), ptr, func
        if t == "pointer_declarator":
            ptr += 1
        elif t == "array_declarator":
            ptr += 1
        elif t == "function_declarator":
            func = True
        elif t in ("parenthesized_declarator", "attributed_declarator"):
            inner = [c for c in node.named_children if c.type.endswith("declarator") or c.type in (
                "identifier", "field_identifier", "type_identifier")]
            node = inner[0] if inner else None
            continue
        elif t == "init_declarator":
            pass
        else:
            return None, ptr, func
        node = node.child_by_field_name("declarator")
    return None, ptr, func


def _type_base(node: tree_sitter.Node | None, src: bytes) -> str:
    if node is None:
        return ""
    t = node.type
    if t in ("struct_specifier", "union_specifier", "enum_specifier"):
        name = node.child_by_field_name("name")
        kw = t.split("_")[0]
        return f"{kw} {_text(src, name)}" if name is not None else ""
    if t in ("type_identifier", "primitive_type"):
        return _text(src, node)
    if t == "sized_type_specifier":
        return " ".join(_text(src, node).split())
    if t == "macro_type_specifier":
        return ""
    return ""


@lru_cache(maxsize=8192)
def parse_type_text(text: str) -> TypeRef | None:
    """"struct gendisk *" -> TypeRef("struct gendisk", 1); None for function pointers."""
    src = close_open_literals(f"{text} __kb;".encode())
    tree = cparse.thread_parser().parse(src)
    for decl in tree.root_node.named_children:
        if decl.type not in ("declaration", "expression_statement"):
            continue
        if decl.type != "declaration":
            return None
        base = _type_base(decl.child_by_field_name("type"), src)
        d = decl.child_by_field_name("declarator")
        name, ptr, func = _declarator_name(d, src)
        if func or not base:
            return None
        return TypeRef(base, ptr)
    return None


# --------------------------------------------------------------------------- scanning

class _FileScanner:
    def __init__(self, scan: Scan, rel: str, src: bytes, oracle: TypeOracle | None,
                 cond: Any = None):
        self.scan = scan
        self.cond = cond
        self.rel = rel
        self.src = src
        self.lines = src.split(b"\n")
        self.oracle = oracle
        self.scopes: list[dict[str, TypeRef]] = []
        self.macro_params: set[str] = set()
        self.guard = 0
        self.stmt = 0
        self.line_offset = 0        # for macro bodies parsed on their own
        self.col_base: tuple[int, int] | None = None  # (first-line byte prefix, arg byte col)
        # a #define body parsed on its own: (row, byte column of the body, prefix length)
        self.macro_origin: tuple[int, int, int] | None = None
        self.orig_lines: list[bytes] = self.lines
        self._declared: set[str] = set()
        self.func = ""

    # -- positions
    def pos(self, node: tree_sitter.Node) -> tuple[int, int]:
        if self.macro_origin is not None:
            # map back into the #define: its body keeps the original line structure
            brow, bcol0, plen = self.macro_origin
            row, bcol = node.start_point
            bcol = max(0, bcol - plen) + bcol0 if row == 0 else bcol
            row += brow
            line = self.orig_lines[row] if row < len(self.orig_lines) else b""
            return row + 1, _display_col(line, bcol)
        row, bcol = node.start_point
        line = self.lines[row] if row < len(self.lines) else b""
        return row + 1, _display_col(line, bcol)

    def add(self, node: tree_sitter.Node, kind: str, name: str, **kw: object) -> None:
        line, col = self.pos(node)
        self.scan.uses.append(Use(self.rel, line, col, kind, name, guarded=self.guard > 0,
                                  stmt=self.stmt or line, func=self.func, **kw))  # type: ignore[arg-type]

    def cond_value(self, node: tree_sitter.Node) -> int | None:
        """1/0 when the condition of an #if/#ifdef/#elif is known on the target, else None
        (a condition on the driver's own macro depends on where it is defined: unknown)."""
        return cparse.branch_value(self.cond, node, self.src, self.scan.macros)

    # -- names
    def local(self, name: str) -> TypeRef | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def is_own(self, name: str) -> bool:
        return (name in self.macro_params or any(name in s for s in self.scopes)
                or name in self._declared)

    # -- declarations (first pass)
    def collect(self, root: tree_sitter.Node) -> None:
        stack = [root]
        while stack:
            node = stack.pop()
            t = node.type
            if t in ("preproc_def", "preproc_function_def"):
                name = node.child_by_field_name("name")
                if name is not None:
                    self.scan.macros.setdefault(_text(self.src, name), (self.rel, node.start_point[0] + 1))
                    params, value = node.child_by_field_name("parameters"), node.child_by_field_name("value")
                    self.scan.macro_defs.setdefault(_text(self.src, name), (
                        _text(self.src, params) if params is not None else "",
                        _text(self.src, value) if value is not None else ""))
                continue
            if t == "function_definition":
                self._collect_decl(node, defined=True)
                continue
            if t == "declaration" and self._file_scope(node):
                self._collect_decl(node, defined=False)
            if t == "type_definition":
                self._collect_typedef(node)
            if t in ("struct_specifier", "union_specifier"):
                self._collect_struct(node)
            if t == "enumerator":
                name = node.child_by_field_name("name")
                if name is not None:
                    self.scan.enum_constants.add(_text(self.src, name))
            if t == "compound_statement":
                # local struct definitions matter, local variables do not
                stack.extend(c for c in node.named_children)
                continue
            stack.extend(reversed(node.named_children))

    def _file_scope(self, node: tree_sitter.Node) -> bool:
        p = node.parent
        while p is not None:
            if p.type in ("compound_statement", "parameter_list", "field_declaration_list"):
                return False
            p = p.parent
        return True

    def _collect_decl(self, node: tree_sitter.Node, *, defined: bool) -> None:
        base = _type_base(node.child_by_field_name("type"), self.src)
        static = any(c.type == "storage_class_specifier" and _text(self.src, c) in ("static", "extern")
                     and _text(self.src, c) == "static" for c in node.children)
        for d in node.children_by_field_name("declarator"):
            name, ptr, func = _declarator_name(d, self.src)
            if not name:
                continue
            if func:
                fd = d
                while fd is not None and fd.type != "function_declarator":
                    fd = fd.child_by_field_name("declarator")
                params = []
                if fd is not None and fd.child_by_field_name("parameters") is not None:
                    for p in fd.child_by_field_name("parameters").named_children:
                        if p.type == "parameter_declaration":
                            params.append(" ".join(_text(self.src, p).split()))
                old = self.scan.functions.get(name)
                if old is None or (defined and not old.defined):
                    self.scan.functions[name] = FunctionDecl(
                        name, TypeRef(base, ptr), params, static, self.rel,
                        node.start_point[0] + 1, defined)
            else:
                self.scan.globals.setdefault(name, TypeRef(base, ptr))

    def _collect_typedef(self, node: tree_sitter.Node) -> None:
        tnode = node.child_by_field_name("type")
        base = _type_base(tnode, self.src)
        for d in node.children_by_field_name("declarator"):
            name, ptr, func = _declarator_name(d, self.src)
            if not name:
                continue
            if tnode is not None and tnode.type in ("struct_specifier", "union_specifier") \
                    and not base and tnode.child_by_field_name("body") is not None:
                base = f"{tnode.type.split('_')[0]} {name}"
                self._collect_struct(tnode, as_name=base)
            self.scan.typedefs[name] = TypeRef(base if not func else "", ptr)

    def _collect_struct(self, node: tree_sitter.Node, as_name: str | None = None) -> None:
        body = node.child_by_field_name("body")
        if body is None:
            return
        key = as_name or _type_base(node, self.src)
        if not key:
            return
        members: dict[str, TypeRef] = {}
        self._struct_members(body, members)
        self.scan.structs.setdefault(key, members)

    def _struct_members(self, body: tree_sitter.Node, members: dict[str, TypeRef]) -> None:
        for fdecl in body.named_children:
            if fdecl.type != "field_declaration":
                if fdecl.type.startswith("preproc_"):
                    self._struct_members(fdecl, members)
                continue
            tnode = fdecl.child_by_field_name("type")
            base = _type_base(tnode, self.src)
            decls = fdecl.children_by_field_name("declarator")
            if not decls and tnode is not None and tnode.child_by_field_name("body") is not None:
                # anonymous struct/union: its members are the outer struct's
                self._struct_members(tnode.child_by_field_name("body"), members)
            for d in decls:
                name, ptr, func = _declarator_name(d, self.src)
                if name:
                    members[name] = TypeRef("" if func else base, ptr)

    # -- types
    def resolve_typedef(self, t: TypeRef | None, depth: int = 0) -> TypeRef | None:
        if t is None or depth > 8 or not t.base or t.base.startswith(("struct ", "union ", "enum ")):
            return t
        own = self.scan.typedefs.get(t.base)
        if own is not None:
            return self.resolve_typedef(TypeRef(own.base, own.ptr + t.ptr), depth + 1)
        if self.oracle is not None:
            text = self.oracle.typedef_type(t.base)
            inner = parse_type_text(text) if text else None
            if inner is not None:
                return self.resolve_typedef(TypeRef(inner.base, inner.ptr + t.ptr), depth + 1)
        return t

    def member_type(self, owner: str, member: str) -> TypeRef | None:
        own = self.scan.structs.get(owner)
        if own is not None:
            return own.get(member)
        if self.oracle is not None:
            text = self.oracle.member_type(owner, member)
            return parse_type_text(text) if text else None
        return None

    def type_of_decl(self, tnode: tree_sitter.Node | None, declarator: tree_sitter.Node | None) -> TypeRef:
        base = _type_base(tnode, self.src)
        _, ptr, func = _declarator_name(declarator, self.src)
        return TypeRef("" if func else base, ptr)

    def expr_type(self, node: tree_sitter.Node | None, depth: int = 0) -> TypeRef | None:
        if node is None or depth > 50:
            return None
        t = node.type
        if t == "identifier":
            name = _text(self.src, node)
            found = self.local(name) or self.scan.globals.get(name)
            return self.resolve_typedef(found)
        if t == "parenthesized_expression":
            inner = node.named_children
            return self.expr_type(inner[0], depth + 1) if inner else None
        if t == "field_expression":
            return self.field_type(node, depth)
        if t == "pointer_expression":
            inner = self.expr_type(node.child_by_field_name("argument"), depth + 1)
            op = node.child_by_field_name("operator")
            if inner is None or op is None:
                return None
            return inner.addr() if _text(self.src, op) == "&" else self.resolve_typedef(inner.deref())
        if t == "subscript_expression":
            inner = self.expr_type(node.child_by_field_name("argument"), depth + 1)
            return self.resolve_typedef(inner.deref()) if inner else None
        if t == "cast_expression":
            return self.descriptor_type(node.child_by_field_name("type"))
        if t == "call_expression":
            fn = node.child_by_field_name("function")
            if fn is None or fn.type != "identifier":
                return None
            name = _text(self.src, fn)
            args = node.child_by_field_name("arguments")
            argv = [a for a in args.named_children if a.type != "comment"] if args is not None else []
            if name in _TYPED_MACROS and len(argv) > _TYPED_MACROS[name]:
                ty = parse_type_text(_text(self.src, argv[_TYPED_MACROS[name]]))
                return self.resolve_typedef(ty.addr()) if ty else None
            if name in _SAME_TYPE_MACROS and argv:
                return self.expr_type(argv[0], depth + 1)
            own = self.scan.functions.get(name)
            if own is not None:
                return self.resolve_typedef(own.ret)
            if self.oracle is not None:
                text = self.oracle.return_type(name)
                return self.resolve_typedef(parse_type_text(text)) if text else None
        return None

    def descriptor_type(self, desc: tree_sitter.Node | None) -> TypeRef | None:
        if desc is None:
            return None
        base = _type_base(desc.child_by_field_name("type"), self.src)
        ptr = 0
        d = desc.child_by_field_name("declarator")
        while d is not None:
            if d.type == "abstract_pointer_declarator":
                ptr += 1
            elif d.type != "abstract_array_declarator":
                return None
            d = d.child_by_field_name("declarator")
        return self.resolve_typedef(TypeRef(base, ptr)) if base else None

    def field_type(self, node: tree_sitter.Node, depth: int) -> TypeRef | None:
        arg = node.child_by_field_name("argument")
        fld = node.child_by_field_name("field")
        op = node.child_by_field_name("operator")
        if fld is None or op is None:
            return None
        owner = self.expr_type(arg, depth + 1)
        if owner is None:
            return None
        if _text(self.src, op) == "->":
            owner = owner.deref()
        elif owner.ptr:
            return None
        if owner is None or not owner.base.startswith(("struct ", "union ")):
            return None
        return self.resolve_typedef(self.member_type(owner.base, _text(self.src, fld)))

    # -- uses (second pass)
    def visit(self, node: tree_sitter.Node, expect: TypeRef | None = None) -> None:
        t = node.type
        if t == "identifier":
            name = _text(self.src, node)
            # a type keyword as a macro argument (module_param(x, int, 0444)) names no API
            if not self.is_own(name) and name not in _C_WORDS:
                self.add(node, "ref", name)
            return
        if t == "type_identifier":
            name = _text(self.src, node)
            if name not in self.scan.typedefs and not self.is_own(name):
                self.add(node, "type", name)
            return
        if t == "preproc_include":
            path = node.child_by_field_name("path")
            if path is not None and path.type == "system_lib_string":
                self.add(path, "include", _text(self.src, path)[1:-1].strip())
            return
        if t in ("preproc_def", "preproc_function_def"):
            self.visit_macro(node)
            return
        if t in cparse.CONDITIONAL_TYPES:
            value = self.cond_value(node)
            body, alt = cparse.branch_parts(node)
            # a branch the target's configuration rules out is not compiled: no uses
            if value != 0:
                self.guard += value is None
                for c in body:
                    self.visit(c)
                self.guard -= value is None
            if alt is not None and value != 1:
                self.guard += value is None
                self.visit(alt)
                self.guard -= value is None
            return
        if t == "preproc_else":
            for c in node.named_children:
                self.visit(c)
            return
        if t in ("preproc_call", "comment", "string_literal", "number_literal", "char_literal",
                 "system_lib_string", "preproc_arg", "field_identifier", "statement_identifier",
                 "primitive_type", "concatenated_string", "sized_type_specifier", "goto_statement"):
            return
        if t == "labeled_statement":
            for c in node.named_children:
                if c.type != "statement_identifier":
                    self.visit(c)
            return
        if t == "function_definition":
            self.visit_function(node)
            return
        if t in ("declaration", "field_declaration", "parameter_declaration", "type_definition"):
            self.visit_declaration(node)
            return
        if t in ("struct_specifier", "union_specifier", "enum_specifier"):
            self.visit_tag(node)
            return
        if t == "call_expression":
            self.visit_call(node)
            return
        if t == "field_expression":
            self.visit_field(node)
            return
        if t == "compound_literal_expression":
            ty = self.descriptor_type(node.child_by_field_name("type"))
            self.visit(node.child_by_field_name("type")) if node.child_by_field_name("type") else None
            val = node.child_by_field_name("value")
            if val is not None:
                self.visit(val, ty)
            return
        if t == "initializer_list":
            self.visit_initializer(node, expect)
            return
        if t == "compound_statement":
            self.scopes.append({})
            for c in node.named_children:
                self.visit_stmt(c)
            self.scopes.pop()
            return
        if t == "for_statement":
            self.scopes.append({})
            for c in node.named_children:
                self.visit_stmt(c)
            self.scopes.pop()
            return
        if t in ("assignment_expression", "update_expression"):
            left = node.child_by_field_name("left") or node.child_by_field_name("argument")
            right = node.child_by_field_name("right")
            if left is not None and left.type == "field_expression":
                self.visit_field(left, write=True)
            elif left is not None and left.type in ("subscript_expression", "pointer_expression") \
                    and _stored_field(left) is not None:
                # x->m[i] = ..., *x->m = ...: a store through the member
                self.visit_field(_stored_field(left), through="store")
                idx = left.child_by_field_name("index")
                if idx is not None:
                    self.visit(idx)
            elif left is not None:
                self.visit(left)
            if right is not None:
                self.visit(right, self.expr_type(left) if left is not None else None)
            return
        for c in node.named_children:
            self.visit(c)

    def visit_stmt(self, node: tree_sitter.Node) -> None:
        saved = self.stmt
        if self.macro_origin is None:
            self.stmt = node.start_point[0] + 1
        self.visit(node)
        self.stmt = saved

    def visit_function(self, node: tree_sitter.Node) -> None:
        self.visit(node.child_by_field_name("type")) if node.child_by_field_name("type") else None
        scope: dict[str, TypeRef] = {}
        d = node.child_by_field_name("declarator")
        while d is not None and d.type != "function_declarator":
            d = d.child_by_field_name("declarator")
        if d is not None and d.child_by_field_name("parameters") is not None:
            for p in d.child_by_field_name("parameters").named_children:
                if p.type == "parameter_declaration":
                    pd = p.child_by_field_name("declarator")
                    name, _, _ = _declarator_name(pd, self.src)
                    if name:
                        scope[name] = self.type_of_decl(p.child_by_field_name("type"), pd)
                    self.visit(p.child_by_field_name("type")) if p.child_by_field_name("type") else None
                    self.visit_declarator_parts(pd)
        self.scopes.append(scope)
        body = node.child_by_field_name("body")
        saved = self.func
        fname, _, _ = _declarator_name(node.child_by_field_name("declarator"), self.src)
        self.func = fname or "?"
        if body is not None:
            self.visit(body)
        self.func = saved
        self.scopes.pop()

    def visit_declarator_parts(self, d: tree_sitter.Node | None) -> None:
        """Array sizes, parameter lists and attributes of a declarator; never its name."""
        while d is not None:
            if d.type == "array_declarator":
                size = d.child_by_field_name("size")
                if size is not None:
                    self.visit(size)
            elif d.type == "function_declarator":
                params = d.child_by_field_name("parameters")
                if params is not None:
                    self.scopes.append({})
                    for p in params.named_children:
                        if p.type == "parameter_declaration":
                            self.visit(p.child_by_field_name("type")) if p.child_by_field_name("type") else None
                            self.visit_declarator_parts(p.child_by_field_name("declarator"))
                    self.scopes.pop()
            elif d.type == "init_declarator":
                pass
            elif d.type not in ("pointer_declarator", "parenthesized_declarator", "attributed_declarator",
                                "abstract_pointer_declarator", "abstract_array_declarator",
                                "abstract_function_declarator", "abstract_parenthesized_declarator"):
                return
            nxt = d.child_by_field_name("declarator")
            if nxt is None and d.type in ("parenthesized_declarator", "attributed_declarator",
                                          "abstract_parenthesized_declarator"):
                inner = [c for c in d.named_children if "declarator" in c.type or c.type == "identifier"]
                nxt = inner[0] if inner else None
            d = nxt

    def visit_declaration(self, node: tree_sitter.Node) -> None:
        if node.type == "field_declaration" and self.visit_trailing_attribute(node):
            return
        tnode = node.child_by_field_name("type")
        if tnode is not None:
            self.visit(tnode)
        local = bool(self.scopes) and node.type == "declaration"
        for d in node.children_by_field_name("declarator"):
            name, _, _ = _declarator_name(d, self.src)
            ty = self.resolve_typedef(self.type_of_decl(tnode, d))
            if local and name:
                self.scopes[-1][name] = ty
            inner = d
            if d.type == "init_declarator":
                inner = d.child_by_field_name("declarator")
                self.visit_declarator_parts(inner)
                val = d.child_by_field_name("value")
                if val is not None:
                    self.visit(val, ty)
            else:
                self.visit_declarator_parts(inner)
        for c in node.named_children:
            if c.type in ("attribute_specifier", "ms_declspec_modifier", "gnu_asm_expression") \
                    or c.type == "bitfield_clause":
                self.visit(c)

    def visit_trailing_attribute(self, node: tree_sitter.Node) -> bool:
        """``u8 data[] __counted_by(len);``: tree-sitter reads a member's declarator followed by
        an attribute-like macro as an ERROR (the member) and a function declarator named after
        the macro, its arguments as parameter types. The macro is what the driver uses (a
        function-like macro the target may lack: __counted_by before 6.6); its arguments are
        the struct's own members, and the member's array size is visited as an expression.
        True when the field was read this way."""
        decls = node.children_by_field_name("declarator")
        tnode = node.child_by_field_name("type")
        prev = node.prev_named_sibling
        if not decls and tnode is not None and tnode.type == "macro_type_specifier" \
                and prev is not None and prev.type == "field_declaration" \
                and prev.children and prev.children[-1].type == ";" \
                and prev.children[-1].start_byte == prev.children[-1].end_byte:
            # the other reading: the member ends at a ';' tree-sitter made up (zero width) and
            # the macro is a field of its own, a "type" with its argument as type descriptor
            ident = tnode.named_children[0] if tnode.named_children else None
            if ident is not None and ident.type == "identifier" and not self.is_own(_text(self.src, ident)):
                self.add(ident, "call", _text(self.src, ident), arity=len(tnode.named_children) - 1)
            return True
        errors = [c for c in node.children if c.type == "ERROR"]
        if len(decls) != 1 or not errors or decls[0].type != "function_declarator" \
                or errors[0].start_byte > decls[0].start_byte:
            return False
        ident = decls[0].child_by_field_name("declarator")
        params = decls[0].child_by_field_name("parameters")
        if ident is None or ident.type != "field_identifier":
            return False
        if tnode is not None:
            self.visit(tnode)
        name = _text(self.src, ident)
        if not self.is_own(name):
            self.add(ident, "call", name, arity=len(params.named_children) if params is not None else 0)
        for e in errors:
            for c in e.named_children:
                if c.type in ("array_declarator", "pointer_declarator"):
                    self.visit_declarator_parts(c)
        return True

    def visit_tag(self, node: tree_sitter.Node) -> None:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        kind = node.type.split("_")[0]
        if name is not None and body is None:
            key = f"{kind} {_text(self.src, name)}"
            if key not in self.scan.structs and kind != "enum":
                self.add(name, kind, _text(self.src, name))
            elif kind == "enum":
                self.add(name, kind, _text(self.src, name))
        if body is not None:
            self.scopes.append({})
            for c in body.named_children:
                if c.type == "enumerator":
                    v = c.child_by_field_name("value")
                    if v is not None:
                        self.visit(v)
                else:
                    self.visit(c)
            self.scopes.pop()

    def arg_groups(self, args: tree_sitter.Node | None) -> list[list[tree_sitter.Node]]:
        """The arguments of a call as node groups split at the commas. A macro argument
        that is a type (``struct demo_dev``) is no C expression: tree-sitter gives it as
        several nodes with an ERROR, and it still counts as one argument."""
        if args is None:
            return []
        groups: list[list[tree_sitter.Node]] = [[]]
        for c in args.children:
            if c.type in ("(", ")") and not c.is_named:
                continue
            if c.type == "," and not c.is_named:
                groups.append([])
            elif c.type != "comment":
                groups[-1].append(c)
        if groups == [[]]:
            return []
        return groups

    def group_type(self, group: list[tree_sitter.Node]) -> TypeRef | None:
        """The type a macro argument names, if it is one (``struct x``, ``const struct x *``)."""
        if not group:
            return None
        if len(group) == 1 and group[0].type not in ("ERROR", "type_descriptor"):
            return None
        text = self.src[group[0].start_byte:group[-1].end_byte].decode("utf-8", "replace")
        return parse_type_text(text)

    def visit_call(self, node: tree_sitter.Node) -> None:
        fn = node.child_by_field_name("function")
        groups = self.arg_groups(node.child_by_field_name("arguments"))
        name = ""
        if fn is not None and fn.type == "identifier":
            name = _text(self.src, fn)
            if not self.is_own(name):
                self.add(fn, "call", name, arity=len(groups))
        elif fn is not None:
            self.visit(fn)
        type_arg = _TYPED_MACROS.get(name)
        member_arg = None
        if name in _TYPED_MACROS:
            member_arg = type_arg + 1
        elif name in _OFFSETOF_MACROS:
            type_arg, member_arg = 0, 1
        elif name in _MEMBER_LAST_MACROS and groups:
            member_arg = len(groups) - 1
        types = [self.group_type(g) for g in groups]
        for i, g in enumerate(groups):
            ty = types[i]
            if ty is not None:
                self.visit_type_group(g, ty)
                continue
            if i == member_arg and len(g) == 1 and g[0].type == "identifier":
                owner = None
                if name in _MEMBER_LAST_MACROS:
                    cur = self.expr_type(groups[0][0]) if len(groups[0]) == 1 else None
                    owner = cur.deref() if cur else None
                elif type_arg is not None and type_arg < len(groups):
                    owner = types[type_arg] or (self.resolve_typedef(TypeRef(_text(self.src, groups[type_arg][0])))
                                                if len(groups[type_arg]) == 1 else None)
                    owner = self.resolve_typedef(owner)
                if owner is not None and owner.base.startswith(("struct ", "union ")) \
                        and owner.base not in self.scan.structs:
                    self.add(g[0], "member", _text(self.src, g[0]), owner=owner.base)
                    continue
                if owner is not None and owner.base in self.scan.structs:
                    continue   # a member of the driver's own struct
            if name and len(g) == 1 and g[0].type == "field_expression":
                # x->m passed as it is (no cast): the callee may write through it
                self.visit_field(g[0], through=f"arg {name} {i}")
                continue
            for c in g:
                self.visit(c)

    def visit_type_group(self, group: list[tree_sitter.Node], ty: TypeRef) -> None:
        """Record the tag or typedef a type argument names, at its position."""
        kind, _, tag = ty.base.partition(" ")
        if kind in ("struct", "union", "enum") and tag:
            if ty.base not in self.scan.structs:
                for n in group:
                    for leaf in _leaves_named(n, tag, self.src):
                        self.add(leaf, kind, tag)
                        return
                self.add(group[0], kind, tag)
        elif ty.base and ty.base not in self.scan.typedefs and not self.is_own(ty.base) \
                and " " not in ty.base and ty.base not in _C_WORDS:
            self.add(group[0], "type", ty.base)

    def visit_field(self, node: tree_sitter.Node, write: bool = False, through: str = "") -> None:
        arg = node.child_by_field_name("argument")
        if arg is not None:
            self.visit(arg)
        fld = node.child_by_field_name("field")
        op = node.child_by_field_name("operator")
        if fld is None or op is None:
            return
        owner = self.expr_type(arg)
        if owner is None:
            return
        if _text(self.src, op) == "->":
            owner = owner.deref()
        elif owner.ptr:
            return
        if owner is not None and owner.base.startswith(("struct ", "union ")) \
                and owner.base not in self.scan.structs:
            self.add(fld, "member", _text(self.src, fld), owner=owner.base, write=write, through=through)

    def _ifdef_pair(self, node: tree_sitter.Node) -> bool:
        return ifdef_recovered_pair(node, self.src)

    def visit_initializer(self, node: tree_sitter.Node, expect: TypeRef | None) -> None:
        struct = expect.base if expect is not None and expect.ptr == 0 \
            and expect.base.startswith(("struct ", "union ")) else None
        for c in node.named_children:
            if c.type == "assignment_expression" and struct is not None and self._ifdef_pair(c):
                # `#ifdef CONFIG_X` right before a lone `.m = v` inside an initializer list:
                # tree-sitter's recovery reads `CONFIG_X .m = v` as an assignment to a
                # member of CONFIG_X (the directive an ERROR node before it); it is the
                # designated member m of the struct (a driver's ops table slot)
                fld = c.child_by_field_name("left").child_by_field_name("field")  # type: ignore[union-attr]
                value = c.child_by_field_name("right")
                member = _text(self.src, fld)
                if struct not in self.scan.structs:
                    val = _text(self.src, value) if value is not None and value.type == "identifier" else ""
                    self.add(fld, "init", member, owner=struct, value=val)
                if value is not None:
                    self.visit(value, self.resolve_typedef(self.member_type(struct, member)))
                continue
            if c.type != "initializer_pair":
                # positional: an array of structs keeps the element type
                self.visit(c, TypeRef(expect.base, expect.ptr - 1) if expect and expect.ptr else None)
                continue
            designators = c.children_by_field_name("designator")
            value = c.child_by_field_name("value")
            cur = expect
            for des in designators:
                if des.type == "field_designator":
                    fid = des.named_children[0] if des.named_children else None
                    if fid is None:
                        cur = None
                        continue
                    member = _text(self.src, fid)
                    owner = cur.base if cur is not None and cur.ptr == 0 else None
                    if owner and owner.startswith(("struct ", "union ")) and owner not in self.scan.structs:
                        val = _text(self.src, value) if value is not None and value.type == "identifier" else ""
                        self.add(fid, "init", member, owner=owner, value=val)
                    cur = self.resolve_typedef(self.member_type(owner, member)) if owner else None
                else:
                    for sub in des.named_children:
                        self.visit(sub)
                    cur = cur.deref() if cur is not None else None
            if value is not None:
                self.visit(value, cur)
        del struct

    def visit_macro(self, node: tree_sitter.Node) -> None:
        """Parse a #define body as C and scan it, reporting uses at the definition."""
        body = node.child_by_field_name("value")
        if body is None:
            return
        params = node.child_by_field_name("parameters")
        names = {_text(self.src, p) for p in params.named_children if p.type == "identifier"} \
            if params is not None else set()
        sub = macro_body(body, self.src)
        prefix = b"void __kb_macro(void) { "
        whole = close_open_literals(prefix + sub + b"\n;}")
        tree = cparse.thread_parser().parse(whole)
        saved = (self.src, self.macro_params, self.macro_origin, self.lines)
        self.orig_lines = self.lines
        self.src, self.macro_params = whole, set(names) | {"__kb_macro"}
        self.macro_origin = (body.start_point[0], body.start_point[1], len(prefix))
        try:
            fn = tree.root_node.named_children[0] if tree.root_node.named_children else None
            b = fn.child_by_field_name("body") if fn is not None and fn.type == "function_definition" else None
            if b is not None:
                self.scopes.append({})
                for c in b.named_children:
                    self.visit(c)
                self.scopes.pop()
        finally:
            self.src, self.macro_params, self.macro_origin, self.lines = saved


def _iter_files(driver: Driver) -> Iterator[tuple[str, bytes]]:
    for rel in driver.sources:
        try:
            yield rel, driver.read(rel)
        except OSError as exc:
            raise KbridgeError(f"{driver.path / rel}: cannot read ({exc.strerror})") from None


def close_open_literals(src: bytes) -> bytes:
    """Blank the opening quote of every string or character literal left open at the
    end of its line (with a space: offsets, lines and columns stay true).

    C forbids such a literal (gcc: "missing terminating '"' character"), and
    tree-sitter-c 0.24.2 can loop forever on one (found by bench/bench_fuzz_scan.py:
    ``a%b="`` newline ``=%-&5_!5(c]=1=6}``), so the scanner never hands it one.
    A small lexer: comments, escapes and backslash-newlines are followed; no C
    is parsed here.
    """
    out = bytearray(src)
    i, n = 0, len(src)
    state = 0            # 0 code, 1 line comment, 2 block comment, 3 literal
    quote = 0
    start = 0
    while i < n:
        c = src[i]
        if state == 0:
            if c == 0x2F and i + 1 < n and src[i + 1] == 0x2F:
                state, i = 1, i + 2
                continue
            if c == 0x2F and i + 1 < n and src[i + 1] == 0x2A:
                state, i = 2, i + 2
                continue
            if c in (0x22, 0x27):
                state, quote, start = 3, c, i
        elif state == 1:
            if c == 0x5C and i + 1 < n and src[i + 1] == 0x0A:
                i += 2
                continue
            if c == 0x0A:
                state = 0
        elif state == 2:
            if c == 0x2A and i + 1 < n and src[i + 1] == 0x2F:
                state, i = 0, i + 2
                continue
        else:
            if c == 0x5C:
                i += 2
                continue
            if c == quote:
                state = 0
            elif c == 0x0A:
                out[start] = 0x20
                state = 0
        i += 1
    if state == 3:
        out[start] = 0x20
    return bytes(out)


# tree-sitter-c did not finish on the given sources (it can loop forever on some
# malformed input; bench/bench_fuzz_scan.py found such inputs): one error class
# for the forked scan's deadline and for cparse.parse_bounded.
ParserTimeout = cparse.ParserTimeout


def scan_sources(files: list[tuple[str, bytes]], *, label: str = "",
                 oracle: TypeOracle | None = None, cond: Any = None,
                 timeout: float | None = None) -> Scan:
    """Scan C sources given as (relative path, bytes); total on any input.

    With *timeout* the scan runs in a forked child and a parse that does not end
    in time raises :class:`ParserTimeout` (a one-line KbridgeError) instead of
    hanging the caller: tree-sitter-c 0.24.2 loops forever on some malformed
    inputs (``a[|y(0&2<*3=3>0]%9[6<>8;``), and its parse cannot be interrupted
    from Python."""
    if timeout is None:
        return _scan_sources(files, label=label, oracle=oracle, cond=cond)
    return _in_child(lambda: _scan_sources(files, label=label, oracle=oracle, cond=cond),
                     timeout, label or ", ".join(rel for rel, _ in files))


def _in_child(work: Any, timeout: float, what: str) -> Any:
    import os
    import pickle
    import select
    import signal
    import time

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:   # child: do the work, send the pickled result, never return
        os.close(r)
        try:
            payload = pickle.dumps(("ok", work()))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
            payload = pickle.dumps(("error", exc if isinstance(exc, KbridgeError) else repr(exc)))
        view = memoryview(payload)
        while view:
            view = view[os.write(w, view):]
        os._exit(0)
    os.close(w)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([r], [], [], max(0.0, left))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                raise ParserTimeout(f"{what}: the C parser (tree-sitter-c) did not finish within "
                                    f"{timeout:g} s; the sources are not C it can read")
            chunk = os.read(r, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    status, value = pickle.loads(b"".join(chunks)) if chunks else ("error", "scanner child died")
    if status == "ok":
        return value
    if isinstance(value, KbridgeError):
        raise value
    raise RuntimeError(f"scanner failed: {value}")


def _scan_sources(files: list[tuple[str, bytes]], *, label: str = "",
                  oracle: TypeOracle | None = None, cond: Any = None) -> Scan:
    result = Scan(driver=label, files=tuple(rel for rel, _ in files))
    p = cparse.thread_parser()
    trees = []
    for rel, raw in files:
        src = close_open_literals(raw)
        tree = cparse.parse_bounded(p, src, rel)
        if tree.root_node.has_error:
            result.parse_errors += 1
        fs = _FileScanner(result, rel, src, oracle, cond)
        fs.collect(tree.root_node)
        trees.append((fs, tree))
    declared = result.declared
    for fs, tree in trees:
        fs._declared = declared
        for c in tree.root_node.named_children:
            fs.visit_stmt(c)
        result.uses += cleanup_uses(fs.rel, fs.src)
    result.uses = sorted(set(result.uses), key=lambda u: (u.file, u.line, u.col, u.kind, u.name, u.owner))
    return result


# Scope-based cleanup (<linux/cleanup.h>, 6.5+; backported to Debian's 5.10 and 6.1 with
# fewer classes): the constructs that name a class or a free function defined elsewhere by
# a top-level DEFINE_* invocation, and the C identifier that invocation defines (what gcc
# reports missing: "unknown type name 'class_mutex_intr_t'", "cleanup argument not a
# function" for __free_X).
_CLEANUP_USE = re.compile(
    rb"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'"
    rb"|(?<![A-Za-z0-9_])(guard|scoped_guard|scoped_cond_guard|CLASS|__free)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*[,)]",
    re.S)


def cleanup_ident(kind: str, name: str) -> str:
    """The identifier a cleanup class or free function of *name* defines: ("class",
    "mutex") -> class_mutex_t, ("free", "kfree") -> __free_kfree."""
    return f"__free_{name}" if kind == "free" else f"class_{name}_t"


def cleanup_uses(rel: str, src: bytes, skip: frozenset[str] = frozenset()) -> list[Use]:
    """Each class the text names: ``guard(mutex)``, ``scoped_guard(mutex, ...)``,
    ``scoped_cond_guard(mutex_intr, ...)``, ``CLASS(fd, f)`` -> Use(kind "class", name
    "mutex"); ``__free(kfree)`` -> Use(kind "free", name "kfree"). Comments and literals
    are skipped; *skip*: names that are not classes (a macro's parameters). A driver's
    own DEFINE_* classes are reported too (check finds them on no kernel: no finding)."""
    out: list[Use] = []
    if not any(w in src for w in (b"guard", b"CLASS", b"__free")):
        return out
    line_starts: list[int] | None = None
    for m in _CLEANUP_USE.finditer(src):
        if m.group(1) is None or m.group(2).decode() in skip:
            continue
        if line_starts is None:
            line_starts = [0] + [i + 1 for i, b in enumerate(src) if b == 0x0A]
        row = bisect.bisect_right(line_starts, m.start(2)) - 1
        line = src[line_starts[row]:m.start(2)]
        out.append(Use(rel, row + 1, _display_col(line, len(line)),
                       "free" if m.group(1) == b"__free" else "class", m.group(2).decode(), stmt=row + 1))
    return out


def scan(driver: Driver, *, oracle: TypeOracle | None = None, cond: Any = None) -> Scan:
    """Every kernel API use in *driver*; KbridgeError for unreadable files.

    *cond* (``eval(node, src)`` / ``defined(name)`` giving 1, 0 or None, like
    kbridge.facts.cparse.CondEval) decides preprocessor conditions for one
    kernel: branches it rules out are skipped, unknown ones scanned as guarded."""
    return scan_sources(list(_iter_files(driver)), label=driver.label, oracle=oracle, cond=cond,
                        timeout=_scan_timeout())


# A real driver scans in well under a second; a minute only ever ends a parser loop.
# KBRIDGE_SCAN_TIMEOUT overrides it (tests use a short one).
def _scan_timeout() -> float:
    import os
    try:
        return float(os.environ.get("KBRIDGE_SCAN_TIMEOUT") or 60.0)
    except ValueError:
        return 60.0


@lru_cache(maxsize=4096)
def names_in_body(body: str) -> frozenset[str]:
    """Identifiers a macro body calls or refers to (parsed as C, like driver macros)."""
    result = scan_sources([("macro.h", f"#define __KB_BODY {body}\n".encode())])
    return frozenset(u.name for u in result.uses if u.kind in ("call", "ref"))


# --------------------------------------------------------------------------- names

# What the rule matching of the layer and inline strategies and audit's
# branch contents read: every identifier of a file as tree-sitter-c tokenises
# it (not only kernel API uses: a rule's API may be a name the driver also
# declares, e.g. its own #ifndef fallback), its <includes>, the members it
# accesses and the members it designates. The one walker of that question.

NAME_NODES = frozenset({"identifier", "field_identifier", "type_identifier", "statement_identifier"})
_WANTED = NAME_NODES | {"preproc_include", "field_expression", "field_designator"}
_MACRO_PREFIX = b"void __kb_macro(void) {\n"
_MACRO_SUFFIX = b"\n;}\n"
# a body that is a brace initializer with designators (`{ .phy_id = _id, .ack_interrupt = f, }`,
# the element macro of a driver's table: dp83848's DP83848_PHY_DRIVER), read as statements, is
# a compound statement in error without a field_designator: it is read as the initializer of an
# array of a typedef'd type instead (its designators owned by no struct S, as a typedef's), the
# one newline before the body kept, so that its rows stay the definition's
_MACRO_INIT_PREFIX = b"void __kb_macro(void) {\n__kb_any_t __kb_init[] = { "
_MACRO_INIT_SUFFIX = b"\n};}\n"
_BRACE_BODY = re.compile(rb"\s*\{")
_DESIGNATOR = re.compile(rb"[{,]\s*\.[A-Za-z_]\w*\s*=")


def macro_body(node: tree_sitter.Node, src: bytes) -> bytes:
    """A #define body (its preproc_arg in *src*) with each backslash-newline made a space
    and a newline: the lines, and the columns on them, stay the definition's."""
    return src[node.start_byte:node.end_byte].replace(b"\\\r\n", b" \r\n").replace(b"\\\n", b" \n")


_DEFINE = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)\n]*\))?", re.M)


def define_bodies(data: bytes) -> list[tuple[int, int, int, bytes, bool]]:
    """(first byte, end byte, row, name, function-like) of every #define's body, read from
    the text to the end of its logical line (the one reader of a driver's #define bodies:
    the scan's, and layer.null_inits' for the driver's object-like macros): tree-sitter-c's preproc_arg stops at a comment, and a function-like
    body with a comment inside (`{ .phy_id = _id, /* PHY_BASIC_FEATURES */ .ack_interrupt =
    f, }`: dp83848's and dp83822's table macros) comes out as ERROR nodes and a bogus
    definition, so what follows the comment was never read as C."""
    out = []
    for m in _DEFINE.finditer(data):
        start = end = m.end()
        while True:
            nl = data.find(b"\n", end)
            if nl < 0:
                end = len(data)
                break
            line = data[end:nl].rstrip(b"\r")
            if line.endswith(b"\\"):
                end = nl + 1
                continue
            end = nl
            break
        out.append((start, end, data.count(b"\n", 0, start), m.group(1), m.group(2) is not None))
    return out


def ifdef_recovered_pair(node: tree_sitter.Node, src: bytes) -> bool:
    """Whether *node* (an assignment_expression in an initializer list) is tree-sitter's
    recovery of `#if.. COND` + a lone `.member = value`: its left side a field access
    `X.m` on a plain identifier, and the node before it an ERROR holding the directive
    (the designated member m, not an assignment)."""
    if node.type != "assignment_expression" or node.parent is None or \
            node.parent.type != "initializer_list":
        return False
    left = node.child_by_field_name("left")
    if left is None or left.type != "field_expression":
        return False
    arg, op = left.child_by_field_name("argument"), left.child_by_field_name("operator")
    if arg is None or arg.type != "identifier" or op is None or _text(src, op) != ".":
        return False
    prev = node.prev_sibling
    return prev is not None and prev.type == "ERROR" and \
        _text(src, prev).lstrip().startswith(("#if", "#elif", "#else"))


def _designated_owner(designator: tree_sitter.Node, src: bytes) -> str | None:
    """The struct a designator belongs to: the tag of the nearest enclosing declaration
    when its type is spelled ``struct S``, else None (a typedef, or no declaration)."""
    node = designator.parent
    while node is not None and node.type != "declaration":
        node = node.parent
    ty = node.child_by_field_name("type") if node is not None else None
    tag = ty.child_by_field_name("name") if ty is not None and ty.type == "struct_specifier" else None
    return _text(src, tag) if tag is not None else None


@dataclass(frozen=True)
class Names:
    """What C source names (one file, or a driver's files together)."""

    names: frozenset[str]                                # every identifier
    includes: frozenset[str]                             # #include paths, without <> or ""
    fields: frozenset[str]                               # m of every x.m / x->m
    # (struct S, m) of every .m designated in an initializer of a declaration of type
    # ``struct S``; (None, m) when the declared type is not spelled struct S (a typedef)
    designated: frozenset[tuple[str | None, str]]

    @staticmethod
    def union(parts: list[Names]) -> Names:
        return Names(frozenset().union(*(p.names for p in parts)),
                     frozenset().union(*(p.includes for p in parts)),
                     frozenset().union(*(p.fields for p in parts)),
                     frozenset().union(*(p.designated for p in parts)))


@dataclass(frozen=True)
class FileNames(Names):
    rows: tuple[tuple[int, str], ...] = ()     # (0-based row, identifier), sorted, each once


def file_names(data: bytes, what: str = "", tree: tree_sitter.Tree | None = None, *,
               live: Any = None, switched: Any = None) -> FileNames:
    """What one C file names, read with tree-sitter-c, its #define bodies included.

    tree-sitter keeps a #define's body as one opaque preproc_arg; a driver that
    names an API only there (macvlan 6.1: NETIF_F_LLTX inside its
    ALWAYS_ON_FEATURES) uses it all the same, so every body of the file is
    parsed again as the statements of a function (the way the scanner reads
    macros), all bodies in one parse, each in a function of its own, and
    their identifiers are mapped back to the rows they came from.
    *tree*: the file's tree when the caller has parsed *data* already.

    *live* (row -> bool, 0-based rows): only what sits on live rows counts (the code
    the kernels in question compile: kbridge.actions.live). *switched* (row -> bool):
    rows one of those kernels compiles and the other does not; a designated entry
    ``.m = f`` whose function f has a declaration (return type, name, parameters) on
    such a row is the driver's own version switch of that callback, not a use of .m.
    """
    root = (tree or cparse.parse_bounded(cparse.thread_parser(), data, what)).root_node
    rows: set[tuple[int, str]] = set()
    includes: set[str] = set()
    fields: set[str] = set()
    designated: set[tuple[str | None, str]] = set()

    inits: list[tuple[str | None, str, str]] = []      # (owner, member, function named)
    heads: set[str] = set()                             # functions declared on a switched row

    def walk(top: tree_sitter.Node, src: bytes, spans: list[tuple[int, int, int, int]] | None) -> None:
        # (text from *src*: node.text of a tree parsed through parse_bounded's callback
        # reads the source again, 64 KiB per call)
        # spans: (first byte, end byte, first row in the batch, row in the file) of each body
        starts = [s[0] for s in spans] if spans else []
        stack = [top]
        while stack:
            node = stack.pop()
            t = node.type
            if live is not None and spans is None and t in _WANTED and not live(node.start_point[0]):
                continue
            if switched is not None and spans is None and t in ("function_definition", "declaration"):
                _switched_head(node, src, switched, heads)
            if t == "assignment_expression" and ifdef_recovered_pair(node, src):
                # `#ifdef X` + a lone `.m = f` in an initializer (ScanVisitor.visit_initializer)
                fld = node.child_by_field_name("left").child_by_field_name("field")  # type: ignore[union-attr]
                value = node.child_by_field_name("right")
                if fld is not None and (live is None or spans is not None or live(fld.start_point[0])):
                    entry = (_designated_owner(node, src), _text(src, fld))
                    if value is not None and value.type == "identifier":
                        inits.append((*entry, _text(src, value)))
                    else:
                        designated.add(entry)
                    rows.add((fld.start_point[0], entry[1]))
                if value is not None:
                    stack.append(value)
                continue
            if t in _WANTED:
                if t == "preproc_include":
                    path = node.child_by_field_name("path")
                    if path is not None:
                        includes.add(_text(src, path).strip('<>"'))
                elif t == "field_expression":
                    f = node.child_by_field_name("field")
                    if f is not None:
                        fields.add(_text(src, f))
                elif t == "field_designator":
                    entry = (_designated_owner(node, src), _text(src, node).lstrip(".").strip())
                    value = node.parent.child_by_field_name("value") if node.parent is not None and \
                        node.parent.type == "initializer_pair" else None
                    if value is not None and value.type == "identifier":
                        inits.append((*entry, _text(src, value)))
                    else:
                        designated.add(entry)
                else:
                    name = _text(src, node)
                    row = node.start_point[0]
                    if spans is not None:
                        k = bisect.bisect_right(starts, node.start_byte) - 1
                        if k < 0 or node.start_byte >= spans[k][1]:
                            continue        # __kb_macro, outside every body
                        row = spans[k][3] + row - spans[k][2]
                        if live is not None and not live(row):
                            continue
                    if name:                # (a zero-width MISSING identifier of error recovery)
                        rows.add((row, name))
            stack.extend(node.children)

    walk(root, data, None)
    bodies = define_bodies(data)
    if bodies:
        chunks: list[bytes] = []
        spans: list[tuple[int, int, int, int]] = []
        offset = row = 0
        for first, end, body_row, _, _ in bodies:
            text = clex.blank_comments(data[first:end]).replace(b"\\\r\n", b" \r\n").replace(b"\\\n", b" \n")
            prefix, suffix = ((_MACRO_INIT_PREFIX, _MACRO_INIT_SUFFIX)
                              if _BRACE_BODY.match(text) and _DESIGNATOR.search(text)
                              else (_MACRO_PREFIX, _MACRO_SUFFIX))
            start = offset + len(prefix)
            spans.append((start, start + len(text), row + 1, body_row))
            chunk = prefix + text + suffix
            chunks.append(chunk)
            offset += len(chunk)
            row += chunk.count(b"\n")
        src = b"".join(chunks)
        batch = cparse.parse_bounded(cparse.thread_parser(), src,
                                     f"{what} (macro bodies)" if what else "macro bodies")
        walk(batch.root_node, src, spans)
    # a callback the driver declares differently on the two kernels is its own bridge
    designated.update((o, m) for o, m, f in inits if f not in heads)
    return FileNames(frozenset(n for _, n in rows), frozenset(includes), frozenset(fields),
                     frozenset(designated), tuple(sorted(rows)))


def _switched_head(node: tree_sitter.Node, src: bytes, switched: Any, heads: set[str]) -> None:
    """Add to *heads* the function *node* (a definition or a prototype) declares when a
    row of its head -- from its first token to its body -- is *switched*."""
    decl = node.child_by_field_name("declarator")
    while decl is not None and decl.type in ("pointer_declarator", "attributed_declarator"):
        decl = decl.child_by_field_name("declarator")
    if decl is None or decl.type != "function_declarator":
        return
    name = decl.child_by_field_name("declarator")
    if name is None or name.type != "identifier":
        return
    body = node.child_by_field_name("body")
    last = body.start_point[0] if body is not None else node.end_point[0]
    if any(switched(r) for r in range(node.start_point[0], last + 1)):
        heads.add(_text(src, name))


def driver_names(driver: Driver) -> Names:
    """What the driver's files name together (see :func:`file_names`)."""
    return Names.union([file_names(driver.read(rel), f"{driver.label}: {rel}") for rel in driver.sources])
