"""Compat spots: every place where a driver says "this depends on the kernel".

``audit(path)`` finds, in a driver or a whole tree:

* ``kbridge_guard``: ``#if KB_HAVE_X`` / ``#ifdef KB_HAVE_X`` (the rule
  library says which API and from which release; ``KB_HAVE_EXPORT_<name>``
  is the compat object's, the API is <name>: no release, Module.symvers
  decides at build time, so no kernel range decides it either);
* ``version``: tests of ``LINUX_VERSION_CODE`` against ``KERNEL_VERSION(a, b,
  c)`` (or a number), in any form the preprocessor accepts: ``<``, ``>=``,
  ``==``, ``&&``, ``||``, ``!``, parentheses, ``#elif`` chains;
* ``vendor``: distribution kernels' own tests (``RHEL_RELEASE_CODE``,
  ``RHEL_RELEASE_VERSION``, ``SLE_VERSION``, ``UTS_UBUNTU_RELEASE_ABI``, ...);
* ``feature_macro``: ``HAVE_*`` macros in the autoconf / conftest style of
  other out-of-tree projects (and of old in-tree drivers);
* ``compat_define``: ``#ifndef some_api`` ... ``#define some_api`` fallbacks;
* ``wrapper``: ``kb_``-prefixed compat functions.

For each conditional spot it reports file:line, the API concerned (for a
kbridge guard the rule's API; otherwise the identifiers that differ between
the branches), and for each branch the mainline kernels that take it: the
kernel versions are split at every version constant the group mentions and
each stretch is evaluated with the same evaluator ``kbridge prune`` uses, so
audit and prune never disagree. With a minimum (and maximum) supported kernel
it marks the branches that prune would remove.

Directives are found the way the preprocessor sees them (comments removed,
backslash continuations joined, string literals respected); branch contents
are read with tree-sitter-c, macro bodies included.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kbridge.actions import prune as pr
from kbridge.errors import KbridgeError
from kbridge.facts import ifexpr, scan
from kbridge.facts.cparse import parse_bounded, thread_parser

KB_GUARD_PREFIX = "KB_HAVE_"
EXPORT_GUARD_PREFIX = "KB_HAVE_EXPORT_"     # the compat object's copies (actions/bridge/compatobj)
WRAPPER_PREFIX = "kb_"
VENDOR_SYMBOLS = frozenset({
    "RHEL_RELEASE_CODE", "RHEL_RELEASE_VERSION", "RHEL_MAJOR", "RHEL_MINOR",
    "SLE_VERSION", "SLE_VERSION_CODE", "SLE_LOCALVERSION_CODE", "SUSE_VERSION",
    "SUSE_PATCHLEVEL", "SUSE_PRODUCT_CODE", "SUSE_PRODUCT", "UTS_UBUNTU_RELEASE_ABI",
    "UBUNTU_VERSION_CODE", "UBUNTU_VERSION", "UEK_KABI_RENAME", "UTS_RELEASE",
})
KINDS = ("kbridge_guard", "version", "vendor", "feature_macro", "compat_define", "wrapper")
MAX_API = 12
_CONDITIONALS = ("if", "ifdef", "ifndef", "elif", "else", "endif")


# ---------------------------------------------------------------------------
# Directives, as the preprocessor sees them


@dataclass(frozen=True)
class Directive:
    line: int           # 1-based physical line of the '#'
    end_line: int       # last physical line (continuations)
    keyword: str        # if, ifdef, ifndef, elif, else, endif, define, include, ...
    rest: str           # the text after the keyword, comments removed, continuations joined


_SPECIALS = frozenset("/\"'\\#")


def directives(text: str) -> list[Directive]:
    """Every preprocessing directive of *text* (translation phases 2-3, simplified).

    Comments become one space, backslash-newlines vanish, string and
    character literals are skipped whole, so that ``"#if"`` in a string or a
    ``#`` inside a comment is no directive. Physical lines without any of
    ``/ " ' \\ #`` cannot change that state and are skipped at C speed; the
    others are scanned character by character with the state carried over.
    """
    out: list[Directive] = []
    in_comment = False           # inside /* */
    carry: str | None = None     # a line continued by backslash-newline: "text", "//", or a quote
    cur: list[str] | None = None # the directive being read
    cur_line = 0
    at_start = True              # nothing but blanks and comments so far on this logical line
    lines = text.split("\n")
    for lineno, raw in enumerate(lines, 1):
        if not in_comment and carry is None and cur is None and _SPECIALS.isdisjoint(raw):
            continue            # (at_start is True here and stays so)
        line = raw[:-1] if raw.endswith("\r") else raw
        i, n = 0, len(line)
        mode = carry
        carry = None
        # a continued // comment or literal goes on where it stopped
        if mode == "//":
            i = n
        elif mode in ("'", '"'):
            j = _literal_end(line, 0, mode)
            if cur is not None:
                cur.append(line[:j])
            if j > n:
                carry = mode
                i = n + 1
            else:
                i = j
        while i < n:
            if in_comment:
                j = line.find("*/", i)
                if j < 0:
                    i = n
                    break
                in_comment = False
                i = j + 2
                if cur is not None:
                    cur.append(" ")
                continue
            c = line[i]
            if c in " \t\f\v":
                if cur is not None:
                    cur.append(c)
                i += 1
                continue
            if c == "/" and line.startswith("/*", i):
                in_comment = True
                i += 2
                continue
            if c == "/" and line.startswith("//", i):
                if line.endswith("\\"):
                    carry = "//"
                i = n
                break
            if c == "\\" and i == n - 1:
                carry = carry or "text"
                i = n
                break
            if c in "\"'":
                j = _literal_end(line, i + 1, c)
                if cur is not None:
                    cur.append(line[i:j])
                at_start = False
                if j > n:
                    carry = c
                    i = n
                    break
                i = j
                continue
            if at_start and c == "#":
                cur = []
                cur_line = lineno
                at_start = False
                i += 1
                continue
            at_start = False
            if cur is None:
                # ordinary text: jump to the next character that matters on this line
                k = n
                for ch in ("/", '"', "'", "\\"):
                    f = line.find(ch, i + 1, k)
                    if f >= 0:
                        k = f
                i = k
                continue
            cur.append(c)
            i += 1
        # A comment that runs on to the next line is one space: the logical line (and a
        # directive on it) goes on after it, and a '#' right after it still starts one.
        if in_comment:
            continue
        if carry is not None:
            at_start = False
            continue
        if cur is not None:
            out.append(_directive(cur_line, lineno, "".join(cur)))
            cur = None
        at_start = True
    if cur is not None:
        out.append(_directive(cur_line, len(lines), "".join(cur)))
    return out


def _literal_end(line: str, i: int, quote: str) -> int:
    """Index after the closing *quote* from i; len(line) + 1 if a backslash continues it."""
    n = len(line)
    while i < n:
        c = line[i]
        if c == quote:
            return i + 1
        if c == "\\":
            if i == n - 1:
                return n + 1
            i += 2
            continue
        i += 1
    return n                 # unterminated on this line: ends with it


def _directive(line: int, end: int, body: str) -> Directive:
    body = body.strip()
    k = 0
    while k < len(body) and (body[k] == "_" or body[k].isalnum()):
        k += 1
    return Directive(line, end, body[:k], " ".join(body[k:].split()))


def expr_identifiers(expr: str) -> list[str]:
    """Identifiers of a #if expression (a preprocessor expression, not C code)."""
    out: list[str] = []
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c == "_" or (c.isascii() and c.isalpha()):
            j = i
            while j < n and (expr[j] == "_" or (expr[j].isascii() and expr[j].isalnum())):
                j += 1
            out.append(expr[i:j])
            i = j
        elif c.isascii() and c.isdigit():
            while i < n and (expr[i] == "_" or expr[i].isalnum() or expr[i] == "."):
                i += 1
        else:
            i += 1
    return out


def _version_constants(expr: str) -> set[int]:
    """Version codes an expression compares with: KERNEL_VERSION(a,b,c) and big numbers."""
    env = pr.Env()
    p = pr._Pruner("", env, "<expr>")
    p.tline = expr
    found: set[int] = set()
    i = 0
    while i < len(expr):
        c = expr[i]
        if c == "_" or (c.isascii() and c.isalpha()):
            j = p.skipsym(i)
            if expr[i:j] == pr.VERSION_MACRO:
                kv = p._kernel_version_args(j)
                if kv is not None:
                    found.add(kv[0])
                    i = kv[1]
                    continue
            i = j
        elif c.isascii() and c.isdigit():
            v, j = ifexpr.strtol0(expr, i)
            if 0x10000 <= v <= pr.MAX_CODE:
                found.add(v)
            i = max(j, i + 1)
        else:
            i += 1
    return found


# ---------------------------------------------------------------------------
# Spots


@dataclass
class KernelRange:
    start: int              # first version code
    end: int | None         # first code after the range (None: no upper bound)
    taken: str              # "yes" or "maybe" (depends on more than the version)

    def to_json(self) -> dict[str, object]:
        return {"from": pr.format_code(self.start),
                "to": pr.format_code(self.end) if self.end is not None else None,
                "taken": self.taken}

    def text(self) -> str:
        lo = pr.format_code(self.start)
        if self.start == 0 and self.end is None:
            s = "every kernel"
        elif self.start == 0:
            s = f"< {pr.format_code(self.end or 0)}"
        elif self.end is None:
            s = f">= {lo}"
        else:
            s = f"{lo} .. < {pr.format_code(self.end)}"
        return s if self.taken == "yes" else s + " (maybe)"


@dataclass
class Branch:
    line: int
    directive: str          # "#if", "#elif", "#else", "#ifdef", "#ifndef"
    condition: str          # "" for #else
    kernels: list[KernelRange] | None = None   # None: not a function of the kernel version
    dead: bool | None = None        # no kernel of the supported range takes it (range given)
    pruned: bool | None = None      # `kbridge prune` with that range removes it
    identifiers: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "directive": self.directive, "condition": self.condition,
                "kernels": None if self.kernels is None else [k.to_json() for k in self.kernels],
                "dead": self.dead, "pruned": self.pruned}


@dataclass
class Spot:
    file: str
    line: int
    end_line: int
    kind: str
    api: list[str]
    symbols: list[str]                   # the macros the conditions test
    branches: list[Branch] = field(default_factory=list)
    rule: str | None = None              # kbridge rule id for a KB_HAVE guard
    note: str = ""
    parent: int | None = None            # line of the enclosing spot, if any

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def dead_branches(self) -> int:
        return sum(1 for b in self.branches if b.dead)

    def to_json(self) -> dict[str, object]:
        d: dict[str, object] = {"file": self.file, "line": self.line, "end_line": self.end_line,
                                "kind": self.kind, "api": self.api, "symbols": self.symbols}
        if self.rule:
            d["rule"] = self.rule
        if self.note:
            d["note"] = self.note
        if self.parent is not None:
            d["parent"] = self.parent
        d["branches"] = [b.to_json() for b in self.branches]
        return d


@dataclass
class Audit:
    root: Path
    files: int
    spots: list[Spot]
    min_kernel: str | None = None
    max_kernel: str | None = None
    conditionals: int = 0                 # conditional groups seen (spots or not)

    def summary(self) -> dict[str, object]:
        by_kind = {k: sum(1 for s in self.spots if s.kind == k) for k in KINDS}
        d: dict[str, object] = {"files": self.files, "conditional_groups": self.conditionals,
                                "spots": len(self.spots), "by_kind": by_kind,
                                "files_with_spots": len({s.file for s in self.spots})}
        if self.min_kernel is not None:
            d["dead_branches"] = sum(s.dead_branches() for s in self.spots)
            d["spots_with_dead_branches"] = sum(1 for s in self.spots if s.dead_branches())
            d["pruned_branches"] = sum(1 for s in self.spots for b in s.branches if b.pruned)
        return d

    def to_json(self) -> dict[str, object]:
        return {"path": str(self.root), "min_kernel": self.min_kernel, "max_kernel": self.max_kernel,
                "summary": self.summary(), "spots": [s.to_json() for s in self.spots]}


@dataclass
class _Group:
    branches: list[tuple[Directive, str]]     # (directive, condition as #if expression)
    end: Directive | None = None
    parent: _Group | None = None
    parent_branch: int = 0
    defined_in_first: set[str] = field(default_factory=set)   # #define names in branch 1
    used_in_first: set[str] = field(default_factory=set)      # identifiers in branch 1


def _condition(d: Directive) -> str:
    """The branch condition as an #if expression."""
    name = d.rest.split(" ")[0] if d.rest else ""
    if d.keyword == "ifdef":
        return f"defined({name})"
    if d.keyword == "ifndef":
        return f"!defined({name})"
    return d.rest


def _groups(dirs: list[Directive], name: str) -> list[_Group]:
    groups: list[_Group] = []
    stack: list[_Group] = []
    for d in dirs:
        if d.keyword not in _CONDITIONALS:
            continue
        if d.keyword in ("if", "ifdef", "ifndef"):
            parent = stack[-1] if stack else None
            g = _Group([(d, _condition(d))], None, parent,
                       len(parent.branches) - 1 if parent else 0)
            groups.append(g)
            stack.append(g)
        elif not stack:
            raise KbridgeError(f"{name}:{d.line}: #{d.keyword} without #if; the file does not "
                               "preprocess, fix it first")
        elif d.keyword == "endif":
            stack.pop().end = d
        else:
            stack[-1].branches.append((d, "" if d.keyword == "else" else d.rest))
    if stack:
        raise KbridgeError(f"{name}:{stack[-1].branches[0][0].line}: #if without #endif; the file "
                           "does not preprocess, fix it first")
    return groups


# ---------------------------------------------------------------------------
# Identifiers of the code in each branch (tree-sitter-c)


def _identifier_rows(data: bytes) -> tuple[tuple[int, str], ...]:
    """(0-based row, name) of every identifier, macro bodies included: the one reading
    of what a file names (kbridge.facts.scan.file_names), on this file's tree."""
    return scan.file_names(data, tree=_tree(data)).rows


class _LastParse:
    """The tree-sitter tree of the file being audited: its spots ask for it many times."""

    def __init__(self) -> None:
        self.data: bytes | None = None
        self.tree: object = None

    def tree_of(self, data: bytes):  # type: ignore[no-untyped-def]
        if self.data is not data:
            self.data, self.tree = data, parse_bounded(thread_parser(), data)
        return self.tree


_PARSES = _LastParse()


def _tree(data: bytes):  # type: ignore[no-untyped-def]
    """The tree-sitter tree of *data*, kept for the file being audited (parsed once)."""
    return _PARSES.tree_of(data)


def _define_parts(rest: str) -> tuple[str, str]:
    """"name(params) body" of a #define -> (name, body)."""
    k = 0
    while k < len(rest) and not _endsym_char(rest[k]):
        k += 1
    name, tail = rest[:k], rest[k:]
    if tail.startswith("("):
        close = tail.find(")")
        tail = tail[close + 1:] if close >= 0 else ""
    return name, tail.strip()


def _guard_like(name: str) -> bool:
    """An include-guard style name (FOO_H, _FOO_H_, __FOO_H__): no fallback definition."""
    return name.rstrip("_").endswith("_H")


def _mentions_wrapper(text: str) -> bool:
    """Does an identifier start with kb_ (not just skb_...)? Decides whether to parse."""
    i = text.find(WRAPPER_PREFIX)
    while i >= 0:
        if i == 0 or _endsym_char(text[i - 1]):
            return True
        i = text.find(WRAPPER_PREFIX, i + 1)
    return False


def _endsym_char(c: str) -> bool:
    return not (c == "_" or (c.isascii() and c.isalnum()))


def _wrappers(data: bytes) -> list[tuple[int, int, str, list[str]]]:
    """kb_ functions: (first line, last line, name, functions it calls)."""
    tree = _tree(data)
    out = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "function_definition":
            decl = node.child_by_field_name("declarator")
            while decl is not None and decl.type not in ("identifier",):
                decl = decl.child_by_field_name("declarator")
            if decl is not None and decl.text.decode().startswith(WRAPPER_PREFIX):
                calls: list[str] = []
                inner = [node]
                while inner:
                    x = inner.pop()
                    if x.type == "call_expression":
                        f = x.child_by_field_name("function")
                        if f is not None and f.type == "identifier":
                            name = f.text.decode()
                            if not name.startswith(WRAPPER_PREFIX) and name not in calls:
                                calls.append(name)
                    inner.extend(reversed(x.children))
                out.append((node.start_point[0] + 1, node.end_point[0] + 1, decl.text.decode(),
                            calls))
            continue
        stack.extend(node.children)
    return sorted(out)


# ---------------------------------------------------------------------------
# Which kernels take which branch


def _rule_guards() -> dict[str, object]:
    try:
        from kbridge.knowledge import rules as rules_mod
        return {r.guard: r for r in rules_mod.load()}
    except (KbridgeError, ImportError):
        return {}


def _guard_since(rule: object) -> int | None:
    try:
        return rule.since_code  # type: ignore[attr-defined,no-any-return]
    except KbridgeError:
        return None


def _env_at(lo: int, hi: int, symbols: set[str], guards: dict[str, object], *,
            mainline: bool = True) -> pr.Env:
    """Kernels [lo, hi]: KB_HAVE guards from their rules; with *mainline*, vendor macros undefined."""
    # A decided guard is defined to 1 or undefined, as kbridge's config header has it.
    values: dict[str, pr.Interval] = {pr.VERSION_SYMBOL: (lo, hi)}
    undefined = {s for s in symbols if mainline and s in VENDOR_SYMBOLS
                 and s not in ("RHEL_RELEASE_VERSION", "SLE_VERSION")}   # function-like: unknown
    value_only: dict[str, pr.Interval] = {}
    for s in symbols:
        if s in guards and _guard_since(guards[s]) is not None:
            decided = guards[s].guard_over(lo, hi)  # type: ignore[attr-defined]
            if decided is True:
                values[s] = (1, 1)
            elif decided is False:
                undefined.add(s)
            else:
                value_only[s] = (0, 1)
    return pr.Env(values, frozenset(undefined), value_only)


def _taken(conds: list[str], env: pr.Env) -> list[str]:
    """Per branch: "yes", "no" or "maybe" under *env* (an #elif chain: earlier ones first)."""
    out = []
    earlier = "no"          # whether an earlier branch is taken
    for c in conds:
        lt = pr.LT_TRUE if c == "" else pr.evaluate(c, env)[0]
        if earlier == "yes" or lt == pr.LT_FALSE:
            out.append("no")
        elif earlier == "no" and lt == pr.LT_TRUE:
            out.append("yes")
        else:
            out.append("maybe")
        if lt == pr.LT_TRUE and earlier == "no":
            earlier = "yes"
        elif lt != pr.LT_FALSE and earlier == "no":
            earlier = "maybe"
    return out


def _kernel_ranges(conds: list[str], symbols: set[str], guards: dict[str, object], *,
                   mainline: bool = True) -> list[list[KernelRange]]:
    """Per branch, the kernel version ranges that take it ("yes") or may ("maybe").

    The versions are cut at every constant the conditions compare with (and
    one past it, for > and <=), so the answer is constant on each piece.
    """
    points: set[int] = {0}
    for c in conds:
        for v in _version_constants(c):
            points.update((v, v + 1))
    for s in symbols:
        if s in guards and (since := _guard_since(guards[s])) is not None:
            points.update((since, since + 1))
    cuts = sorted(p for p in points if p <= pr.MAX_CODE)
    per_branch: list[list[KernelRange]] = [[] for _ in conds]
    for k, start in enumerate(cuts):
        end = cuts[k + 1] if k + 1 < len(cuts) else None
        status = _taken(conds, _env_at(start, start, symbols, guards, mainline=mainline))
        for b, st in enumerate(status):
            if st == "no":
                continue
            ranges = per_branch[b]
            if ranges and ranges[-1].end == start and ranges[-1].taken == st:
                ranges[-1].end = end
            else:
                ranges.append(KernelRange(start, end, st))
    return per_branch


# ---------------------------------------------------------------------------
# The audit


def _candidate(symbols: list[str], g: _Group) -> bool:
    """Cheap pre-test: could *g* be a spot? (Saves parsing files with CONFIG_ blocks only.)"""
    syms = set(symbols)
    if syms & VENDOR_SYMBOLS or pr.VERSION_SYMBOL in syms or pr.VERSION_MACRO in syms:
        return True
    if any(s.startswith((KB_GUARD_PREFIX, "HAVE_")) for s in syms):
        return True
    first, cond = g.branches[0]
    return first.keyword == "ifndef" or (first.keyword == "if" and
                                         cond.replace(" ", "").startswith("!defined"))


def _classify(symbols: list[str], g: _Group) -> tuple[str, str] | None:
    """(kind, note) of a group, or None when it is no compat spot (CONFIG_, header guards, ...)."""
    syms = set(symbols)
    if any(s.startswith(KB_GUARD_PREFIX) for s in syms):
        return "kbridge_guard", ""
    if pr.VERSION_SYMBOL in syms or pr.VERSION_MACRO in syms:
        vend = sorted(syms & VENDOR_SYMBOLS)
        return "version", ("also tests " + ", ".join(vend)) if vend else ""
    if syms & VENDOR_SYMBOLS:
        return "vendor", ""
    if any(s.startswith("HAVE_") for s in syms):
        return "feature_macro", ""
    first, cond = g.branches[0]
    if first.keyword == "ifndef" or (first.keyword == "if" and cond.replace(" ", "").startswith("!defined")):
        name = symbols[0] if symbols else ""
        # a fallback #define of the name, or (lower-case, so no header guard or
        # config symbol) a fallback function of that name
        if name and (name in g.defined_in_first
                     or (name in g.used_in_first and not name.isupper())):
            return "compat_define", ""
    return None


def audit_text(text: str, name: str, *, env: pr.Env | None = None,
               guards: dict[str, object] | None = None) -> tuple[list[Spot], int]:
    """The spots of one file's text, and the number of conditional groups in it."""
    guards = _rule_guards() if guards is None else guards
    dirs = directives(text)
    groups = _groups(dirs, name)
    # kb_ functions are kbridge's wrappers only in code that uses kbridge (pktcdvd.c has its
    # own kb_read_show(), for kilobytes)
    wrappers = _mentions_wrapper(text) and (KB_GUARD_PREFIX in text or "kbridge" in text)
    if not groups and not wrappers:
        return [], 0
    data = text.encode("utf-8", "surrogateescape")
    # Rows of conditional directives: their identifiers are conditions, not API.
    cond_rows = {r for d in dirs if d.keyword in _CONDITIONALS
                 for r in range(d.line - 1, d.end_line)}
    ids_cache: list[list[tuple[int, str]]] = []

    def ids() -> list[tuple[int, str]]:
        # parsed only for files with a candidate spot: most #if groups are CONFIG_ ones
        if not ids_cache:
            ids_cache.append(sorted((r, s) for r, s in _identifier_rows(data) if r not in cond_rows))
            ids_cache.append([r for r, _ in ids_cache[0]])      # rows, for bisect
        return ids_cache[0]
    defines = [(d.line, name) for d in dirs if d.keyword == "define"
               for name, body in [_define_parts(d.rest)] if body and not _guard_like(name)]
    # An include guard: the file's first directive is #ifndef X, #define X follows, and
    # its #endif is the file's last directive.
    conds = [d for d in dirs if d.keyword in _CONDITIONALS]
    guard_group = None
    if groups and conds and groups[0].end is conds[-1] and groups[0].branches[0][0] is conds[0]:
        gname = groups[0].branches[0][0].rest.split(" ")[0]
        if any(d.keyword == "define" and _define_parts(d.rest)[0] == gname for d in dirs):
            guard_group = groups[0]

    spots: list[Spot] = []
    spot_of: dict[int, Spot] = {}
    for g in groups:
        first = g.branches[0][0]
        end = g.end.line if g.end else first.line
        bounds = [d.line for d, _ in g.branches] + [end]
        symbols: list[str] = []
        for _, c in g.branches:
            for s in expr_identifiers(c):
                if s != "defined" and s not in symbols:
                    symbols.append(s)
        g.defined_in_first = {n for ln, n in defines if bounds[0] < ln < bounds[1]}
        if g is guard_group and first.keyword == "ifndef":
            continue
        if not _candidate(symbols, g):
            continue
        branch_ids: list[list[str]] = []
        for k in range(len(g.branches)):
            lo, hi = bounds[k], bounds[k + 1]
            seen: dict[str, None] = {}
            found = ids()
            rows = ids_cache[1]
            # rows are 0-based, directive lines 1-based: the body is rows lo .. hi - 2
            for k2 in range(bisect.bisect_left(rows, lo), bisect.bisect_left(rows, hi - 1)):
                seen.setdefault(found[k2][1])
            branch_ids.append(list(seen))
        g.used_in_first = set(branch_ids[0])
        kind_note = _classify(symbols, g)
        if kind_note is None:
            continue
        kind, note = kind_note
        rule = None
        if kind == "kbridge_guard":
            known = [guards[s] for s in symbols if s in guards]
            api = sorted({a for r in known for a in getattr(r, "api", ())})
            rule = ",".join(getattr(r, "id", "") for r in known) or None
            exports = [s.removeprefix(EXPORT_GUARD_PREFIX) for s in symbols
                       if s.startswith(EXPORT_GUARD_PREFIX)]
            if not known and exports:
                # a compat object's copy (kbridge bridge, either strategy): defined where the
                # kernel's Module.symvers has the export, asked at build time (no release)
                note = ("compat object: kb_" + ", kb_".join(exports) + " copied from the driver's "
                        "kernel where the kernel does not export it (Module.symvers, at build time)")
                api = exports
            elif not known:
                note = "guard not in the rule library"
                api = _differing(branch_ids)
            else:
                api += [e for e in exports if e not in api]
        elif kind == "compat_define":
            api = [symbols[0]]
        else:
            api = _differing(branch_ids)
        conds_list = [c for _, c in g.branches]
        if len(g.branches) == 1 or g.branches[-1][0].keyword != "else":
            conds_list_full = conds_list + [""]       # the implicit "otherwise": nothing
        else:
            conds_list_full = conds_list
        branches = [Branch(d.line, "#" + d.keyword, c if d.keyword != "ifdef" and d.keyword != "ifndef"
                           else d.rest.split(" ")[0], identifiers=branch_ids[k])
                    for k, (d, c) in enumerate(g.branches)]
        sym_set = set(symbols)
        versioned = (pr.VERSION_SYMBOL in sym_set or pr.VERSION_MACRO in sym_set
                     or any(s in guards and _guard_since(guards[s]) is not None for s in sym_set))
        if versioned or kind == "vendor":
            for b, r in zip(branches, _kernel_ranges(conds_list_full, sym_set, guards)):
                b.kernels = r
        if env is not None:
            lo, hi = env.values[pr.VERSION_SYMBOL]
            # Dead: no kernel of the range takes it, vendor kernels included (their
            # macros stay unknown). Pruned: what prune decides, one directive at a
            # time over the whole range; it keeps directives continued over lines.
            if versioned:
                pieces = _kernel_ranges(conds_list_full, sym_set, guards, mainline=False)
                for b, r in zip(branches, pieces):
                    b.dead = not any(k.start <= hi and (k.end is None or k.end > lo) for k in r)
            else:
                for b in branches:
                    b.dead = False
            status = _taken(conds_list_full, _env_at(lo, hi, sym_set, guards, mainline=False))
            multi = False
            for (d, _), b, st in zip(g.branches, branches, status):
                multi = multi or d.end_line > d.line
                b.pruned = st == "no" and not multi
        spot = Spot(name, first.line, end, kind, api[:MAX_API], symbols, branches, rule, note)
        # The nearest enclosing group that is a spot; a branch inside a dead branch is dead.
        p, pb = g.parent, g.parent_branch
        while p is not None and id(p) not in spot_of:
            p, pb = p.parent, p.parent_branch
        if p is not None:
            ps = spot_of[id(p)]
            spot.parent = ps.line
            if env is not None and ps.branches[pb].dead:
                for b in branches:
                    b.dead = True
            if env is not None and ps.branches[pb].pruned:
                for b in branches:
                    b.pruned = True
        spot_of[id(g)] = spot
        spots.append(spot)
    for first_line, last_line, fname, calls in (_wrappers(data) if wrappers else []):
        spots.append(Spot(name, first_line, last_line, "wrapper", calls[:MAX_API], [fname],
                          note=f"compat wrapper {fname}()"))
    spots.sort(key=lambda s: (s.line, s.kind))
    return spots, len(groups)


def _differing(branch_ids: list[list[str]]) -> list[str]:
    """Identifiers used in some branches but not all (all of them for a lone branch)."""
    if len(branch_ids) == 1:
        return list(branch_ids[0])
    common = set(branch_ids[0]).intersection(*map(set, branch_ids[1:]))
    out: list[str] = []
    for ids in branch_ids:
        for s in ids:
            if s not in common and s not in out:
                out.append(s)
    return out


def source_files(path: Path) -> list[Path]:
    """The .c/.h files of *path* (a file or a directory), sorted; bad input raises."""
    if not path.exists():
        raise KbridgeError(f"{path}: no such file or directory")
    if path.is_file():
        if path.suffix not in pr.C_SUFFIXES:
            raise KbridgeError(f"{path}: not a C source or header (.c/.h)")
        return [path]
    files = sorted(p for p in path.rglob("*") if p.suffix in pr.C_SUFFIXES and p.is_file())
    if not files:
        raise KbridgeError(f"{path}: no .c or .h files under it")
    return files


def audit(path: Path, *, min_kernel: str | None = None, max_kernel: str | None = None,
          files: Iterable[Path] | None = None) -> Audit:
    """All compat spots of a file or a tree (see the module docstring)."""
    path = Path(path)
    todo = list(files) if files is not None else source_files(path)
    env = pr.make_env(min_kernel=min_kernel, max_kernel=max_kernel, use_rules=False) \
        if min_kernel is not None else None
    if env is None and max_kernel is not None:
        raise KbridgeError("--max-kernel needs --min-kernel")
    guards = _rule_guards()
    spots: list[Spot] = []
    groups = 0
    root = path if path.is_dir() else path.parent
    for f in todo:
        rel = f.relative_to(root).as_posix() if f.is_relative_to(root) else str(f)
        text = f.read_bytes().decode("utf-8", "surrogateescape")
        s, n = audit_text(text, rel, env=env, guards=guards)
        spots.extend(s)
        groups += n
    spots.sort(key=lambda s: (s.file, s.line, s.kind))
    return Audit(path, len(todo), spots, min_kernel, max_kernel, groups)
