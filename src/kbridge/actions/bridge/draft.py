"""Drafted bridges: the kernel's own code as the shim, derived at bridge time (issue 17 item 1).

Some differences between kernels need no hand-written rule, because the
kernel the driver was written for ("home") already holds the faithful shim:

* (a) a header that moved, split or was renamed -- the same declarations are
  now reached through another path, decided by the declarations reachable
  through the header's include closure on both kernels (:mod:`.hmove`). The
  draft is a wrapper: a missing header becomes a header of the layer's compat
  include directory that includes the target's headers holding, with the same
  declarations, what the driver uses of it (``draft_kind`` "header"); a name
  declared on the target in a
  header the driver's includes no longer reach gets that header included
  right after the driver's include that reached it on home ("include").
* (b) a static inline function, a macro or an enum constant that home's
  headers define and the target's lack, whose every dependency resolves on
  the target with the same declaration (or is itself such an addition,
  drafted too: the dependency closure). The draft is the definition itself,
  read from the user's installed tree (``/usr/src/linux-headers-*`` or a
  root's ``usr/src``) with its file:line as provenance, under a guard so that
  one OUT builds on every kernel: ``#ifndef NAME`` for a macro, a build-time
  probe (``KB_HAVE_DRAFT_<NAME>``, the layer's own probe runner) for a
  function or an enum constant. A header home has and the target lacks
  entirely, none of whose names the target declares, is drafted whole (its
  text copied, used only where ``__has_include_next`` finds no kernel copy).

Other installed kernels (:func:`donor_trees`: one tree of each series of the table).
Where home cannot supply a definition -- it has the name only as an exported
function, or its definition does not carry over -- two more sources, both through
the same checks, compile check and probe guard:

* a donor: another kernel defining the name (static inline, macro, constant) is
  drafted from, when it declares the name as home does (the driver was written
  against home's declaration) and its definition's every dependency resolves on
  the target with the same declaration as on the donor (its closure drafted from
  the same donor): 5.10's exported del_timer() on 7.3 is 6.12's static inline
  calling timer_delete(). The nearest series to the target first. One draft per
  name: a closure name already drafted from another kernel is a conflict, refused;
* an inverted alias (a rename with a compat alias): the target lacks X but has Y,
  and some installed kernel D defines Y as a pure forwarding alias of X (``#define
  Y X``, ``#define Y(a, b) X(a, b)``, a static inline whose body is only ``return
  X(its parameters in order);``) of the same signature, X on D declared as on home
  and Y on the target as on D: X is drafted as forwarding to Y (D's text, the two
  names swapped), its provenance comment naming D's alias and why it is the same
  call: 7.3's timer_delete() on 5.10 forwards to del_timer(), as 6.1's del_timer()
  forwards to timer_delete(). An alias of another signature is refused.

Never drafted: a change of semantics. A name both kernels declare
differently (a signature, a struct layout, a constant's value), a dependency
declared differently on the target (a macro's dependencies are every
identifier of its body), a struct or member the target lacks or types
differently (a layout cannot be drafted), a constant the target removed (its
number may mean something else there: a flag bit reused) -- each is reported
as not bridged with the reason (:attr:`DraftPlan.refused`). An exported
function has no definition in the headers (the compat object's job, issue 17
item 1's third class): :attr:`DraftPlan.notes`, reported as covered by nothing.

Placement: a macro right after the driver's own include that reached it at
home; a function or constant after the header that declares it at home (the
context its definition was written in), where the target has that header.

Each draft is compiled on every target it applies to before it is used: one
``gcc -fsyntax-only`` unit per target with the target's own kbuild command
(:mod:`kbridge.actions.kbuild_flags`), the drafts applied as OUT applies them
(each in a wrapper of its header, first on the include path), the driver's
includes, then a use of each draft (an object-like macro or constant
evaluated, a function's address taken). A draft gcc rejects is dropped for
that target with gcc's error as the reason, and the drafts that need it too.

The data model, shared with other drafting engines (the compat object):

    Draft(api, kind, source, kernel, text, guard, targets, after, needs, includes, provides)

* ``api``: the name (or header path) drafted;
* ``kind``: "macro", "function", "constant", "header", "include";
* ``source``: ``/abs/path/of/the/kernel/header.h:LINE`` the text was read
  from (``kernel``: that tree's name);
* ``text``: the C text as OUT carries it (provenance comment included);
* ``guard``: how OUT decides per kernel: ``#ifndef NAME``, the probe macro
  ``KB_HAVE_DRAFT_<NAME>`` (defined when the kernel has the name), or
  ``__has_include_next(<path>)``;
* ``targets``: the target trees (names) it applies to (the ones lacking the
  API, where it compiled); ``after``: the kernel headers it is applied
  after (compat/include wrappers); ``needs``: the drafts it builds on;
  ``includes``: headers it includes for its dependencies; ``provides``: the
  API names it makes available (what check's findings name).

Delivery: the layer (and inline OUT, which keeps compat/include) gets each
draft as a shim of a synthetic rule ``draft_<name>`` (never written into
kbridge's rules: kernel code reaches only OUT, at run time) applied after
its header, so wrapper chains, build-time probes and RULES.md are the
layer's own. Same input, same bytes.
"""

from __future__ import annotations

import functools

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kbridge.actions.bridge import layer
from kbridge.facts.clex import skip_literal
from kbridge.errors import KbridgeError
from kbridge.knowledge.rules import Probe, Rule, Shim

KINDS = ("macro", "function", "constant", "header", "include", "class")
# check's finding kinds a draft may bridge
DRAFTABLE_FINDINGS = ("missing-macro", "missing-function", "not-reachable", "missing-header",
                      "missing-class")


@dataclass(frozen=True)
class Draft:
    """One drafted bridge (see the module docstring for each field)."""

    api: str
    kind: str
    source: str
    kernel: str
    text: str
    guard: str
    targets: tuple[str, ...]
    after: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    includes: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    body: str = ""      # a header wrapper's #include lines, in order (a header absent on some
                        # target it applies to under __has_include)
    probe_includes: tuple[str, ...] = ()    # what the probe includes (default: after[:1])

    def to_json(self) -> dict[str, object]:
        return {"api": self.api, "kind": self.kind, "source": self.source, "kernel": self.kernel,
                "guard": self.guard, "targets": list(self.targets), "after": list(self.after),
                "needs": list(self.needs), "includes": list(self.includes),
                "provides": list(self.provides), "text": self.text, "body": self.body}


@dataclass
class DraftPlan:
    drafts: list[Draft] = field(default_factory=list)
    refused: dict[tuple[str, str], str] = field(default_factory=dict)   # (target, api) -> why
    # (target, api) -> why it is no kind kbridge drafts here (an exported function: a compat
    # object's job; a type): reported as covered by nothing, with this reason
    notes: dict[tuple[str, str], str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)              # extra OUT files

    def covers(self, target: str, api: str) -> bool:
        return any(target in d.targets and api in d.provides for d in self.drafts)

    def why_not(self, target: str, api: str) -> str | None:
        return self.refused.get((target, api))

    def note(self, target: str, api: str) -> str | None:
        return self.notes.get((target, api))

    def to_json(self) -> list[dict[str, object]]:
        return [d.to_json() for d in self.drafts]


# ------------------------------------------------------------------ reading kernel text

def _roots(tree: Any) -> tuple[Path, Path]:
    from kbridge.facts.index import source_roots
    r = source_roots(tree)
    return r.source, r.build


def _read(tree: Any, rel: str) -> tuple[Path, bytes] | None:
    for root in _roots(tree):
        p = root / rel
        if p.is_file():
            return p, p.read_bytes()
    return None


@functools.lru_cache(maxsize=256)
def _line_starts(data: bytes) -> tuple[int, ...]:
    """Offset of each line of *data* (a header's bytes; the same object comes back from
    :meth:`Drafter.read`, so its hash is computed once)."""
    starts = [0]
    i = data.find(b"\n")
    while i >= 0:
        starts.append(i + 1)
        i = data.find(b"\n", i + 1)
    return tuple(starts)


def function_text(data: bytes, line: int, name: str) -> str | None:
    """The definition of static inline *name* starting at *line* (1-based) of a header:
    from that line to the brace closing its body (comments and literals skipped)."""
    starts = _line_starts(data)
    if not 0 < line <= len(starts):
        return None
    start = starts[line - 1]
    end = starts[line + 3] - 1 if line + 3 < len(starts) else len(data)
    if name.encode() not in data[start:end]:      # the name within the line and the next three
        return None
    i, depth = start, 0
    while i < len(data):
        j = skip_literal(data, i)
        if j != i:
            i = j
            continue
        c = data[i:i + 1]
        if c == b";" and depth == 0:
            return None          # a prototype, not a definition
        if c == b"{":
            depth += 1
        elif c == b"}":
            depth -= 1
            if depth == 0:
                return data[start:i + 1].decode("utf-8", "replace")
        i += 1
    return None


def macro_text(data: bytes, line: int, name: str) -> str | None:
    """The #define of *name* at *line*, with its continuation lines, as written."""
    lines = data.split(b"\n")
    if not (0 < line <= len(lines)):
        return None
    first = lines[line - 1].decode("utf-8", "replace")
    if not re.match(rf"\s*#\s*define\s+{re.escape(name)}\b", first):
        return None
    out = [first]
    k = line
    while out[-1].rstrip().endswith("\\") and k < len(lines):
        out.append(lines[k].decode("utf-8", "replace"))
        k += 1
    return "\n".join(out)


# ------------------------------------------------------------------ dependencies

@dataclass(frozen=True)
class Deps:
    names: frozenset[str]          # functions, macros, typedefs, constants named
    structs: frozenset[str]        # "struct x" / "union x" named
    fields: frozenset[str]         # members accessed (x.m, x->m)


_KEYWORDS = frozenset("""auto break case char const continue default do double else enum extern float
for goto if inline int long register restrict return short signed sizeof static struct switch typedef
union unsigned void volatile while _Bool typeof __typeof__ __auto_type __builtin_expect asm __asm__
__attribute__ _Static_assert bool true false NULL""".split())


def function_deps(text: str) -> Deps:
    """What a function definition names beyond its own parameters and locals (tree-sitter-c)."""
    from kbridge.facts.cparse import parse_bounded, thread_parser
    src = text.encode()
    root = parse_bounded(thread_parser(), src, "draft").root_node
    names: set[str] = set()
    structs: set[str] = set()
    fields: set[str] = set()
    local: set[str] = set()
    own = ""
    stack = [root]
    while stack:
        n = stack.pop()
        t = n.type
        if t == "function_declarator" and not own:
            d = n.child_by_field_name("declarator")
            if d is not None and d.type == "identifier":
                own = src[d.start_byte:d.end_byte].decode()
        if t in ("parameter_declaration", "declaration", "init_declarator"):
            d = n.child_by_field_name("declarator")
            while d is not None and d.type not in ("identifier",):
                d = d.child_by_field_name("declarator")
            if d is not None:
                local.add(src[d.start_byte:d.end_byte].decode())
        if t in ("identifier", "type_identifier"):
            names.add(src[n.start_byte:n.end_byte].decode())
        elif t == "field_identifier" and n.parent is not None and n.parent.type == "field_expression":
            fields.add(src[n.start_byte:n.end_byte].decode())
        elif t in ("struct_specifier", "union_specifier"):
            nm = n.child_by_field_name("name")
            if nm is not None:
                structs.add(f"{t.split('_')[0]} {src[nm.start_byte:nm.end_byte].decode()}")
        stack.extend(n.children)
    return Deps(frozenset(names - local - {own} - _KEYWORDS), frozenset(structs), frozenset(fields))


def _tokens(body: str) -> set[str]:
    """Every identifier of a macro body outside string and character literals, but not a
    member after ``.``/``->`` nor a ``#param`` stringification: an over-approximation of
    what it names, for bodies the scanner reads partly (a statement expression with a
    static local: 5.10's alloc_disk_node)."""
    src = body.encode()
    out: set[str] = set()
    i = 0
    while i < len(src):
        j = skip_literal(src, i)
        if j != i:
            i = j
            continue
        m = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*").match(src, i)
        if m:
            before = src[:i].rstrip()
            if not before.endswith((b".", b"->", b"#")):
                out.add(m.group().decode())
            i = m.end()
        else:
            i += 1
    return out


def macro_deps(body: str, params: tuple[str, ...] | None) -> Deps:
    """What a macro body names (read as C by the scanner, and every identifier token of
    it: a dependency too many is only checked, one too few could hide a change), its
    parameters aside."""
    from kbridge.facts.scan import scan_sources
    from kbridge.facts.scan import cleanup_ident
    res = scan_sources([("macro.h", f"#define __KB_BODY {body}\n".encode())])
    names = {u.name for u in res.uses if u.kind in ("call", "ref", "type")} | _tokens(body)
    # a cleanup class the body names (device_for_each_child_node_scoped's
    # __free(fwnode_handle)): what it defines, class_X_t / __free_X, is a dependency
    names |= {cleanup_ident(u.kind, u.name) for u in res.uses
              if u.kind in ("class", "free") and u.name not in set(params or ())}
    structs = {f"{u.kind} {u.name}" for u in res.uses if u.kind in ("struct", "union")}
    return Deps(frozenset(names - set(params or ()) - _KEYWORDS - {"__VA_ARGS__"}), frozenset(structs),
                frozenset())


# ------------------------------------------------------------------ the comparison

def _header_of(api: Any, file: str) -> str | None:
    """The include path of an indexed file (include/linux/x.h -> linux/x.h)."""
    row = api.index.db.execute("SELECT path FROM headers WHERE file=? ORDER BY rowid", (file,)).fetchone()
    return row[0] if row else None


def _declared(api: Any, name: str) -> str | None:
    """What *name* is on a kernel: macro, function, inline, typedef, constant, or None."""
    if api.macro(name) is not None:
        return "macro"
    f = api.function(name)
    if f is not None:
        return "inline" if f.inline else "function"
    if api.typedef(name) is not None:
        return "typedef"
    if api.value(name) is not None:
        return "constant"
    if _class(api, name) is not None:
        return "class"
    return None


def _class(api: Any, name: str) -> Any:
    """The DEFINE_* invocation defining cleanup class or free function *name* (class_X_t,
    __free_X) on a kernel, or None (:meth:`kbridge.facts.index.ApiIndex.cleanup_classes`)."""
    if not (name.startswith("class_") and name.endswith("_t")) and not name.startswith("__free_"):
        return None
    fn = getattr(api, "cleanup_class", None)
    return fn(name) if fn is not None else None


def _macro_sig(api: Any, m: Any, depth: int = 0) -> tuple[object, ...]:
    """What a macro is to a caller: ("call", arity, variadic) or ("object", body). An
    object-like macro whose body is one identifier naming a function-like macro or a
    function is that callable (5.10's ``#define get_unaligned __get_unaligned_le``, where
    __get_unaligned_le takes (ptr), is called as 7.3's get_unaligned(ptr) is)."""
    if m.params is not None:
        return ("call", len(m.params), bool(m.variadic))
    body = " ".join((m.body or "").split())
    if depth < 4 and re.fullmatch(r"[A-Za-z_]\w*", body) and body != m.name:
        inner = api.index.macro(body)
        if inner is not None:
            sig = _macro_sig(api, inner, depth + 1)
            if sig[0] == "call":
                return sig
        f = api.function(body)
        if f is not None:
            return ("call", len(f.params), bool(f.variadic))
    return ("object", body)


def _expanded(api: Any, body: str, depth: int = 0) -> str:
    """An object-like macro's body with every object-like macro it names replaced by its
    own body, as the preprocessor does, in tokens joined by one space: two spellings of
    one value compare equal (5.10's ``GPIOF_IN (GPIOF_DIR_IN)``, GPIOF_DIR_IN being
    ``(1 << 0)``, is 7.3's ``GPIOF_IN ((1 << 0))``)."""
    out = []
    for tok in re.findall(r"[A-Za-z_]\w*|\d\w*|\S", body):
        m = api.index.macro(tok) if depth < 6 and re.match(r"[A-Za-z_]", tok) else None
        if m is not None and m.params is None and m.name == tok and (m.body or "").strip() != tok:
            out.append(_expanded(api, m.body or "", depth + 1))
        else:
            out.append(tok)
    return _unparen(" ".join(x for x in out if x))


def _unparen(expr: str) -> str:
    """*expr* (tokens joined by one space) without the parentheses around all of it."""
    while expr.startswith("( ") and expr.endswith(" )"):
        depth = 0
        for i, c in enumerate(expr):
            depth += (c == "(") - (c == ")")
            if depth == 0 and i < len(expr) - 1:
                return expr        # the first "(" closes before the end: (a) + (b)
        expr = expr[2:-2]
    return expr


def _alias_kept(a: Any, t: Any, name: str) -> bool:
    """Is *name* on home (*a*) an object-like macro whose whole body is one other
    identifier (optionally parenthesized) that target *t* declares the same way
    (:func:`_same`)? Then the macro is a pure alias: drafting it gives the driver the
    target's own name, not a number whose meaning the target may have changed."""
    m = a.index.macro(name)
    if m is None or m.params is not None:
        return False
    body = re.sub(r"/\*.*?\*/|//[^\n]*", " ", str(m.body or ""), flags=re.S).strip()
    hit = re.fullmatch(r"\(?\s*([A-Za-z_]\w*)\s*\)?", body)
    if hit is None or hit.group(1) == name:
        return False
    alias = hit.group(1)
    return _declared(t, alias) is not None and _same(a, t, alias) is None


def _same(a: Any, t: Any, name: str) -> str | None:
    """None when *name* has the same declaration on home (*a*) and target (*t*), else why not."""
    ta, tt = a.typedef(name), t.typedef(name)
    if ta is not None and tt is not None:
        # a type name: its typedef decides (a stray #define of the same word in some
        # header, e.g. 6.1's u32, is not what C code naming the type sees)
        return None if a.canon(ta) == t.canon(tt) else f"typedef '{name}' is another type on {t.name}"
    ka, kt = _declared(a, name), _declared(t, name)
    if ka is None or kt is None:
        return None if ka == kt else f"'{name}' is declared on one kernel only"
    if (ka == "macro") != (kt == "macro"):
        # a function-like macro on one kernel and a function on the other are one callable
        # when every call that fits one fits the other (7.x's kzalloc(...) is
        # alloc_hooks(kzalloc_noprof(...)): allocation-profiling accounting around the
        # same allocator); an object-like macro and a function are not
        m = a.index.macro(name) if ka == "macro" else t.index.macro(name)
        f = t.function(name) if ka == "macro" else a.function(name)
        sig = _macro_sig(a if ka == "macro" else t, m) if m is not None else ("object", "")
        if f is None or sig[0] != "call" or not (
                sig[2] or (sig[1] == len(f.params) and not f.variadic)):
            return f"'{name}' is a {ka} on {a.name} but a {kt} on {t.name}"
        return None
    if ka == "class" or kt == "class":
        ca, ct = _class(a, name), _class(t, name)
        if ca is None or ct is None:
            return f"'{name}' is a {ka} on {a.name} but a {kt} on {t.name}"
        if ca.signature != ct.signature:
            return (f"cleanup class '{name}' is defined otherwise on {t.name} ({' '.join(ct.text.split())} "
                    f"at {ct.file}:{ct.line}; {a.name}: {' '.join(ca.text.split())})")
        return None
    if ka != kt and {ka, kt} != {"inline", "function"}:
        # a function on one kernel and a typedef or a constant on the other
        return f"'{name}' is a {ka} on {a.name} but a {kt} on {t.name}"
    if ka == "macro":
        ma, mt = a.index.macro(name), t.index.macro(name)
        sa, st = _macro_sig(a, ma), _macro_sig(t, mt)
        if sa[0] != st[0] or (sa[0] == "call" and sa != st):
            return f"macro '{name}' takes other arguments on {t.name} ({mt.definition})"
        if sa[0] == "object" and sa != st and _expanded(a, str(sa[1])) != _expanded(t, str(st[1])):
            return f"macro '{name}' has another value on {t.name} ({mt.definition})"
        return None
    if ka in ("inline", "function"):
        fa, ft = a.function(name), t.function(name)
        if a.canon(fa.ret) != t.canon(ft.ret) or len(fa.params) != len(ft.params) \
                or fa.variadic != ft.variadic \
                or any(a.canon(x) != t.canon(y) for x, y in zip(fa.params, ft.params)):
            return f"'{name}' has another prototype on {t.name} ({ft.text})"
        return None
    if ka == "typedef":
        if a.canon(a.typedef(name)) != t.canon(t.typedef(name)):
            return f"typedef '{name}' is another type on {t.name}"
        return None
    va, vt = a.value(name), t.value(name)
    if va != vt and (va or "").split("{")[-1] != (vt or "").split("{")[-1]:
        return f"'{name}' has another value on {t.name} ({vt})"
    return None


def _struct_members(api: Any, struct: str) -> dict[str, str] | None:
    return api.members(struct)


def _fields_same(a: Any, t: Any, structs: frozenset[str], fields: frozenset[str]) -> str | None:
    """Every member a function accesses, found in a struct it names (or a struct one of
    those holds), has the same type on the target; else why not."""
    known: dict[str, str] = {}
    todo = sorted(structs)
    seen: set[str] = set()
    owners: dict[str, str] = {}
    depth = 0
    while todo and depth < 3:
        nxt: list[str] = []
        for s in todo:
            if s in seen:
                continue
            seen.add(s)
            ms = _struct_members(a, s) or {}
            for m, ty in ms.items():
                known.setdefault(m, ty)
                owners.setdefault(m, s)
                for w in re.findall(r"\b(struct|union) (\w+)", ty):
                    nxt.append(f"{w[0]} {w[1]}")
        todo, depth = nxt, depth + 1
    for s in sorted(structs):
        if _struct_members(a, s) is not None and _struct_members(t, s) is None:
            return f"{s} is not defined on {t.name} (a layout cannot be drafted)"
    for f in sorted(fields):
        owner = owners.get(f)
        if owner is None:
            return f"member '{f}': kbridge cannot tell its struct"
        mt = _struct_members(t, owner)
        if mt is None or f not in mt:
            return f"{owner} has no member '{f}' on {t.name}"
        if a.canon(known[f]) != t.canon(mt[f]):
            return f"{owner}.{f} is another type on {t.name}"
    return None


def _macro_members_same(a: Any, t: Any, text: str, generic: int = 40,
                        file: str | None = None) -> str | None:
    """A macro body's ``->m`` / ``.m``: the macro's struct is not known, so every struct
    that has a member m at home and exists on the target must still have it, of the same
    type (5.10's dev_to_msi_list reads struct device.msi_list, which 6.1 does not have).
    When some of them are declared in the macro's own header (*file*), those are its
    structs and only they are checked (pci_resource_n of <linux/pci.h> reads struct
    pci_dev.resource, not struct ttm_buffer_object.resource, which 5.10 lacks).
    A member name of more than *generic* structs at home (list, next) tells nothing and
    is left to the build."""
    names = {m.group(1) for m in re.finditer(r"(?:->|\.)\s*([A-Za-z_]\w*)", text)}
    for m in sorted(names):
        rows = a.index.db.execute(
            "SELECT DISTINCT s.kind || ' ' || s.name, s.file FROM members mb JOIN structs s "
            "ON s.id = mb.struct_id WHERE mb.name = ? AND s.name IS NOT NULL AND s.name != ''",
            (m,)).fetchall()
        owners = sorted({r[0] for r in rows})
        if not owners or len(owners) > generic:
            continue
        local = sorted({r[0] for r in rows if file is not None and r[1] == file})
        if local:
            owners = local
        for owner in sorted(owners):
            ma, mt = a.members(owner), t.members(owner)
            if ma is None or m not in ma or mt is None:
                continue
            if m not in mt:
                return f"{owner} has no member '{m}' on {t.name}"
            if a.canon(ma[m]) != t.canon(mt[m]):
                return f"{owner}.{m} is another type on {t.name}"
    return None


# ------------------------------------------------------------------ the drafter

def _ident(name: str) -> str:
    base = re.sub(r"[^a-z0-9_]", "_", name.lower())
    if name != name.lower():
        base += "_" + hashlib.sha1(name.encode()).hexdigest()[:6]
    return base


def draft_id(api: str) -> str:
    return "draft_" + _ident(api)


def _guard_macro(api: str) -> str:
    return "KB_HAVE_DRAFT_" + _ident(api).upper()


@dataclass
class _Candidate:
    api: str
    kind: str
    source: str
    text: str
    provides: set[str]
    after: set[str] = field(default_factory=set)
    needs: list[str] = field(default_factory=list)
    includes: set[str] = field(default_factory=set)
    targets: set[str] = field(default_factory=set)
    # target -> per dependency, the headers declaring it there (one reached is enough)
    inc_t: dict[str, list[frozenset[str]]] = field(default_factory=dict)
    body: str = ""                                              # a header wrapper's #include lines
    kernel: str = ""            # the tree the text was read from, when not home's (a donor)
    note: str = ""              # an inverted alias: why it is faithful (its provenance comment)


class NotDraftable(str):
    """Why a name is no kind of thing drafting handles (not a refusal of a draft)."""


class Drafter:
    """Drafts for one driver written for *home* (a KernelTree) on *targets*."""

    def __init__(self, home: Any, cache: Any = None):
        from kbridge.actions.check import open_api
        self.home = home
        self.a = open_api(home, cache)
        self.cache = cache
        self.cands: dict[str, _Candidate] = {}
        self.refused: dict[tuple[str, str], str] = {}
        self.context: list[str] = []        # the driver's #include <...>, set by plan()
        self._reach: dict[str, set[str] | None] = {}
        # the other installed kernels (donors, :meth:`_from_donors`; None: discovered when
        # first needed) and whether aliases are inverted (:meth:`_inverted`); a donor's own
        # drafter has neither
        self.donors: list[Any] | None = None
        self.aliasing = True
        self._subs: dict[str, Drafter] = {}
        self._aliases: dict[tuple[str, str], list[tuple[str, str, str, str]]] = {}
        self._files: dict[tuple[int, str], tuple[Path, bytes] | None] = {}

    def read(self, tree: Any, rel: str) -> tuple[Path, bytes] | None:
        """:func:`_read`, once per (tree, file) for this drafter's life (one bridge): inverting
        aliases reads the defining header of every inline of an arity, thousands of times the
        same few hundred files (a 7.3 module on 5.10: 20,000 reads, 80 s of a 120-s plan)."""
        key = (id(tree), rel)
        if key not in self._files:
            self._files[key] = _read(tree, rel)
        return self._files[key]

    # -- one name, from home, else from a donor kernel, else as an inverted alias
    def name(self, name: str, t: Any, stack: tuple[str, ...] = ()) -> str | None:
        """Draft *name* (missing on target *t*) with its closure; None when done, else why not.

        Home's definition first; when home cannot supply one (an exported function, or a
        definition that does not carry over), another installed kernel's (a donor,
        :meth:`_from_donors`), then a compat alias inverted (:meth:`_inverted`)."""
        c = self.cands.get(name)
        if c is not None and c.kernel and name not in stack:
            # drafted from another kernel for an earlier target: the same text or nothing
            if c.note:
                return self._inverted(name, t, stack)
            sub = self._subs[c.kernel]
            why = sub.name(name, t, stack)
            return self._adopt(sub, name, t) if why is None else why
        why = self._home_name(name, t, stack)
        if why is None or name in stack or (not self.aliasing and not self.donors):
            return why
        more = []
        got = self._from_donors(name, t, stack, more)
        if got is None:
            return None
        if self.aliasing:
            got = self._inverted(name, t, stack, more)
            if got is None:
                return None
        if not more:
            return why
        return type(why)(f"{why}; " + "; ".join(more))

    def _home_name(self, name: str, t: Any, stack: tuple[str, ...] = ()) -> str | None:
        """:meth:`name` from this drafter's own kernel only."""
        a = self.a
        if name in stack:
            return f"'{name}' depends on itself"
        c = self.cands.get(name)
        if c is None:
            c = self._candidate(name)
            if isinstance(c, str):
                return c
        if self.removed_on(t) and (c.kind == "constant" or (c.kind == "macro" and not re.search(
                rf"#\s*define\s+{re.escape(name)}\(", c.text))) and not _alias_kept(a, t, name):
            # a value the newer kernel removed (QUEUE_FLAG_DISCARD, GENHD_FL_CD): its number
            # may mean something else there (a flag bit reused): a semantic question for a rule.
            # Not so an object-like macro that is only another name of a name the target
            # declares the same (5.10's PCI_DMA_TODEVICE is DMA_TO_DEVICE, of the same enum
            # with the same value on 7.3): the target's own name is what the driver meant
            return (f"'{name}' is a constant {t.name} removed: whether its value still means the same "
                    "there cannot be told from the headers (a rule's job)")
        deps = self._deps(c)
        why = None
        tname = t.name
        needs: list[str] = []
        includes: list[frozenset[str]] = []
        for d in sorted(deps.names):
            if d == name or _declared(a, d) is None:
                continue            # a local, a builtin, or a name of the text itself
            if _declared(t, d) is None:
                sub = self.name(d, t, (*stack, name))
                if sub is not None:
                    why = f"depends on '{d}', which {t.name} lacks and which cannot be drafted: {sub}"
                    break
                needs.append(d)
                continue
            diff = _same(a, t, d)
            if diff is not None and self._hidden(t, d):
                # the target declares it differently only in headers none of the driver's
                # includes reaches there (5.10's PAGE_SECTORS, in <linux/device-mapper.h>,
                # for 7.3's SECTOR_MASK): in the driver's files it is missing, not another
                # declaration -- drafted like any missing dependency
                sub = self.name(d, t, (*stack, name))
                if sub is not None:
                    why = f"depends on '{d}', which the driver's includes do not reach on {t.name} " \
                          f"and which cannot be drafted: {sub}"
                    break
                needs.append(d)
                continue
            if diff is not None:
                why = f"depends on '{d}', declared differently: {diff}"
                break
            if c.kind != "macro":   # a macro's dependencies are needed where it is used, not here
                includes.append(frozenset(self._headers_of(t, d)))
        if why is None and c.kind == "function":
            why = _fields_same(a, t, deps.structs, deps.fields)
        elif why is None and c.kind == "macro":
            mac = a.index.macro(c.api)
            why = _macro_members_same(a, t, c.text, file=mac.file if mac is not None else None)
        elif why is None:
            for s in sorted(deps.structs):
                if _struct_members(a, s) is not None and _struct_members(t, s) is None:
                    why = f"{s} is not defined on {t.name} (a layout cannot be drafted)"
        if why is not None:
            return why
        self.cands[name] = c
        c.targets.add(t.name)
        groups = c.inc_t.setdefault(t.name, [])
        groups.extend(g for g in includes if g and g not in groups)
        for n in needs:
            if n not in c.needs:
                c.needs.append(n)
        return None

    def _hidden(self, t: Any, name: str) -> bool:
        """Is every declaration of *name* on target *t* in a header none of the driver's
        includes (:attr:`context`) reaches there?"""
        if not self.context:
            return False
        if t.name not in self._reach:
            self._reach[t.name] = t.reachable([h for h in self.context if t.has_header(h)])
        reach = self._reach[t.name]
        files = t.declared_in(name)
        return reach is not None and bool(files) and not files & reach

    # -- other kernels: donors and inverted aliases
    def _donor_list(self, t: Any) -> list[Any]:
        """The installed kernels other than home and *t*, the nearest to *t* first (its
        definition is the likeliest to build there), a newer one first on a tie."""
        from kbridge.facts.targets import version_tuple
        if self.donors is None:
            self.donors = donor_trees(self.home)
        tv = version_tuple(t.index.tree.version) if t.index.tree is not None and t.index.tree.version \
            else None
        out = [d for d in self.donors if d.name != t.name and d.path != self.home.path
               and (t.index.tree is None or d.path != t.index.tree.path)]

        vs = sorted({version_tuple(d.version or "0") for d in out} | ({tv} if tv else set()))

        def key(d: Any) -> tuple[object, ...]:
            dv = version_tuple(d.version or "0")
            dist = abs(vs.index(dv) - vs.index(tv)) if tv else 0
            return (dist, tuple(-x for x in dv), d.name)
        return sorted(out, key=key)

    def _sub(self, d: Any) -> "Drafter":
        sub = self._subs.get(d.name)
        if sub is None:
            sub = Drafter(d, self.cache)
            sub.donors, sub.aliasing = [], False
            sub.context = self.context
            sub._reach = self._reach             # per target: the same driver includes
            sub.removed_on = self.removed_on     # type: ignore[method-assign]  # removed since *home*
            self._subs[d.name] = sub
        return sub

    def _from_donors(self, name: str, t: Any, stack: tuple[str, ...], why: list[str]) -> str | None:
        """Draft *name* on *t* from another installed kernel (a donor) that defines it -- a
        static inline, a macro, a constant -- where home cannot: only when the donor declares
        it as home does (the driver was written against home's declaration) and the donor's
        definition carries over to *t* by the same checks as home's (its closure drafted from
        the same donor). None when drafted; else the reasons are added to *why*."""
        a = self.a
        for d in self._donor_list(t):
            sub = self._sub(d)
            da = sub.a
            if _declared(da, name) is None:
                continue
            diff = _same(a, da, name)
            if diff is not None:
                why.append(f"{da.name} defines it, but declared otherwise than on {a.name}: {diff}")
                continue
            w = sub.name(name, t, stack)
            if w is None:
                w = self._adopt(sub, name, t)
                if w is None:
                    return None
            if not isinstance(w, NotDraftable):
                why.append(f"from {da.name}: {w}")
        return "no donor"

    def _adopt(self, sub: "Drafter", name: str, t: Any) -> str | None:
        """Take *sub*'s (a donor's) draft of *name* and its closure into this plan; a name
        already drafted from another kernel is a conflict (one draft per name)."""
        closure: list[str] = []
        todo = [name]
        while todo:
            n = todo.pop()
            if n in closure:
                continue
            closure.append(n)
            todo.extend(sub.cands[n].needs)
        clash = [n for n in closure if n in self.cands and self.cands[n] is not sub.cands[n]]
        if clash:
            other = self.cands[clash[0]].kernel or self.a.name
            return (f"'{clash[0]}' would be drafted from both {sub.a.name} and {other} "
                    "(one draft per name)")
        for n in closure:
            sub.cands[n].kernel = sub.home.name
            self.cands[n] = sub.cands[n]
        return None

    def _inverted(self, name: str, t: Any, stack: tuple[str, ...] = (),
                  why: list[str] | None = None) -> str | None:
        """A rename with a compat alias, inverted: target *t* lacks *name* (X) but has Y, and
        some installed kernel D (home or another) defines Y as a pure forwarding alias of X --
        ``#define Y X``, ``#define Y(a, b) X(a, b)``, or a static inline whose body is only
        ``return X(its parameters, in order);`` -- X and Y of the same signature there, X on
        D declared as on home and Y on *t* as on D. Then X forwarding to Y is what D says X
        is: drafted so (D's text, X and Y swapped), with D's file:line and the reason as
        provenance. Refused when the signatures differ (not a pure alias). None when drafted."""
        a = self.a
        why = why if why is not None else []
        if _declared(a, name) is None or name in stack:
            return "not declared at home"
        kernels = [self.home, *self._donor_list(t)]
        for d in kernels:
            da = self.a if d is self.home else self._sub(d).a
            if _declared(da, name) is None:
                continue
            for y, kind, src, text in self._aliases_of(d, da, name):
                if _declared(t, y) is None or y == name:
                    continue
                if d is not self.home and (diff := _same(a, da, name)) is not None:
                    why.append(f"{da.name}'s {y} forwards to {name}, but {diff}")
                    continue
                if (diff := _same(da, t, y)) is not None:
                    why.append(f"{da.name}'s {y} forwards to {name}, but {diff}")
                    continue
                if (diff := _alias_sig(da, name, y)) is not None:
                    why.append(f"{da.name}'s {y} forwards to {name}, but not as a pure alias: {diff}")
                    continue
                note = (f"/* drafted by kbridge from {src} (Linux {da.name}), inverted: there {y} is a pure "
                        f"forwarding alias of {name} of the same signature, so on {t.name}, which has "
                        f"{y} (declared as there) and lacks {name}, {name} forwarding to {y} is the same "
                        "call */")
                c = self.cands.get(name)
                if c is not None and (c.text != text or c.kernel != da.name):
                    why.append(f"'{name}' is drafted otherwise for another target ({c.source})")
                    continue
                if c is None:
                    c = _Candidate(name, kind, src, text, {name}, kernel=da.name, note=note)
                    self.cands[name] = c
                c.targets.add(t.name)
                groups = c.inc_t.setdefault(t.name, [])
                g = frozenset(self._headers_of(t, y))
                if g and g not in groups:
                    groups.append(g)
                return None
        return "no alias"

    def _aliases_of(self, d: Any, da: Any, x: str) -> list[tuple[str, str, str, str]]:
        """(Y, kind, file:line, X's draft text) for every pure forwarding alias Y of *x* that
        kernel *d* defines (see :meth:`_inverted`)."""
        key = (d.name, x)
        if key in self._aliases:
            return self._aliases[key]
        out: list[tuple[str, str, str, str]] = []
        db = da.index.db
        for (y,) in db.execute("SELECT DISTINCT name FROM macros WHERE body LIKE ? AND name != ?",
                               (f"%{x}%", x)).fetchall():
            m = da.index.macro(y)
            if m is None or m.active is False or m.variadic:
                continue
            body = " ".join((m.body or "").split())
            ps = tuple(m.params or ())
            if m.params is None:
                ok = re.fullmatch(rf"\(?\s*{re.escape(x)}\s*\)?", body) is not None
                text = f"#define {x} {y}"
            else:
                args = r"\s*,\s*".join(re.escape(p) for p in ps)
                ok = re.fullmatch(rf"\(?\s*{re.escape(x)}\s*\(\s*{args}\s*\)\s*\)?", body) is not None
                text = f"#define {x}({', '.join(ps)}) {y}({', '.join(ps)})"
            got = self.read(d, m.file) if ok else None
            if got is not None:
                out.append((y, "macro", f"{got[0]}:{m.line}", text))
        fx = da.index.function(x)
        if fx is not None:
            import json
            rows = db.execute("SELECT name, return_type, params FROM functions WHERE inline=1 AND arity=? "
                              "AND name != ? AND variadic=0", (len(fx.params), x)).fetchall()
            want = " ".join(fx.return_type.split()), tuple(" ".join(p.type.split()) for p in fx.params)
            # one of the two parts the same (an alias whose other part differs is refused by
            # name, below; reading every inline of the arity would be too slow)
            names = sorted({y for y, ret, ps in rows if " ".join(ret.split()) == want[0] or tuple(
                " ".join(str(p[0]).split()) for p in json.loads(ps)) == want[1]})
            for y in names:
                fy = da.index.function(y)
                if fy is None or fy.active is False or not fy.inline:
                    continue
                got = self.read(d, fy.file)
                # a forwarding body names x: a file that never does holds no alias of it
                text = function_text(got[1], fy.line, y) if got and x.encode() in got[1] else None
                if text is None or not _forwards(text, y, x, tuple(p.name for p in fy.params)):
                    continue
                swapped = re.sub(rf"\b({re.escape(x)}|{re.escape(y)})\b",
                                 lambda mm: y if mm.group(1) == x else x, text)
                out.append((y, "function", f"{got[0]}:{fy.line}", swapped))
        self._aliases[key] = out
        return out

    def removed_on(self, t: Any) -> bool:
        """Is target *t* newer than the driver's own kernel (what it lacks was removed)?"""
        from kbridge.facts.targets import version_tuple
        tv = t.index.tree.version if t.index.tree is not None else None
        return bool(tv and self.home.version and version_tuple(tv) > version_tuple(self.home.version))

    def _deps(self, c: _Candidate) -> Deps:
        if c.kind == "function":
            return function_deps(c.text)
        if c.kind == "class":
            # the DEFINE_* macro, what its arguments name (lock functions, types), and the
            # class a *_COND / EXTEND_CLASS extends
            k = _class(self.a, c.api)
            d = macro_deps(", ".join(k.args[1:]), None)
            extra = {k.macro} | ({f"class_{k.base}_t"} if k.base else set())
            return Deps(d.names | extra, d.structs, d.fields)
        m = self.a.index.macro(c.api)
        if c.kind == "macro" and m is not None:
            d = macro_deps(m.body, m.params)
            pasted = self._pasted(m.body, m.params, m.file)
            return Deps(d.names | pasted, d.structs, d.fields) if pasted else d
        return macro_deps(c.text.split("=", 1)[-1], None)

    def _pasted(self, body: str, params: tuple[str, ...] | None, file: str) -> frozenset[str]:
        """The macros a body names by pasting a prefix to an argument -- CONCATENATE(p, x),
        __PASTE(p, x), p ## x -- which no token of it spells: every macro of the same
        header named p and one more word (pci_dev_for_each_resource of 6.1 picks
        __pci_dev_for_each_res0 or ...res1 by CONCATENATE(__pci_dev_for_each_res,
        COUNT_ARGS(__VA_ARGS__))). The closure then drafts each, or refuses the macro."""
        prefixes = set(re.findall(r"\b(?:CONCATENATE|__PASTE|___PASTE)\s*\(\s*([A-Za-z_]\w*)\s*,", body))
        prefixes |= set(re.findall(r"\b([A-Za-z_]\w*)\s*##", body))
        prefixes -= set(params or ()) | {"__VA_ARGS__"}
        if not prefixes:
            return frozenset()
        out = set()
        for p in prefixes:
            like = p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            rows = self.a.index.db.execute(
                "SELECT name FROM macros WHERE name LIKE ? ESCAPE '\\' AND file=?", (like, file)).fetchall()
            # the pasted part one word (a COUNT_ARGS() count, a mode): fb_ ## __mode ## _read
            # names functions, not every fb_ macro of <linux/fb.h>
            out |= {r[0] for r in rows if re.fullmatch(r"[A-Za-z0-9]+", r[0][len(p):])}
        return frozenset(out)

    def _headers_of(self, t: Any, name: str) -> set[str]:
        return {h for f in sorted(t.declared_in(name)) if (h := _header_of(t, f))}

    def _candidate(self, name: str) -> _Candidate | str:
        a = self.a
        k = _class(a, name)
        if k is not None:
            got = self.read(self.home, k.file)
            if got is None:
                return f"cannot read the DEFINE_* of '{name}' at {k.file}:{k.line}"
            return _Candidate(name, "class", f"{got[0]}:{k.line}", k.text, {name})
        m = a.index.macro(name)
        if m is not None and m.active is not False:
            got = self.read(self.home, m.file)
            text = macro_text(got[1], m.line, name) if got else None
            if text is None:
                return f"cannot read the #define of '{name}' at {m.file}:{m.line}"
            return _Candidate(name, "macro", f"{got[0]}:{m.line}", text, {name})
        f = a.index.function(name)
        if f is not None and f.active is not False:
            if not f.inline:
                return NotDraftable(f"'{name}' is an exported function on {a.name} (no definition in "
                                    "its headers to draft: a compat object's job)")
            got = self.read(self.home, f.file)
            text = function_text(got[1], f.line, name) if got else None
            if text is None:
                return f"cannot read the definition of '{name}' at {f.file}:{f.line}"
            return _Candidate(name, "function", f"{got[0]}:{f.line}", text, {name})
        ec = a.index.enum_constant(name)
        if ec is not None and ec.active is not False:
            if not ec.value:
                return f"'{name}' is an enum constant of implicit value on {a.name}"
            got = self.read(self.home, ec.file)
            where = f"{got[0]}:{ec.line}" if got else f"{ec.file}:{ec.line}"
            return _Candidate(name, "constant", where, f"enum {{ {name} = {ec.value} }};", {name})
        return NotDraftable(f"'{name}' is neither a macro, a static inline function nor a constant "
                            f"on {a.name}")


def _forwards(text: str, y: str, x: str, params: tuple[str, ...]) -> bool:
    """Is static inline *y*'s definition *text* only ``return x(params in order);`` (or, for
    a void function, ``x(params);``)?"""
    i, j = text.find("{"), text.rfind("}")
    if i < 0 or j < i:
        return False
    body = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text[i + 1:j], flags=re.S)
    body = " ".join(re.findall(r"[A-Za-z_]\w*|\S", body))
    call = f"{x} ( {' , '.join(params)} ) ;" if params else f"{x} ( ) ;"
    return body in (f"return {call}", call)


def _alias_sig(d: Any, x: str, y: str) -> str | None:
    """None when *y* and *x* have the same signature on kernel *d* (*y* a forwarding alias
    of *x*), else how they differ."""
    m = d.index.macro(y)
    if m is not None and m.params is None:
        return None                      # #define Y X: the same entity
    fx, mx = d.function(x), d.index.macro(x)
    if m is not None:
        n = len(m.params or ())
        if mx is not None:
            sx = _macro_sig(d, mx)
            return None if sx == ("call", n, False) else f"{y}() takes {n} arguments, {x} {sx}"
        if fx is not None and len(fx.params) == n and not fx.variadic:
            return None
        return f"{y}() takes {n} arguments, {x} {fx.text if fx else 'is no function'}"
    fy = d.function(y)
    if fy is None or fx is None:
        return f"{y} or {x} is no function on {d.name}"
    if d.canon(fx.ret) != d.canon(fy.ret) or len(fx.params) != len(fy.params) or fx.variadic != fy.variadic \
            or any(d.canon(p) != d.canon(q) for p, q in zip(fx.params, fy.params)):
        return f"the signatures differ: {fy.text} vs {fx.text}"
    return None


def donor_trees(home: Any) -> list[Any]:
    """One configured installed tree of each series of the table but home's (the kernels a
    definition may be drafted from, :meth:`Drafter._from_donors`)."""
    from kbridge.facts import series as series_mod
    from kbridge.facts.kversion import series_of
    from kbridge.facts.targets import discover
    hs = series_of(home.version) if home.version else None
    out = []
    found = [t for t in sorted(discover(), key=lambda t: t.name) if t.configured and t.version]
    for s in series_mod.all_series():
        if s.name == hs:
            continue
        t = next((t for t in found if series_of(t.version) == s.name and t.flavour == "generic"), None) \
            or next((t for t in found if series_of(t.version) == s.name), None)
        if t is not None:
            out.append(t)
    return out


# ------------------------------------------------------------------ texts

def _provenance(c: _Candidate, kernel: str) -> str:
    return c.note or f"/* drafted by kbridge from {c.source} (Linux {c.kernel or kernel}) */"


def draft_text(c: _Candidate, kernel: str) -> str:
    body = c.text.rstrip("\n")
    incs = "".join(f"#if __has_include(<{h}>)\n#include <{h}>\n#endif\n" for h in sorted(c.includes))
    if c.kind == "macro":
        core = f"#ifndef {c.api}\n{body}\n#endif"
    else:
        core = body
    g = f"KB_DRAFT_{_ident(c.api).upper()}_H"
    return f"{_provenance(c, kernel)}\n#ifndef {g}\n#define {g}\n{incs}{core}\n#endif\n"


def _probe_rule(d: Draft) -> Rule:
    """The synthetic rule that carries a draft through the layer: a build-time probe
    (function, constant: KB_HAVE_DRAFT_X when the kernel has the name) and the shim."""
    name = d.api
    if d.kind in ("function", "constant", "class"):
        code = (f"void *kb_probe(void) {{ return (void *)&{name}; }}" if d.kind == "function"
                or name.startswith("__free_") else
                f"unsigned long kb_probe(void) {{ return sizeof({name}); }}" if d.kind == "class"
                else f"int kb_probe(void) {{ return (int)({name}); }}")
        probe = Probe(d.probe_includes or tuple(d.after[:1]), code,
                      f"'{name}' undeclared|No such file or directory", isolated=True)
    else:   # a macro: batched (the layer's own copy is under #ifndef NAME anyway)
        probe = Probe(d.probe_includes or tuple(d.after[:1]), f'#ifndef {name}\n#error "kb_absent: {name}"\n#endif',
                      "kb_absent|No such file or directory")
    why = (f"the definition of Linux {d.kernel} itself ({d.source}), whose every dependency has the "
           f"same declaration on the targets it applies to ({', '.join(d.targets)})")
    if ", inverted: " in d.text.split("\n", 1)[0]:
        why = (f"Linux {d.kernel}'s forwarding alias ({d.source}) inverted: {name} forwards to the name "
               f"it aliases there, which the targets it applies to ({', '.join(d.targets)}) declare the same")
    return Rule(id=draft_id(name), subsystem="draft", api=(name,), kind="added",
                summary=f"{name}: drafted from {d.source}", since="unknown", commit="unknown",
                commit_title="unknown", guard=_guard_macro(name), probe=probe, source=d.source,
                shims={"new_on_old": Shim("new_on_old", why, Path("/nonexistent"))})


@dataclass(frozen=True)
class DraftShim(layer.ShimPlan):
    """A draft delivered as a shim: its own #if line (a macro's guard is inside its text)."""

    cond: str = "#if 1"

    @property
    def condition(self) -> str:
        return self.cond


# ------------------------------------------------------------------ the plan

def _reaching_include(a: Any, scan: Any, file: str, decl_files: set[str]) -> str | None:
    """The driver file's include (its own, then its headers') whose closure reaches one of
    *decl_files* on home: the declaring header itself first."""
    incs = [u.name for u in scan.uses if u.kind == "include" and u.file == file]
    incs += [u.name for u in scan.uses if u.kind == "include" and u.file.endswith(".h") and u.name not in incs]
    for h in incs:
        hd = a.index.header(h)
        if hd is not None and hd.file in decl_files:
            return h
    for h in incs:
        r = a.reachable([h])
        if r and r & decl_files:
            return h
    return None


def plan(driver: Any, home: Any, trees: list[Any], findings: dict[str, list[dict[str, Any]]],
         *, cache: Any = None, compile_check: bool = True,
         ruled: dict[str, set[str]] | None = None,
         cflags_when: list[tuple[str, str, tuple[str, ...]]] | None = None,
         donors: list[Any] | None = None) -> DraftPlan:
    """The drafts for *findings* (target name -> check's findings of the unbridged driver
    against *home* that no rule covers) on *trees*. *ruled*: target name -> the names whose
    findings there a rule of the bridge covers (a moved header's name whose declaration
    changed is then the rule's, not a reason to refuse the move).

    *cflags_when*: the flags OUT's Kbuild adds on a kernel built with a given flag
    (:func:`kbridge.actions.bridge.layer.shim_cflags_when`): the compile check uses them
    where OUT will, so a draft is judged in the dialect it will be built in.

    *donors*: the other kernels a definition home cannot supply may be drafted from
    (:meth:`Drafter._from_donors`, :meth:`Drafter._inverted`); None: every installed
    series' (:func:`donor_trees`), opened only when needed."""
    from kbridge.actions.check import open_api
    from kbridge.actions.check.run import load_driver_scan

    dr = Drafter(home, cache)
    dr.donors = donors
    a = dr.a
    scan = load_driver_scan(driver)
    out = DraftPlan()
    headers: dict[str, _Candidate] = {}
    includes: dict[tuple[str, str], _Candidate] = {}
    by_name = {t.name: t for t in trees}

    def draftable(tname: str) -> list[dict[str, Any]]:
        return [f for f in findings[tname] if f["kind"] in DRAFTABLE_FINDINGS and not f["rules"]
                and f["severity"] != "warning"]

    # whole headers first, over every target lacking each (one compat/include file serves
    # them all): the names they declare need no draft of their own
    missing: dict[str, list[Any]] = {}
    for tname in sorted(findings):
        for f in draftable(tname):
            if f["kind"] == "missing-header":
                ts = missing.setdefault(f["api"], [])
                if tname not in [t.name for t in ts]:
                    ts.append(open_api(by_name[tname], cache))
    used = {u.name for u in scan.uses if u.kind not in ("class", "free")}    # not a class name
    context = list(dict.fromkeys(u.name for u in scan.uses if u.kind == "include"))
    dr.context = context
    for path in sorted(missing):
        cand, why = _header_draft(dr, missing[path], path, used, ruled or {}, context)
        for tname, w in why.items():
            out.refused[(tname, path)] = w
        if cand is not None:
            headers[path] = cand
    for tname in sorted(findings):
        t = open_api(by_name[tname], cache)
        fs = draftable(tname)
        covered = {n for c in headers.values() if tname in c.targets for n in c.provides}
        for f in fs:
            api = f["api"]
            if f["kind"] == "missing-header" or api in covered:
                continue
            decl_files = a.declared_in(api)
            after = _reaching_include(a, scan, f["file"], decl_files)
            if f["kind"] == "not-reachable" and _reached_by_header_draft(t, api, headers, tname):
                continue
            if f["kind"] == "not-reachable":
                diff = _same(a, t, api)
                if diff is not None:
                    out.refused[(tname, api)] = f"not a move: {diff}"
                    continue
                if after is None or not t.has_header(after):
                    out.refused[(tname, api)] = "no include of the driver reaches it on both kernels"
                    continue
                hs = sorted(dr._headers_of(t, api))
                key = (after, api)
                c = includes.get(key)
                if c is None:
                    c = includes[key] = _Candidate(
                        api, "include", f"{t.index.tree.path}: {', '.join(hs)}",
                        "", {api}, {after}, includes=set(hs))
                c.targets.add(tname)
                continue
            why = dr.name(api, t)
            if isinstance(why, NotDraftable):
                out.notes[(tname, api)] = str(why)
                continue
            if why is not None:
                out.refused[(tname, api)] = why
                continue
            place = after if after and t.has_header(after) else None
            if dr.cands[api].kind != "macro" or place is None:
                # a definition needs what its home header had above it (struct netdev_queue
                # complete for 6.12's qdisc_txq_has_no_queue): after that header, where the
                # target has it; a macro only needs to be defined before its use
                for df in sorted(decl_files):
                    h = _header_of(a, df)
                    if h and t.has_header(h):
                        place = h
                        break
                c = dr.cands[api]
                if place is None and c.kernel and c.kernel in dr._subs:
                    # drafted from a donor: after the header declaring it there
                    da = dr._subs[c.kernel].a
                    for df in sorted(da.declared_in(api)):
                        h = _header_of(da, df)
                        if h and t.has_header(h):
                            place = h
                            break
            if place is not None and dr.cands[api].kind == "class":
                # a class's functions call its dependencies: after the target's header that
                # declares one where home's place does not reach it (5.10 declares kvfree in
                # <linux/mm.h>, which includes <linux/slab.h>: after slab.h, inside mm.h's
                # inclusion, kvfree is not declared yet)
                reach = t.reachable([place]) or set()
                for group in dr.cands[api].inc_t.get(tname, ()):
                    # (a header the place does not reach: the other declarations may be of a
                    # configuration the kernel is not built with -- 5.10's rcutiny.h)
                    files = {hd.file: inc for inc in sorted(group) if (hd := t.index.header(inc)) is not None}
                    away = sorted(set(files) - reach)
                    if away:
                        place = files[away[0]]
                        reach = t.reachable([place]) or set()
            if place is None:
                out.refused[(tname, api)] = "no header of the driver's to put it after exists on the target"
                dr.cands[api].targets.discard(tname)
                continue
            dr.cands[api].after.add(place)
    # closure drafts go where their dependents go
    changed = True
    while changed:
        changed = False
        for c in list(dr.cands.values()):
            for n in c.needs:
                d = dr.cands[n]
                if not c.after <= d.after:
                    d.after |= c.after
                    changed = True
    # a dependency's header is included only where the draft's place does not reach it
    for c in dr.cands.values():
        for tname in sorted(c.targets):
            t = open_api(by_name[tname], cache)
            for h in sorted(c.after):
                reach = t.reachable([h]) or set()
                for group in c.inc_t.get(tname, ()):
                    # a dependency declared in several headers (PAGE_SIZE: x86's
                    # <asm/page_types.h> and <asm-generic/page.h>, which #errors on x86)
                    # needs none of them where the place reaches one
                    files = {hd.file: inc for inc in sorted(group)
                             if (hd := t.index.header(inc)) is not None}
                    if files and not set(files) & reach:
                        c.includes.update(files.values())
    drafts = [*_to_drafts(dr, home), *_header_drafts(headers, home), *_include_drafts(includes, home)]
    # A draft's probe reads its header as the driver does, after the driver's includes that
    # come before it (those every kernel of the bridge has): a kernel header need not compile
    # alone -- 6.12's <linux/smscphy.h> names irqreturn_t and includes nothing, so a probe of
    # it alone failed with "unknown type name" on 6.12, the runner stopped the build, and
    # smsc bridged for 6.1 no longer built on its own kernel (wild seed 5, session 15).
    apis = [dr.a, *(open_api(t, cache) for t in trees)]
    usable = [h for h in context if all(x.has_header(h) for x in apis)]
    drafts = [replace(d, probe_includes=(*usable[:usable.index(d.after[0])], d.after[0]))
              if d.after and d.after[0] in usable else d for d in drafts]
    if compile_check:
        prefix = {t.name: [h for h in context if open_api(t, cache).has_header(h)] for t in trees}
        drafts = _compile_check(drafts, trees, out, cache, prefix, cflags_when)
    out.drafts = drafts
    return out


def _reached_by_header_draft(t: Any, api: str, headers: dict[str, _Candidate], tname: str) -> bool:
    """A name the driver's includes do not reach on target *t* that a drafted header of
    that target brings in (a copied <xen/interface/io/usbif.h> includes <.../ring.h>):
    the draft provides it."""
    from kbridge.actions.check.adapter import _include_lines
    where = t.declared_in(api)
    for path in sorted(headers):
        c = headers[path]
        if tname not in c.targets:
            continue
        incs = [h for h in (_include_lines(c.text.encode(), path) if c.text else sorted(c.includes))
                if t.has_header(h)]
        if where & (t.reachable(incs) or set()):
            c.provides.add(api)
            return True
    return False


def _order(dr: Drafter) -> list[_Candidate]:
    done: list[_Candidate] = []
    seen: set[str] = set()

    def visit(n: str) -> None:
        if n in seen:
            return
        seen.add(n)
        for m in dr.cands[n].needs:
            visit(m)
        done.append(dr.cands[n])

    for n in sorted(dr.cands):
        visit(n)
    return done


def _to_drafts(dr: Drafter, home: Any) -> list[Draft]:
    out = []
    for c in _order(dr):
        if not c.targets or not c.after:
            continue
        guard = f"#ifndef {c.api}" if c.kind == "macro" else _guard_macro(c.api)
        out.append(Draft(c.api, c.kind, c.source, c.kernel or home.name, draft_text(c, home.name), guard,
                         tuple(sorted(c.targets)), tuple(sorted(c.after)), tuple(c.needs),
                         tuple(sorted(c.includes)), tuple(sorted(c.provides))))
    return out


def _header_draft(dr: Drafter, ts: list[Any], path: str, used: set[str],
                  ruled: dict[str, set[str]], context: list[str] | None = None
                  ) -> tuple[_Candidate | None, dict[str, str]]:
    """A header missing on the targets *ts*: (the draft, or None; target -> why not).

    Decided by declarations, not by the file's text (:mod:`.hmove`): where the target
    declares any of what the header and the headers it includes that the target lacks
    too (its moved part) declare at home, the header moved, split or was renamed, and
    the draft is a wrapper including the target's headers that hold, with the same
    declarations, what the driver uses of it (refused with the name and the difference
    when one is missing or differs); where the target declares none of it, the header
    is new and is copied whole. A target that has the header is never drafted over."""
    from kbridge.actions.bridge import hmove
    a = dr.a
    refused: dict[str, str] = {}
    hd = a.index.header(path)
    if hd is None:
        return None, {t.name: f"<{path}> is not a header of {a.name}" for t in ts}
    got = _read(dr.home, hd.file)
    if got is None:
        return None, {t.name: f"cannot read <{path}> of {a.name}" for t in ts}
    src, data = got
    movers: list[Any] = []
    new: list[Any] = []
    for t in ts:
        if t.has_header(path):
            refused[t.name] = f"{t.name} has its own <{path}>: never drafted over the kernel's header"
            continue
        moved, _kept = hmove.moved_part(a, t, path)
        api: dict[str, str] = {}
        for _, f in moved:
            for n, k in hmove._file_decls(a, f).items():
                api.setdefault(n, k)
        if any(_declared(t, n) is not None or (k in ("struct", "union") and hmove._struct_defined(t, k, n))
               for n, k in api.items()):
            movers.append(t)
        else:
            new.append(t)
    cand: _Candidate | None = None
    if movers:
        m, why = hmove.header_move(a, movers, path, used, ruled, context)
        refused.update(why)
        if m is not None:
            cand = _Candidate(path, "header", f"{src}", "", set(m.names) | {path},
                              includes=set(m.includes), targets=set(m.targets), body=m.body())
    for t in new:
        if cand is not None:
            refused[t.name] = (f"<{path}> moved on {', '.join(sorted(cand.targets))} but is new on {t.name}: "
                               "one compat header cannot be both")
            continue
        res = _whole_copy(a, t, path, src, data)
        if isinstance(res, str):
            refused[t.name] = res
        else:
            cand = res
            cand.targets.add(t.name)
    if cand is not None:
        for t in new:
            if t.name not in refused:
                cand.targets.add(t.name)
    return cand, refused


def _whole_copy(a: Any, t: Any, path: str, src: Path, data: bytes) -> _Candidate | str:
    """A header target *t* lacks entirely, none of whose declarations it has: its copy."""
    from kbridge.actions.check.adapter import _include_lines
    hd = a.index.header(path)
    db = a.index.db
    declared = sorted({n for (n,) in db.execute(
        "SELECT name FROM macros WHERE file=? UNION SELECT name FROM functions WHERE file=? "
        "UNION SELECT name FROM typedefs WHERE file=? UNION SELECT name FROM enum_constants WHERE file=? "
        "UNION SELECT name FROM structs WHERE file=?", (hd.file,) * 5)})
    missing = [h for h in _include_lines(data, path) if "/" in h and not t.has_header(h)
               and not h.startswith(path.rsplit("/", 1)[0] + "/../")]
    missing = [h for h in missing if a.has_header(h)]
    if missing:
        return f"<{path}> includes <{missing[0]}>, which {t.name} lacks"
    return _Candidate(path, "header", f"{src}:1", _bracket_includes(data, path), set(declared) | {path})


def _bracket_includes(data: bytes, path: str) -> str:
    """A copied header's text with each ``#include "x.h"`` made ``#include <dir/x.h>``
    (*dir*: the header's own directory, where the preprocessor looked first): in
    compat/include the copy no longer sits beside its siblings. Nothing else changes."""
    from kbridge.actions.check.adapter import _normalise
    here = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    out = []
    for line in data.decode("utf-8", "replace").split("\n"):
        m = re.match(r'(\s*#\s*include\s*)"([^"]+)"(.*)$', line)
        out.append(f"{m.group(1)}<{_normalise(here + m.group(2))}>{m.group(3)}" if m else line)
    return "\n".join(out)


def _header_drafts(headers: dict[str, _Candidate], home: Any) -> list[Draft]:
    out = []
    for path in sorted(headers):
        c = headers[path]
        whole = bool(c.text)
        out.append(Draft(path, "header", c.source, home.name, "", f"__has_include_next(<{path}>)",
                         tuple(sorted(c.targets)), (), (), tuple(sorted(c.includes)),
                         tuple(sorted(c.provides | {path})), c.body) if not whole else
                   Draft(path, "header", c.source, home.name, c.text, f"__has_include_next(<{path}>)",
                         tuple(sorted(c.targets)), (), (), (), tuple(sorted(c.provides))))
    return out


def _include_drafts(includes: dict[tuple[str, str], _Candidate], home: Any) -> list[Draft]:
    out = []
    for (after, api) in sorted(includes):
        c = includes[(after, api)]
        text = "".join(f"#if __has_include(<{h}>)\n#include <{h}>\n#endif\n" for h in sorted(c.includes))
        out.append(Draft(api, "include", c.source, home.name,
                         f"/* drafted by kbridge: on {', '.join(sorted(c.targets))} '{api}' is declared in "
                         f"{', '.join(sorted(c.includes))}, which <{after}> no longer reaches */\n{text}",
                         "__has_include", tuple(sorted(c.targets)), (after,), (), tuple(sorted(c.includes)),
                         (api,)))
    return out


def header_file(d: Draft) -> str:
    """compat/include/<path> of a header draft: the kernel's own when it has one."""
    body = d.text if d.text else (d.body or "".join(f"#include <{h}>\n" for h in d.includes))
    what = (f"a copy of <{d.api}> of Linux {d.kernel} ({d.source})" if d.text else
            f"<{d.api}> of Linux {d.kernel} moved: its declarations the driver uses are in "
            f"{', '.join(f'<{h}>' for h in d.includes)}" if d.includes else
            f"<{d.api}> of Linux {d.kernel} moved, and the driver uses none of its declarations")
    return (f"/* Generated by kbridge (drafted): {what}; used only where the kernel has no <{d.api}>. */\n"
            f"#if {d.guard}\n#include_next <{d.api}>\n#else\n{body}\n#endif\n")


# ------------------------------------------------------------------ compile check

def _compile_check(drafts: list[Draft], trees: list[Any], out: DraftPlan, cache: Any,
                   prefix: dict[str, list[str]] | None = None,
                   cflags_when: list[tuple[str, str, tuple[str, ...]]] | None = None) -> list[Draft]:
    """Compile every draft on every target it applies to; drop it where gcc rejects it.

    The unit includes first what the driver includes (*prefix*: per target, the
    driver's #include <...> that exist there, in its order: headers that are not
    self-contained compile as the driver has them), then the headers the drafts
    follow, then the drafts. An error is charged to the draft whose lines it is
    in (or that its context lines point at); when no error is, the unit is tried
    once more without the driver's includes, then every draft is charged."""
    import tempfile

    from kbridge.actions.kbuild import run_tool
    from kbridge.actions.kbuild_flags import compile_command

    keep: dict[str, set[str]] = {d.api + "\0" + d.kind: set(d.targets) for d in drafts}
    for tree in trees:
        mine = [d for d in drafts if tree.name in d.targets]
        try:
            cmd = compile_command(tree) if mine else None
        except KbridgeError as exc:
            for d in mine:
                keep[d.api + "\0" + d.kind].discard(tree.name)
                for p in d.provides:
                    out.refused.setdefault((tree.name, p), f"draft not compiled: {exc}")
            continue
        first = list((prefix or {}).get(tree.name, []))
        for _round in range(6):
            live = [d for d in mine if tree.name in keep[d.api + "\0" + d.kind]]
            if not live or cmd is None:
                break
            with tempfile.TemporaryDirectory(prefix="kbridge-draft-") as tmp:
                work = Path(tmp)
                unit, ranges = _unit(live, work, first)
                (work / "kb_drafts.c").write_text(unit)
                # the wrappers first on the include path, as OUT's NOSTDINC_FLAGS puts compat/include
                extra = [f for _, when, flags in cflags_when or [] if when in cmd.argv for f in flags]
                argv = [cmd.argv[0], "-I", str(work / "inc"), *cmd.argv[1:], *extra, "-fsyntax-only",
                        str(work / "kb_drafts.c")]
                proc = run_tool(tree, argv, cwd=cmd.cwd, binds=(work,))
            if proc.returncode == 0:
                break
            bad = _blame_lines(proc.stdout, "kb_drafts.c", ranges, live)
            if not bad and first:
                first = []          # the driver's includes alone fail here: try without them
                continue
            if not bad:
                bad = {d.api + "\0" + d.kind: _first_error(proc.stdout) for d in live}
            for key, err in bad.items():
                keep[key].discard(tree.name)
                d = next(x for x in live if x.api + "\0" + x.kind == key)
                for p in d.provides:
                    out.refused.setdefault((tree.name, p), f"a draft from {d.source} does not compile "
                                                           f"on {tree.name}: {err}")
            # dependents of a dropped draft go too
            dropped = {k.split("\0")[0] for k in bad}
            for d in live:
                if set(d.needs) & dropped:
                    keep[d.api + "\0" + d.kind].discard(tree.name)
                    for p in d.provides:
                        out.refused.setdefault((tree.name, p), f"it needs a draft that does not compile on "
                                                               f"{tree.name}")
    res = []
    for d in drafts:
        ts = tuple(t for t in d.targets if t in keep[d.api + "\0" + d.kind])
        if ts:
            from dataclasses import replace
            res.append(replace(d, targets=ts))
    return res


def _first_error(log: str) -> str:
    for line in log.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    return log.strip().splitlines()[-1] if log.strip() else "gcc failed"


def _unit(drafts: list[Draft], work: Path, first: list[str] | None = None
          ) -> tuple[str, list[tuple[int, int, str]]]:
    """The check unit: each draft in its own file, included by a wrapper of each header it
    follows (as OUT applies it, so its place is what is checked), then the driver's
    includes (*first*) and the headers the drafts follow, then a use of each draft at
    the end (an object-like macro or a constant evaluated, a function's address taken).
    Ranges: (first line, last line, key) of each draft's uses in the unit; a draft's own
    file is ``kbdraft/<ident>.h``."""
    inc = work / "inc"
    wrap: dict[str, list[str]] = {}
    for d in drafts:
        if d.kind == "header":
            p = inc / d.api
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(header_file(d))
            continue
        ident = _ident(d.api) + ("_inc_" + _ident("_".join(d.after)) if d.kind == "include" else "")
        f = inc / "kbdraft" / f"{ident}.h"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(d.text)
        for h in d.after:
            wrap.setdefault(h, []).append(f"kbdraft/{ident}.h")
    for h, files in wrap.items():
        p = inc / h
        p.parent.mkdir(parents=True, exist_ok=True)
        g = "KB_CHECK_" + re.sub(r"[^A-Za-z0-9]", "_", h).upper()
        p.write_text(f"#ifndef {g}\n#define {g}\n#include_next <{h}>\n"
                     + "".join(f'#include "{x}"\n' for x in files) + f"#else\n#include_next <{h}>\n#endif\n")
    lines = ["/* kbridge: the drafts of one target, compiled before use */"]
    for h in [*(first or []), *sorted(wrap)]:
        lines += [f"#if __has_include(<{h}>)", f"#include <{h}>", "#endif"]
    ranges: list[tuple[int, int, str]] = []
    for d in drafts:
        start = len(lines) + 1
        if d.kind == "header":
            lines.append(f"#include <{d.api}>")
        elif d.kind == "function" or (d.kind == "class" and d.api.startswith("__free_")):
            lines.append(f"static inline void *kb_draft_use_{_ident(d.api)}(void) {{ return (void *)&{d.api}; }}")
        elif d.kind == "class":
            # the type and its destructor (class_X_t -> class_X_destructor)
            dtor = d.api[:-2] + "_destructor"
            lines.append(f"static inline void *kb_draft_use_{_ident(d.api)}(void) {{ (void)sizeof({d.api}); "
                         f"return (void *)&{dtor}; }}")
        elif d.kind == "constant" or (d.kind == "macro" and not re.search(
                rf"#\s*define\s+{re.escape(d.api)}\(", d.text)):
            lines.append(f"static inline void kb_draft_use_{_ident(d.api)}(void) {{ (void)({d.api}); }}")
        ranges.append((start, len(lines), d.api + "\0" + d.kind))
    return "\n".join(lines) + "\n", ranges


def _blame_lines(log: str, unit: str, ranges: list[tuple[int, int, str]], live: list[Draft]
                 ) -> dict[str, str]:
    """Draft key -> gcc's first error, for each error in a draft's own file
    (``kbdraft/<ident>.h``), or whose position or context (the include chain, the
    expansion notes) lies in a draft's use lines or file."""
    by_ident: dict[str, str] = {}
    for d in live:
        ident = _ident(d.api) + ("_inc_" + _ident("_".join(d.after)) if d.kind == "include" else "")
        by_ident[ident] = d.api + "\0" + d.kind
    out: dict[str, str] = {}
    ctx: list[str] = []
    pending: tuple[str, list[str]] | None = None

    def settle() -> None:
        if pending is None:
            return
        msg, where = pending
        for w in where:
            if w.startswith("draft:"):
                key = by_ident.get(w[6:])
                if key:
                    out.setdefault(key, msg)
                    return
            else:
                ln = int(w)
                for lo, hi, key in ranges:
                    if lo <= ln <= hi:
                        out.setdefault(key, msg)
                        return

    def refs(line: str) -> list[str]:
        found = [f"draft:{m.group(1)}" for m in re.finditer(r"kbdraft/(\w+)\.h:\d+", line)]
        found += [m.group(1) for m in re.finditer(re.escape(unit) + r":(\d+)", line)]
        return found

    for line in log.splitlines():
        if ": error:" in line or ": fatal error:" in line:
            settle()
            msg = line.split("error:", 1)[1].strip()
            pending = (msg, refs(line.split(": error:", 1)[0].split(": fatal error:", 1)[0]) + ctx[::-1])
            ctx = []
        elif "note:" in line and pending is not None:
            pending = (pending[0], pending[1] + refs(line))
        else:
            ctx += refs(line)
    settle()
    return out


# ------------------------------------------------------------------ into the layer plan

def extend(p: layer.LayerPlan, dp: DraftPlan) -> None:
    """Deliver *dp*'s drafts through the layer plan *p*: each as the shim of a synthetic
    rule, after its header; header drafts as OUT files (:attr:`DraftPlan.files`)."""
    for d in dp.drafts:
        if d.kind == "header":
            dp.files[f"compat/include/{d.api}"] = header_file(d).encode()
            continue
        r = _probe_rule(d)
        cond = (f"#ifndef {r.guard}" if d.kind in ("function", "constant", "class") else "#if 1")
        for h in d.after:
            p.shims.append(DraftShim(r, "new_on_old", h, d.text, (), cond=cond))
        p.probed.append(r)


def for_bridge(driver: Any, home: str, trees: list[Any], p: layer.LayerPlan, rules: list[Any],
               *, cache: Any = None, extra: dict[str, frozenset[str]] | None = None) -> DraftPlan:
    """The one call of the bridge flow: kbridge check of the driver on each target against
    its own kernel, the findings no shim of *p* covers drafted, the drafts put into *p*.

    *extra*: target name -> names the driver does not use itself but a function copied into
    the compat object does (:mod:`.compatobj`), drafted as if the driver's own findings."""
    from kbridge.actions.bridge import home_tree
    from kbridge.actions.matrix import blame

    ht = home_tree(home, trees)
    if ht is None:
        return DraftPlan()
    shimmed = {s.rule.id for s in p.shims}
    taken = shimmed | {u.rule for u in p.unbridged}
    reaching = [s.rule for s in p.shims]
    findings: dict[str, list[dict[str, Any]]] = {}
    ruled: dict[str, set[str]] = {}
    for t in trees:
        if t.path == ht.path:
            continue
        try:
            chk = blame(driver, t, rules, against=ht, reaching=reaching, cache=cache)
        except KbridgeError:
            continue
        # a finding stays a rule's only when the plan took that rule up for this driver (a
        # shim, or a reason it is not bridged); an API that maps to a rule the driver does not
        # use (its shim merely defines or includes the name: RING_FINAL_CHECK_FOR_RESPONSES,
        # not reachable through a header the target lacks) is drafted like any other
        findings[t.name] = [{**f, "rules": [i for i in f["rules"] if i in taken]}  # type: ignore[index]
                            for f in chk["findings"] if not (set(f["rules"]) & shimmed)]  # type: ignore[index]
        ruled[t.name] = {str(f["api"]) for f in chk["findings"] if set(f["rules"]) & shimmed}  # type: ignore[index]
        have = {f["api"] for f in findings[t.name]}
        findings[t.name] += [{"kind": "missing-macro", "api": n, "file": "", "rules": [], "severity": "error"}
                             for n in sorted((extra or {}).get(t.name, ())) if n not in have]
    dp = plan(driver, ht, [t for t in trees if t.name in findings], findings, cache=cache, ruled=ruled,
              cflags_when=layer.shim_cflags_when(p.shims))
    extend(p, dp)
    return dp


# ------------------------------------------------------------------ kbridge draft: to review

_RULE_KIND = {"changed-prototype": "changed", "ops-changed": "member_changed", "const-changed": "const_changed",
              "not-exported": "export_changed", "not-reachable": "header_moved"}


def _skeleton_kind(kind: str, newer_home: bool) -> str:
    if kind in _RULE_KIND:
        return _RULE_KIND[kind]
    if kind == "missing-member":
        return "member_added" if newer_home else "member_removed"
    if kind == "missing-header":
        return "header_added" if newer_home else "header_removed"
    return "added" if newer_home else "removed"


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def skeleton_rules(remaining: list[Any], home: str) -> str:
    """Skeleton ``[[rule]]`` tables (rules/*.toml format) for what neither a rule nor a
    draft bridges, one per API: both declarations and every place as comments, the
    fields a maintainer must fill marked TODO (the index cannot tell the upstream
    commit: ``unknown``)."""
    from kbridge.facts.targets import version_tuple
    by_api: dict[str, list[Any]] = {}
    for r in remaining:
        by_api.setdefault(r.api, []).append(r)
    out = ["# Generated by `kbridge draft`: skeleton rules for what kbridge could not bridge,",
           f"# for a driver written for Linux {home}. Review each: state the change, find the",
           "# upstream commit (the index cannot tell it), write the probe and the shims",
           "# (knowledge/shims/<id>/), then use it with `kbridge --rules DIR`. Nothing here is",
           "# loaded until it is reviewed: the TODO fields are not valid rule values.", ""]
    for api in sorted(by_api):
        rs = by_api[api]
        first = rs[0]
        newer = version_tuple(home) > version_tuple(first.target.split("-")[0].split("+")[0])
        ident = re.sub(r"[^a-z0-9_]+", "_", api.lower()).strip("_") or "api"
        out.append(f"# {api} ({first.kind}): {first.message}")
        for r in rs:
            out.append(f"#   on {r.target}: {r.file}:{r.line}:{r.col} ({r.covered_by}: {r.why})")
        for r in rs:
            decl_t = getattr(r, "decl_target", "")
            if decl_t:
                out.append(f"#   declared on {r.target}: {decl_t}")
        decl_a = next((getattr(r, "decl_against", "") for r in rs if getattr(r, "decl_against", "")), "")
        if decl_a:
            out.append(f"#   declared on {home}: {decl_a}")
        out += ["[[rule]]", f"id = {_toml_str(ident)}", f"api = [{_toml_str(api)}]",
                f"kind = {_toml_str(_skeleton_kind(first.kind, newer))}",
                f"summary = {_toml_str('TODO: what changed in ' + api)}",
                'since = "unknown"', 'commit = "unknown"', 'commit_title = "unknown"',
                f"guard = {_toml_str('KB_HAVE_' + ident.upper())}", "",
                "[rule.probe]", "includes = []",
                f"code = {_toml_str('TODO: a snippet using ' + api + ' that compiles only with the new API')}",
                'absent = "TODO: gcc\'s first error when it is absent"', ""]
    return "\n".join(out).rstrip() + "\n"


def review_files(report: Any, prediction: Any, decls: dict[tuple[str, str], tuple[str, str]]
                 ) -> dict[str, bytes]:
    """What ``kbridge draft`` writes: drafts/<api>.h (each draft as OUT would carry it),
    drafts.json (the Draft records), rules/skeleton.toml (what remains)."""
    import json
    from dataclasses import replace
    files: dict[str, bytes] = {}
    dp = report.drafts or DraftPlan()
    for d in dp.drafts:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", d.api if d.kind != "include" else f"include-{d.api}-after-"
                      + "-".join(d.after))
        body = header_file(d) if d.kind == "header" else d.text
        head = (f"/* kbridge draft: {d.api} ({d.kind}) for {', '.join(d.targets)}\n"
                f" * from: {d.source} (Linux {d.kernel})\n * guard: {d.guard}\n"
                + (f" * applied after: <{'>, <'.join(d.after)}>\n" if d.after else "")
                + (f" * needs: {', '.join(d.needs)}\n" if d.needs else "") + " */\n")
        rel = f"drafts/include/{d.api}" if d.kind == "header" else f"drafts/{name}.h"
        files[rel] = (head + body).encode()
    files["drafts.json"] = (json.dumps(dp.to_json(), indent=1, sort_keys=True) + "\n").encode()
    rem = []
    for r in prediction.remaining:
        dt, da = decls.get((r.target, f"{r.file}:{r.line}:{r.col}:{r.api}"), ("", ""))
        rem.append(_Rem(**{**r.__dict__, "decl_target": dt, "decl_against": da}))
    files["rules/skeleton.toml"] = skeleton_rules(rem, report.home).encode()
    return dict(sorted(files.items()))


@dataclass(frozen=True)
class _Rem:
    target: str
    file: str
    line: int
    col: int
    kind: str
    api: str
    message: str
    covered_by: str
    rules: tuple[str, ...] = ()
    why: str = ""
    decl_target: str = ""
    decl_against: str = ""
