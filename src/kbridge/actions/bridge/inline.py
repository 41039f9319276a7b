"""The inline strategy: each sensitive spot of the driver carries both variants under a guard.

Same rules and same shims as the layer (:mod:`.layer`), a different delivery.
The layer leaves the driver untouched and makes the kernel's names mean what
the driver expects; inline OUT instead *shows* every place where the kernels
differ, the way maintainers of out-of-tree drivers write it::

    #ifdef KB_HAVE_QUEUE_LIMITS_FEATURES        (or LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0))
    	struct queue_limits lim = {};           <- the new-API kernel's lines
    #else
    	struct kb_queue_limits lim = {};        <- the old-API kernel's lines
    #endif

The branch of the kernel the driver came from holds its ORIGINAL lines,
verbatim; the other branch holds the same lines with the bridged API names
replaced by the shim library's ``kb_`` names. The behaviour behind a ``kb_``
name is the one faithful shim implementation the layer uses
(knowledge/shims/<rule>/), shipped in OUT as ``compat/kb_inline.h``; each
driver file that needs it includes it under a guard that is false on the
driver's own kernel, so pruning OUT for that kernel (unifdef, or
``kbridge prune``) gives back the original files byte for byte, and pruning
it for the target gives a single-version driver for the target.

How the ``kb_`` names are found -- no regular expressions over C: each shim
is parsed with tree-sitter-c. A shim bridges kernel name N by defining
``kb_N`` (a function, macro or struct) and then ``#define N ... kb_N``; the
inline variant writes ``kb_N`` and ``compat/kb_inline.h`` ``#undef``s N after
the shims, so that the kernel's names keep the kernel's meaning and a spot
kbridge missed fails to build instead of being bridged behind the reader's
back. A shim that redefines a function-like N without a ``kb_N`` gets the
alias ``#define kb_N(...) N(__VA_ARGS__)`` (N stays redefined: the behaviour
is the shim's macro; unless another shim that applies on the same kernel
defines kb_N itself: that one is kept, and it calls the wrapper included
before it). Names a shim adds without clashing with the kernel
(BLK_FEAT_*, blk_mode_t) are not renamed: the compat header declares them.
A moved header is a spot where the driver includes it: the other branch
holds the #include lines the shim's wrapper uses on those kernels. The
wrappers themselves still ship in ``compat/include`` (first on the include
path, as in the layer) for what only a wrapper can do, e.g. a struct member
added around the kernel's <linux/netdevice.h>; such a rule has no spot.

An exported function a target lacks and the compat object copies
(:mod:`.compatobj`, the same object as the layer's) is a spot too: the
driver's call under ``#ifdef KB_HAVE_EXPORT_<name>`` (OUT's Kbuild asks the
target's Module.symvers), ``kb_<name>`` -- the copy in compat/kb_drafts.c,
declared by compat/kb_drafts.h -- otherwise.

Where a spot begins and ends is read from the tree-sitter syntax tree: the
innermost statement, declaration, initializer entry, struct field or case
label holding the name, cut to its head when the name sits before a body
(a function's parameter list, an if's condition), extended to whole lines,
and merged with adjacent spots of the same guard.

Guards: ``feature`` (default): ``#ifdef KB_HAVE_X``, computed by OUT's
build-time probes (the layer's runner, :mod:`.buildtime`); ``version``:
``#if LINUX_VERSION_CODE >= KERNEL_VERSION(a, b, c)`` from the rule's
``since`` (then compat/kb_config.h is static and derived from the same
versions, so the shims see the same answers; a two-sided rule that states its
old API's releases, ``old_since``/``old_until``, gets ``KB_OLD_<ID>`` over that
span, the four states of its probes). A rule whose release is
"unknown" keeps its feature guard even then, probed at build time: kbridge
never guesses a release (compat/kb_version.h holds the version-derived
guards, compat/kb_config.h the probed ones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kbridge.actions.bridge import buildtime, compatobj, layer
from kbridge.errors import KbridgeError
from kbridge.facts import scan
from kbridge.facts.cparse import parse_bounded, thread_parser
from kbridge.facts.driver import Driver
from kbridge.facts.kversion import c_expr
from kbridge.knowledge.rules import Rule

GUARDS = ("feature", "version")
INLINE_HEADER = "kb_inline.h"

# Nodes whose children are the units a spot is made of.
_CONTAINERS = frozenset({
    "translation_unit", "compound_statement", "preproc_if", "preproc_ifdef", "preproc_else",
    "preproc_elif", "preproc_elifdef", "initializer_list", "field_declaration_list",
    "enumerator_list", "case_statement", "declaration_list",
})
# Bodies a spot stops before (or starts after): the name is in a head or a tail.
_BODIES = frozenset({"compound_statement", "field_declaration_list", "initializer_list",
                     "enumerator_list", "declaration_list"})
_DIRECTIVE_UNITS = frozenset({"preproc_def", "preproc_function_def", "preproc_include",
                              "preproc_call"})


def _walk(node):  # type: ignore[no-untyped-def]
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


# --- what each shim offers ------------------------------------------------------

@dataclass(frozen=True)
class ShimNames:
    """How the kernel names one shim bridges are spelled in the inline variant."""

    renames: dict[str, str]            # N -> kb_N
    undef: tuple[str, ...]             # N the shim redefines and kb_N exists: #undef after the shims
    alias: tuple[str, ...]             # function-like N without kb_N: kb_N(...) -> N(...)
    provides: frozenset[str]           # every name the shim defines
    uses: frozenset[str] = frozenset()  # every name its C code (outside macro bodies) mentions


def kb_name(name: str) -> str:
    """The shim library's name for kernel name N: kb_N, or KB_N for an upper-case macro."""
    return f"KB_{name}" if name.isupper() else f"kb_{name}"


def shim_names(text: str) -> ShimNames:
    """Read a shim with tree-sitter-c: which kernel names it redefines, which kb_ names it has."""
    tree = thread_parser().parse(text.encode())
    macros: dict[str, bool] = {}       # name -> function-like
    defined: set[str] = set()
    uses: set[str] = set()
    for n in _walk(tree.root_node):
        name = None
        if n.type in ("identifier", "type_identifier"):
            uses.add(n.text.decode())
        if n.type in ("preproc_def", "preproc_function_def"):
            name = n.child_by_field_name("name")
            if name is not None:
                macros.setdefault(name.text.decode(), n.type == "preproc_function_def")
        elif n.type == "function_definition":
            d = n.child_by_field_name("declarator")
            while d is not None and d.type not in ("identifier",):
                d = d.child_by_field_name("declarator")
            name = d
        elif n.type in ("struct_specifier", "union_specifier", "enum_specifier"):
            if n.child_by_field_name("body") is not None:
                name = n.child_by_field_name("name")
        elif n.type == "type_definition":
            name = n.child_by_field_name("declarator")
        if name is not None:
            defined.add(name.text.decode())
    renames: dict[str, str] = {}
    undef: list[str] = []
    alias: list[str] = []
    for name, function_like in sorted(macros.items()):
        if name.startswith(("kb_", "KB_", "__")):
            continue
        kb = kb_name(name)
        if kb in defined:
            renames[name] = kb
            undef.append(name)
        elif function_like:
            renames[name] = kb
            alias.append(name)
    return ShimNames(renames, tuple(undef), tuple(alias), frozenset(defined), frozenset(uses - defined))


def shim_order(shims: list[layer.ShimPlan], names: dict[str, ShimNames]) -> list[layer.ShimPlan]:
    """*shims* so that a shim comes after the shims whose names it uses.

    The layer gets this order from the kernel headers each shim follows; the
    inline header includes them one after the other, so it orders them by what
    they use (read with tree-sitter), ties (and cycles) in the plan's order.
    """
    todo = list(shims)
    done: list[layer.ShimPlan] = []
    while todo:
        for s in todo:
            n = names.get(s.rule.id)
            if n is None or not any(names[o.rule.id].provides & n.uses
                                    for o in todo if o is not s and o.rule.id in names):
                break
        else:
            s = todo[0]
        todo.remove(s)
        done.append(s)
    return done


# --- spots ------------------------------------------------------------------------

@dataclass(frozen=True)
class Spot:
    file: str
    first: int                 # first line (1-based)
    last: int                  # last line (inclusive)
    rules: tuple[str, ...]     # rule ids whose names the spot renames
    names: tuple[str, ...]     # kernel names renamed

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "first": self.first, "last": self.last,
                "rules": list(self.rules), "names": list(self.names)}


def _unit(ident):  # type: ignore[no-untyped-def]
    """The innermost statement-level node holding *ident*, or None when it must not be edited."""
    node = ident
    while node.parent is not None and node.parent.type not in _CONTAINERS:
        node = node.parent
    parent = node.parent
    if parent is None or node.type in _DIRECTIVE_UNITS:
        return None
    # a name in an #if/#ifdef condition is the driver's own compat test, not a use
    if parent.type.startswith("preproc_") and node in (parent.child_by_field_name("condition"),
                                                       parent.child_by_field_name("name")):
        return None
    # directives and what tree-sitter could not parse are never split or duplicated
    if node.type.startswith("preproc_") or node.type == "ERROR":
        return None
    return node


def _rows(unit, ident, lines: list[bytes]) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Rows (0-based, inclusive) of *unit* that hold *ident*: its head or its tail, not its body."""
    lo, hi = unit.start_point[0], unit.end_point[0]
    r0, r1 = ident.start_point[0], ident.end_point[0]
    stack = list(unit.children)
    while stack:
        n = stack.pop()
        if n.start_byte <= ident.start_byte and ident.end_byte <= n.end_byte:
            if n.type not in _BODIES:
                stack.extend(n.children)
            continue
        if n.type not in _BODIES:
            stack.extend(n.children)
            continue
        if n.start_byte >= ident.end_byte:        # a body after the name: keep to the head
            row = n.start_point[0]
            col = n.start_point[1]
            if not lines[row][:col].strip():      # "{" alone on its line: stop before it
                row -= 1
            hi = min(hi, max(row, r1))
        elif n.end_byte <= ident.start_byte:      # a body before the name: keep to the tail
            row = n.end_point[0]
            if not lines[row][n.end_point[1]:].strip():
                row += 1
            lo = max(lo, min(row, r0))
    return lo, hi


def _directive(line: bytes) -> str | None:
    s = line.lstrip()
    if not s.startswith(b"#"):
        return None
    word = s[1:].lstrip().split(None, 1)
    return word[0].decode(errors="replace") if word else ""


def _balanced(lines: list[bytes]) -> bool:
    depth = 0
    for line in lines:
        d = _directive(line)
        if d in ("if", "ifdef", "ifndef"):
            depth += 1
        elif d == "endif":
            depth -= 1
            if depth < 0:
                return False
        elif d in ("else", "elif", "elifdef", "elifndef") and depth == 0:
            return False
    return depth == 0


@dataclass
class FileEdit:
    rel: str
    spots: list[Spot] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)      # rules the file's include of kb_inline.h is for
    text: bytes = b""


# --- guards -------------------------------------------------------------------------

def _vkey(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


class Guards:
    """The guard lines of one OUT: feature macros, or kernel versions.

    With version guards a rule whose release kbridge does not know (since =
    "unknown") keeps a feature guard, probed at build time: kbridge never
    guesses a release, and a version test from a guess would be wrong on
    some kernel. Such rules are listed in compat/INLINE.md.
    """

    def __init__(self, style: str, rules: dict[str, Rule], home_new: dict[str, bool]):
        if style not in GUARDS:
            raise KbridgeError(f"unknown guard style {style!r}; use one of {', '.join(GUARDS)}")
        self.style = style
        self.rules = rules
        self.home_new = home_new
        self.versioned = frozenset(i for i in home_new
                                   if style == "version" and rules[i].since != "unknown")

    def _split(self, ids: list[str]) -> tuple[list[str], list[str]]:
        return [i for i in ids if i in self.versioned], [i for i in ids if i not in self.versioned]

    def _since(self, ids: list[str], pick) -> str:  # type: ignore[no-untyped-def]
        return c_expr(pick((self._edge(i) for i in ids), key=_vkey))

    def _edge(self, i: str) -> str:
        """The release where rule *i* stops answering as the driver's own kernel does, by
        version: ``since`` for a driver on the new API; for one on the old API the release
        from which the kernel has the new API only (:attr:`Rule.new_from`: the old API may
        outlive ``since``, a "both" span whose kernels keep the driver's own call, as the
        feature guards do)."""
        r = self.rules[i]
        return r.since if self.home_new[i] else r.new_from

    def _defined(self, i: str, want: bool) -> str:
        return f"{'' if want else '!'}defined({self.rules[i].guard})"

    def _as_home(self, i: str, want: bool = True) -> str:
        """Feature condition: the API the driver's own code uses is there (*want* false: it
        is not, so the spot takes the kb_ variant). For a driver on the new API that is
        KB_HAVE_<ID>. For one on the old API it is the old side's own macro when the rule
        probes it (KB_OLD_<ID>): a kernel that answers "both" (5.10.y has del_timer_sync
        and its backported timer_delete_sync) keeps the driver's call, and the old_on_new
        shim -- which Rule.shim_condition leaves out on "both" -- is never asked for; a
        one-sided rule's old side is "not new". Written as "not (new and not old)", so that
        a kernel range that decides KB_HAVE_<ID> alone (kbridge prune's rule releases,
        unifdef -U) decides the whole condition: the driver's own kernel, older than the
        change, prunes back to the driver byte for byte."""
        r = self.rules[i]
        if self.home_new[i] or not r.probe.two_sided:
            return self._defined(i, want if self.home_new[i] else not want)
        if want:
            return f"(!defined({r.guard}) || defined({r.old_guard}))"
        return f"(defined({r.guard}) && !defined({r.old_guard}))"

    def _all_new(self, ids: list[str]) -> str:
        """Condition: every rule of *ids* has its new API."""
        ver, feat = self._split(ids)
        terms = [f"LINUX_VERSION_CODE >= {self._since(ver, max)}"] if ver else []
        return " && ".join(terms + [self._defined(i, True) for i in feat])

    def _any_new(self, ids: list[str]) -> str:
        """Condition: some rule of *ids* has its new API."""
        ver, feat = self._split(ids)
        terms = [f"LINUX_VERSION_CODE >= {self._since(ver, min)}"] if ver else []
        return " || ".join(terms + [self._as_home(i, False) for i in feat])

    def _home(self, ids: list[str]) -> str:
        """Condition: every rule of *ids* answers as on the driver's own kernel."""
        return " && ".join(
            f"LINUX_VERSION_CODE {'>=' if self.home_new[i] else '<'} {c_expr(self._edge(i))}"
            if i in self.versioned else self._as_home(i) for i in ids)

    def spot(self, ids: list[str], original: list[bytes], variant: list[bytes]) -> list[bytes]:
        """The lines of a spot: new-API lines first when the rules agree on a direction."""
        ids = sorted(ids)
        homes = {self.home_new[i] for i in ids}
        if homes == {True}:
            first, second, cond = original, variant, self._all_new(ids)
        elif homes == {False}:
            first, second, cond = variant, original, self._any_new(ids)
        else:
            first, second, cond = original, variant, self._home(ids)
        return [self._if(cond), *first, b"#else\n", *second, b"#endif\n"]

    def needs_compat(self, ids: list[str]) -> bytes:
        """#if line that is true on any kernel where some rule of *ids* answers unlike home."""
        ver, feat = self._split(sorted(ids))
        news = [i for i in ver if self.home_new[i]]
        olds = [i for i in ver if not self.home_new[i]]
        terms = []
        if news:
            terms.append(f"LINUX_VERSION_CODE < {self._since(news, max)}")
        if olds:
            terms.append(f"LINUX_VERSION_CODE >= {self._since(olds, min)}")
        terms += [self._as_home(i, False) for i in feat]
        if len(terms) == 1 and terms[0].startswith("!defined("):
            return f"#ifndef {terms[0][len('!defined('):-1]}\n".encode()
        return self._if(" || ".join(terms))

    def _if(self, cond: str) -> bytes:
        if " " not in cond and cond.startswith("defined("):
            return f"#ifdef {cond[len('defined('):-1]}\n".encode()
        return f"#if {cond}\n".encode()


# --- rewriting one file -------------------------------------------------------------

def _split_lines(data: bytes) -> list[bytes]:
    parts = data.split(b"\n")
    out = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def rewrite(rel: str, data: bytes, rename_rule: dict[str, tuple[str, str]], used: set[str],
            guards: Guards, include_rule: dict[str, tuple[bytes, str]] | None = None,
            live: frozenset[int] | None = None) -> FileEdit:
    """*data* with every spot guarded. rename_rule: kernel name -> (kb_ name, rule id).

    *used*: the rules whose names this file uses (its include of kb_inline.h
    is guarded on them too, for names the compat header provides unrenamed).
    *include_rule*: header path -> (the #include lines that replace it on the
    other kernels, rule id), for headers that moved. *live*: the rows (0-based) compiled
    on the driver's own kernel and on a target (kbridge.actions.live); a name elsewhere
    sits in a branch the driver switches itself by version and is left alone.
    """
    include_rule = include_rule or {}
    edit = FileEdit(rel)
    tree = parse_bounded(thread_parser(), data, rel)
    lines = _split_lines(data)
    # 1. every name to rename (and #include of a moved header), and the rows of its unit
    hits: list[tuple[int, int, object]] = []      # (lo, hi, ident or preproc_include node)
    for n in _walk(tree.root_node):
        if live is not None and n.type in ("preproc_include", "identifier", "type_identifier",
                                           "preproc_def", "preproc_function_def") and \
                n.start_point[0] not in live:
            continue
        if n.type == "preproc_include":
            path = n.child_by_field_name("path")
            if path is not None and path.text.decode(errors="replace").strip('<>"') in include_rule:
                hits.append((n.start_point[0], n.start_point[0], n))
            continue
        if n.type in ("preproc_def", "preproc_function_def"):
            # a macro body of the driver's is opaque to tree-sitter: its renamed names make the
            # whole #define a spot (the kernel's name would come back where the macro expands)
            val = n.child_by_field_name("value")
            if val is not None:
                found = [t for t in _macro_idents(val) if t.text.decode() in rename_rule]
                hi = val.end_point[0] - (1 if val.end_point[1] == 0 and val.end_point[0] > 0 else 0)
                hits += [(n.start_point[0], hi, t) for t in found]
            continue
        if n.type not in ("identifier", "type_identifier"):
            continue
        name = n.text.decode(errors="replace")
        if name not in rename_rule:
            continue
        unit = _unit(n)
        if unit is None:
            continue
        lo, hi = _rows(unit, n, lines)
        hits.append((lo, hi, n))
    # 2. spots: overlapping ranges merge; adjacent ones merge when they are for the same rule
    hits.sort(key=lambda h: (h[0], h[1]))
    groups: list[tuple[int, int, set[str], list]] = []  # type: ignore[type-arg]
    for lo, hi, n in hits:
        rule = _hit(n, rename_rule, include_rule)[1]
        if groups:
            glo, ghi, grules, gids = groups[-1]
            if lo <= ghi or (lo == ghi + 1 and grules == {rule}):
                groups[-1] = (glo, max(ghi, hi), grules | {rule}, [*gids, n])
                continue
        groups.append((lo, hi, {rule}, [n]))
    # kb_inline.h serves the kb_ names (a moved header's spot includes kernel headers itself)
    compat_rules = set(used) | {_hit(n, rename_rule, include_rule)[1] for g in groups for n in g[3]
                                if n.type != "preproc_include"}
    edit.rules = sorted(compat_rules | {r for g in groups for r in g[2]})
    if not edit.rules:
        edit.text = data
        return edit
    # 3. the file with the guarded include of kb_inline.h and the spots
    first_rename = [g[0] for g in groups if any(n.type != "preproc_include" for n in g[3])]
    insert_at = _include_row(tree, first_rename[0] if first_rename else len(lines))
    include = _include_lines(guards, sorted(compat_rules))
    out: list[bytes] = []
    row = 0
    for lo, hi, rules, idents in [*groups, (len(lines), len(lines), set(), [])]:
        while row < lo:
            if row == insert_at:
                out += include
            out.append(lines[row])
            row += 1
        if row == insert_at:
            out += include
        if lo >= len(lines):
            break
        original = lines[lo:hi + 1]
        if not original[-1].endswith(b"\n"):
            original[-1] += b"\n"      # a spot on a last line without newline
        if not _balanced(original):
            raise KbridgeError(f"{rel}:{lo + 1}: cannot guard lines {lo + 1}-{hi + 1}: they cross a "
                               "preprocessor conditional of the driver")
        start = sum(len(x) for x in lines[:lo])
        variant = b"".join(original)
        for b0, b1, new in sorted({(i.start_byte - start, i.end_byte - start,
                                    _hit(i, rename_rule, include_rule)[0]) for i in idents}, reverse=True):
            variant = variant[:b0] + new + variant[b1:]
        out += guards.spot(sorted(rules), original, _split_lines(variant))
        edit.spots.append(Spot(rel, lo + 1, hi + 1, tuple(sorted(rules)),
                               tuple(sorted({_hit_name(i) for i in idents}))))
        row = hi + 1
    edit.text = b"".join(out)
    return edit


@dataclass(frozen=True)
class _MacroIdent:
    """An identifier inside a macro body (which tree-sitter leaves as text), as a spot reads a
    name node: its type, text and byte range in the file."""

    text: bytes
    start_byte: int
    end_byte: int
    type: str = "identifier"


def _macro_idents(val) -> list[_MacroIdent]:  # type: ignore[no-untyped-def]
    """The identifier tokens of macro body *val* (a preproc_arg node), outside comments and
    string or character literals."""
    body: bytes = val.text
    out: list[_MacroIdent] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i:i + 1]
        if body.startswith(b"/*", i):
            j = body.find(b"*/", i + 2)
            i = n if j < 0 else j + 2
        elif body.startswith(b"//", i):
            j = body.find(b"\n", i)
            i = n if j < 0 else j
        elif c in (b'"', b"'"):
            j = i + 1
            while j < n and body[j:j + 1] != c:
                j += 2 if body[j:j + 1] == b"\\" else 1
            i = j + 1
        elif c == b"_" or c.isalpha():
            j = i + 1
            while j < n and (body[j:j + 1] == b"_" or body[j:j + 1].isalnum()):
                j += 1
            out.append(_MacroIdent(body[i:j], val.start_byte + i, val.start_byte + j))
            i = j
        elif c.isdigit():       # a number's letters (0x1f, 10UL) are no name
            j = i + 1
            while j < n and (body[j:j + 1] in (b"_", b".") or body[j:j + 1].isalnum()):
                j += 1
            i = j
        else:
            i += 1
    return out


def _hit_name(n) -> str:  # type: ignore[no-untyped-def]
    if n.type == "preproc_include":
        return n.child_by_field_name("path").text.decode(errors="replace").strip('<>"')
    return n.text.decode(errors="replace")


def _hit(n, rename_rule, include_rule) -> tuple[bytes, str]:  # type: ignore[no-untyped-def]
    """(replacement bytes, rule id) of a renamed name or of a moved header's #include."""
    if n.type == "preproc_include":
        lines, rule = include_rule[_hit_name(n)]
        return (lines if n.text.endswith(b"\n") else lines.rstrip(b"\n")), rule
    kb, rule = rename_rule[n.text.decode()]
    return kb.encode(), rule


def _include_row(tree, first_spot: int) -> int:  # type: ignore[no-untyped-def]
    """Row before which the guarded #include of kb_inline.h goes: after the last
    top-level #include that precedes the first spot (else at the top)."""
    row = 0
    for n in tree.root_node.children:
        after = n.end_point[0] + (1 if n.end_point[1] > 0 else 0)
        if n.type == "preproc_include" and after <= first_spot:
            row = after
    return row


def _include_lines(guards: Guards, ids: list[str]) -> list[bytes]:
    if not ids:
        return []
    return [guards.needs_compat(ids), f'#include "{INLINE_HEADER}"\n'.encode(), b"#endif\n"]


# --- OUT ------------------------------------------------------------------------------

def inline_header(p: layer.LayerPlan, names: dict[str, ShimNames], copies: bool = False) -> str:
    """compat/kb_inline.h: the shims behind the kb_ names, each under its guard.

    *copies*: OUT carries a compat object (:mod:`.compatobj`): its declarations
    (compat/kb_drafts.h) follow the shims. compat/kb_drafts.c includes this header with
    KB_INLINE_LAYER_NAMES defined: the kernel names keep the shims' meaning there."""
    out = ["/* Generated by kbridge (inline strategy). The shims behind the kb_* names the",
           " * driver's guarded spots use: the same faithful shims as kbridge's layer",
           " * strategy (knowledge/shims/<rule>/), each included only on kernels whose",
           " * guard says the driver's own API is missing. Afterwards the kernel's own",
           " * names are given back their kernel meaning: only kb_* names are bridged. */",
           "#ifndef KB_INLINE_H", "#define KB_INLINE_H", '#include "kb_config.h"', ""]
    for s in shim_order(p.shims, names):
        if not s.text:
            continue
        r = s.rule
        out += [f"/* {r.id} ({s.direction}): {r.summary}",
                f" * since {r.since}, commit {r.commit} (\"{r.commit_title}\") */",
                s.condition, f'#include "rules/{r.id}/{s.direction}.h"', "#endif", ""]
    tail: list[str] = []
    # a name one shim only wraps (an alias) while another defines kb_<name> itself (both
    # rules' shims apply on some kernel: blk_mq_alloc_tag_set of blk_mq_f_should_merge_removed
    # and of rq_list_type): where that other shim is in, its kb_<name> is the driver's -- it
    # calls the wrapper included before it -- and the alias must not hide it
    owned = {u for s in p.shims if (n := names.get(s.rule.id)) is not None for u in n.undef}
    aliases: list[str] = []
    for s in p.shims:
        n = names.get(s.rule.id)
        if n is None or not (n.undef or n.alias):
            continue
        # a name another shim's macro expands to in the driver (FB_DEFAULT_DEFERRED_OPS of
        # fb_gen_default_deferred_sysmem_ops sets .fb_mmap = fb_deferred_io_mmap, which
        # fb_deferred_io_mmap_exported bridges) keeps its shim's meaning: that macro is
        # expanded at the driver's spot, after this tail, and the driver itself names it
        # only in guarded spots, which say kb_<name>
        by_others = {u for u in n.undef for o in p.shims
                     if o.rule.id != s.rule.id and o.text and re.search(rf"\b{re.escape(u)}\b", o.text)}
        block = [f"#undef {u}" for u in n.undef if u not in by_others]
        block += [f"#define KB_INLINE_OWN_{u}" for u in n.undef if u in owned and any(
            u in (m.alias if (m := names.get(x.rule.id)) else ()) for x in p.shims)]
        block += [f"#define {kb_name(a)}(...) {a}(__VA_ARGS__)" for a in n.alias if a not in owned]
        if block:
            tail += [s.condition, *block, "#endif"]
        for a in n.alias:
            if a in owned:
                aliases += [s.condition, f"#ifndef KB_INLINE_OWN_{a}",
                            f"#define {kb_name(a)}(...) {a}(__VA_ARGS__)", "#endif", "#endif"]
    tail += aliases
    if copies:
        out += ["/* The compat object's copies (compat/kb_drafts.c), declared as kb_<name> after the",
                " * shims: the driver's spots call them where the kernel lacks the export. */",
                f'#include "{compatobj.DRAFTS_H.removeprefix("compat/")}"', ""]
    if tail:
        # (not in a compat object's kb_drafts.c, which defines KB_INLINE_LAYER_NAMES: the
        # copies are the driver's kernel's code, written with the kernel's names, which
        # keep the shims' meaning there as the layer gives it)
        out += ["/* The driver writes kb_<name>; <name> is the kernel's again. A shim that",
                " * redefines a function-like <name> without a kb_<name> of its own keeps it,",
                " * and kb_<name> forwards to it. */",
                f"#ifndef {compatobj.INLINE_LAYER_NAMES}", *tail, "#endif", ""]
    out.append("#endif")
    return "\n".join(out) + "\n"


def version_config(rules: list[Rule], name: str = "KB_CONFIG_H") -> str:
    """compat/kb_config.h (or kb_version.h) for version guards: each guard from its rule's release."""
    out = ["/* Generated by kbridge (inline strategy, version guards): each KB_HAVE_*",
           " * guard from the release of its rule's API change (mainline releases; a",
           " * vendor kernel that backported a change needs --guards feature). */",
           f"#ifndef {name}", f"#define {name}", "#include <linux/version.h>"]
    for r in rules:
        if r.since == "unknown":    # probed at build time (compat/kb_config.h): no guessed release
            out.append(f"/* {r.guard}: release unknown, probed at build time ({r.id}) */")
            continue
        out += [f"#if LINUX_VERSION_CODE >= {c_expr(r.since)}\t/* {r.id} */",
                f"#define {r.guard} 1", "#endif"]
        if r.probe.two_sided and r.old_bounded:
            # the old API's own releases: the four states of the probes (Rule.state_at),
            # "neither" below old_since, "both" from since until old_until
            span = ([f"LINUX_VERSION_CODE >= {c_expr(r.old_since)}"] if r.old_since else []) + \
                [f"LINUX_VERSION_CODE < {c_expr(r.old_until or r.since)}"]
            out += [f"#if {' && '.join(span)}\t/* {r.id}: old API {r.old_since or ''}.."
                    f"{r.old_until or r.since} */", f"#define {r.old_guard} 1", "#endif"]
        elif r.probe.two_sided:
            # since alone knows two states: below it the old API (a kernel with neither side
            # is what only the feature probes, or the rule's old_since, can tell)
            out += [f"#if LINUX_VERSION_CODE < {c_expr(r.since)}\t/* {r.id} */",
                    f"#define {r.old_guard} 1", "#endif"]
    out.append("#endif")
    return "\n".join(out) + "\n"


def kbuild_text(driver_kbuild: str | None, style: str, rule_ids: list[str], wrappers: bool | list[str],
                cflags: list[str] | None = None, probes: bool | None = None,
                cflags_when: list[tuple[str, str, tuple[str, ...]]] | None = None,
                configured_out: str = "") -> str:
    """OUT/Kbuild: (probe,) then the driver's own build file, then the guards' header first.

    *configured_out*: as the layer's (:func:`kbridge.actions.bridge.layer.configured_out_kbuild`).

    *probes*: run the build-time probes (default: with feature guards); version
    guards need them only for rules whose release is unknown.
    """
    include_driver = f"include $(src)/{driver_kbuild}\n" if driver_kbuild else ""
    probes = style == "feature" if probes is None else probes
    if probes:
        if style == "version":
            purpose = (":\n#    compat/kb_config.h defines the guards of the rules whose release is unknown"
                       "\n#    and the shims' anchors (KB_ANCHOR_*).")
            guards_header = "$(KB_COMPAT)/kb_version.h -include $(KB_COMPAT)/kb_config.h"
        else:
            purpose = ":\n#    compat/kb_config.h defines the KB_HAVE_* guards of the driver's #ifdef's."
            guards_header = "$(KB_COMPAT)/kb_config.h"
        first = buildtime.kbuild_probe_step("inline", purpose)
        clean = buildtime.PROBE_CLEAN_FILES
    else:
        first = ("# 1. The guards are LINUX_VERSION_CODE tests: every file sees <linux/version.h>.\n")
        guards_header = "linux/version.h"
        clean = ""
    extra = ("# needed by the shims' compat structs\nccflags-y += " + " ".join(cflags) + "\n"
             if cflags else "")
    dirs = wrappers if isinstance(wrappers, list) else (["include"] if wrappers else [])
    shadow = ("# Moved kernel headers: compat/include wraps them (before the kernel's own -I).\n"
              "NOSTDINC_FLAGS += " + " ".join(f"-I$(KB_COMPAT)/{d}" for d in dirs) + "\n\n"
              if dirs else "")
    return f"""# Generated by kbridge (inline strategy, {style} guards). The driver's own
# build file is {driver_kbuild or '(none)'}, included below unchanged.
# Rules bridged: {' '.join(rule_ids) or '(none)'}
KB_COMPAT := $(src)/compat

{first}
{shadow}# 2. The driver, built as its own build file says.
{configured_out}{include_driver}
# 3. Every file of the driver sees its guards; compat/ holds kb_inline.h.
ccflags-y += -I$(KB_COMPAT) -include {guards_header}
{extra}{buildtime.cflags_when_text(cflags_when)}{clean}"""


@dataclass
class InlineResult:
    content: dict[str, bytes]
    driver_files: list[str]
    edits: list[FileEdit]

    @property
    def spots(self) -> list[Spot]:
        return [s for e in self.edits for s in e.spots]


def moved_header_includes(wrapper: str, guard: str, have: bool) -> list[str]:
    """The #include lines a shim's wrapper of a moved header uses when *guard* is *have*.

    The wrapper is first pruned for that answer with kbridge's unifdef-compatible
    prune (its #ifdef GUARD / #else is preprocessor structure, not C), then the
    remaining unconditional #include lines are read with tree-sitter. On the
    kernels that take that branch the driver's own #include becomes these lines
    (e.g. <net/page_pool.h> -> <net/page_pool/types.h> + <net/page_pool/helpers.h>),
    so the move is a visible spot in the driver. #include_next (the kernel's own
    header) is not an #include: no lines, no spot.
    """
    from kbridge.actions.prune import prune_text
    text = prune_text(wrapper, min_kernel=None, defines={guard: 1} if have else {},
                      undefs=[] if have else [guard], use_rules=False)
    out = []
    for n in thread_parser().parse(text.encode()).root_node.children:
        if n.type == "preproc_include":
            path = n.child_by_field_name("path")
            if path is not None and path.text.decode().strip('<>"') != "kb_config.h":
                out.append(n.text.decode().rstrip("\n"))
    return out


def file_rules(rel: str, data: bytes, shims: list[layer.ShimPlan],
               names: dict[str, ShimNames]) -> set[str]:
    """The rules of *shims* whose names the file *rel* uses: the layer's choice
    (:func:`.layer.rules_named`, from the same reading of the file,
    kbridge.facts.scan.file_names, macro bodies included), or a name a shim
    provides unrenamed (BLK_FEAT_*, blk_mode_t)."""
    found = scan.file_names(data, rel)
    used = {r.id for r in layer.rules_named([s.rule for s in shims], found)}
    return used | {s.rule.id for s in shims
                   if any(n in found.names for n in names[s.rule.id].provides
                          if not n.startswith(("kb_", "KB_")))}


@dataclass(frozen=True)
class CopyGuard:
    """A copy of the compat object (:mod:`.compatobj`) as :class:`Guards` reads a rule: the
    guard is ``KB_HAVE_EXPORT_<name>``, defined where the kernel's Module.symvers has the
    export (asked at build time by OUT's Kbuild, in either guard style: an export is no
    release); the driver's own kernel exports it (its "new" side)."""

    id: str
    guard: str
    since: str = "unknown"


def copy_id(name: str) -> str:
    """The spot rule id of the compat object's copy of exported function *name*."""
    return f"compat_{name}"


def files(driver: Driver, home: str, p: layer.LayerPlan, style: str = "feature",
          compat: compatobj.DraftPlan | None = None,
          extra: dict[str, bytes] | None = None) -> InlineResult:
    """Every file of inline OUT (relative path -> bytes).

    *extra*: files OUT carries besides (the header drafts' whole headers in compat/include,
    :mod:`.draft`): their directories are on the include path as the rules' wrappers are.

    *compat*: the compat object OUT carries (its files are the caller's): each name the
    driver calls of a copied function is a spot, ``#ifdef KB_HAVE_EXPORT_<name>`` over the
    driver's call and its ``kb_<name>`` copy."""
    if style not in GUARDS:
        raise KbridgeError(f"unknown guard style {style!r}; use one of {', '.join(GUARDS)}")
    base, own = layer.files(driver, home, p)
    text_shims = [s for s in p.shims if s.text]
    rules_by_id = {r.id: r for r in p.probed}
    for s in p.shims:
        rules_by_id[s.rule.id] = s.rule
    home_new = {s.rule.id: s.direction == "new_on_old" for s in p.shims if s.direction != "configured_out"}
    for s in p.shims:   # a rule only configured out (its kernels answer "neither"): the driver's side
        home_new.setdefault(s.rule.id, True)
    copies = [d.name for d in compat.drafts] if compat is not None else []
    for n in copies:
        rules_by_id[copy_id(n)] = CopyGuard(copy_id(n), f"KB_HAVE_EXPORT_{n}")  # type: ignore[assignment]
        home_new[copy_id(n)] = True
    guards = Guards(style, rules_by_id, home_new)
    names = {s.rule.id: shim_names(s.text) for s in text_shims}
    rename_rule: dict[str, tuple[str, str]] = {}
    for s in text_shims:
        for n, kb in names[s.rule.id].renames.items():
            rename_rule.setdefault(n, (kb, s.rule.id))
    for n in copies:
        rename_rule.setdefault(n, (compatobj.PREFIX + n, copy_id(n)))
    include_rule: dict[str, tuple[bytes, str]] = {}
    for s in p.shims:       # moved headers: the driver's #include is a spot too
        for w in s.wrappers:
            if w not in s.rule.api:
                continue
            repl = moved_header_includes((s.rule.shim_dir / "include" / w).read_text(), s.rule.guard,
                                         not home_new[s.rule.id])
            if repl:
                include_rule.setdefault(w, ("".join(f"{x}\n" for x in repl).encode(), s.rule.id))
    content: dict[str, bytes] = {}
    edits: list[FileEdit] = []
    for rel in driver.sources:
        data = base[rel]
        used = file_rules(rel, data, text_shims, names)
        edit = rewrite(rel, data, rename_rule, used, guards, include_rule,
                       p.live_rows.get(rel) if p.live_rows is not None else None)
        edits.append(edit)
        content[rel] = edit.text
    # the layer's OUT minus what only the layer uses: kb_compat.h, the "after" wrappers
    drop = {"compat/kb_compat.h", "compat/RULES.md", "Kbuild"}
    # (an "after" wrapper is the first link of its header's chain: the rules'
    # own wrappers of that header stay, one directory further down)
    # (a generated wrapper, configured_out_wrapper, may come first: the "after" one is then
    # one level down)
    afters = {s.after for s in p.shims if s.after}
    drop |= {rel for rel, data in base.items() if rel.startswith("compat/include")
             and rel.split("/", 2)[-1] in afters and data.startswith(
                 f"/* Generated by kbridge: <{rel.split('/', 2)[-1]}> as the kernel has it, then the shims".encode())}
    # (and the deferral wrappers of shim.toml 'complete': they apply "after" shims inline has not)
    drop |= {rel for rel, data in base.items() if rel.startswith("compat/include")
             and layer.DEFER_MARK.encode() in data.split(b"\n", 1)[0]}
    for rel, data in base.items():
        if rel in drop or rel in content:
            continue
        content[rel] = data
    # (a drafted whole header may be alone in compat/include: inline drops the "after"
    # wrappers the layer has there, so the directory is on the path for the drafts too)
    wrappers = layer.include_dirs({**content, **(extra or {})})
    probes = None
    if style == "version":
        for rel in [r for r in content if r.startswith(("compat/kb_probes", "compat/probes/"))] + \
                ["compat/kb_conftest.sh"]:
            content.pop(rel, None)
        unknown = [r for r in p.probed if r.since == "unknown"]
        # a shim's anchors (shim.toml) are no release: the wrappers pick their variant from
        # build-time probes in either guard style
        anchored = any(m.anchors for r in p.probed for _, m in r.manifest.directions)
        probes = bool(unknown) or anchored
        if probes:      # these keep feature guards: probe them at build time, as feature mode does
            for rel, text in buildtime.runner_files(unknown, anchor_rules=p.probed).items():
                content[f"compat/{rel}"] = text.encode()
            content["compat/kb_version.h"] = version_config(p.probed, "KB_VERSION_H").encode()
        else:
            content["compat/kb_config.h"] = version_config(p.probed).encode()
    content["compat/kb_inline.h"] = inline_header(p, names, bool(copies)).encode()
    driver_kbuild = "compat/Kbuild.driver" if "compat/Kbuild.driver" in base else (
        "Makefile" if "Makefile" in base else None)
    # the shim library's manifest: flags a shim's C needs (as the layer)
    cflags = layer.shim_cflags(p.shims)
    content["Kbuild"] = kbuild_text(driver_kbuild, style, sorted({s.rule.id for s in p.shims}),
                                    wrappers, cflags, probes, layer.shim_cflags_when(p.shims),
                                    layer.configured_out_kbuild(p.shims)).encode()
    content["compat/INLINE.md"] = _inline_md(driver, home, p, edits, style, compat).encode()
    return InlineResult(dict(sorted(content.items())), own, edits)


def _inline_md(driver: Driver, home: str, p: layer.LayerPlan, edits: list[FileEdit], style: str,
               compat: compatobj.DraftPlan | None = None) -> str:
    out = [f"# inline bridge of {driver.label}", "",
           f"Generated by kbridge for a driver written for Linux {home}, with {style} guards.",
           "Each spot below carries the driver's original lines (in the branch of its own",
           "kernel) and the same lines for the other kernels, which call the kb_* shims of",
           "compat/kb_inline.h. Prune OUT for the driver's own kernel (unifdef or",
           "`kbridge prune`) to get the original files back byte for byte.", ""]
    for e in edits:
        for s in e.spots:
            out.append(f"- {s.file}:{s.first}-{s.last}: {', '.join(s.names)} ({', '.join(s.rules)})")
    out.append("")
    for s in p.shims:
        why = s.rule.shims[s.direction].why if s.direction in s.rule.shims else ""
        out += [f"## {s.rule.id} ({s.direction})", "",
                f"- API: {', '.join(s.rule.api)}; changed in {s.rule.since}, commit {s.rule.commit}",
                f"- why it is faithful: {why.strip()}", ""]
    for d in compat.drafts if compat is not None else []:
        out += [f"## {copy_id(d.name)} (compat object)", "",
                f"- API: {d.name}, exported by the driver's kernel, missing on {', '.join(d.targets)}",
                f"- copied from {d.package}, {d.file}:{d.line} into compat/kb_drafts.c as "
                f"kb_{d.name}, used where Module.symvers lacks the export",
                f"- guard: KB_HAVE_EXPORT_{d.name}, asked at build time (the driver's kernel defines it: "
                f"prune OUT for it with -DKB_HAVE_EXPORT_{d.name})", ""]
    for u in p.unbridged:
        out += [f"## NOT BRIDGED: {u.rule} ({u.direction})", "", f"- API: {', '.join(u.api)}",
                f"- why: {u.why}", ""]
    return "\n".join(out).rstrip() + "\n"


def build_inline(driver: Driver, tree, *, guards: str = "feature",  # type: ignore[no-untyped-def]
                 targets=None, rules=None, keep=None, abi_check=True, cache=None):
    """Bridge *driver* inline (for *targets*, default just *tree*) and build OUT on *tree*.

    The matrix cell of ``kbridge matrix --strategy inline``: a real kbuild run
    of the generated OUT (with its build-time probes for feature guards).
    Bad input for this cell (e.g. --guards version with a rule whose release
    is unknown) becomes a failed cell with that message, not an aborted matrix.
    *keep*: directory that receives the build (``kbridge matrix --run`` loads it in a guest).
    Then the ABI check (:mod:`.abi`), which fails the cell on a kernel struct laid out differently.
    """
    from kbridge.actions.bridge import build_bridged
    return build_bridged(driver, tree, "inline", targets=targets, rules=rules, guards=guards, keep=keep,
                         abi_check=abi_check, cache=cache, refusal_fails_cell=True)
