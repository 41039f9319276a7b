"""A header that moved, split or was renamed, decided by declarations (issue 17 item 1, class a).

A header the driver includes that a target lacks is a *move* when the
declarations the driver reached through it at home are declared on the
target, with the same declarations, in other headers. The file's text says
little: 6.1's <asm/unaligned.h> is one line (``#include
<asm-generic/unaligned.h>``), 6.12 has neither file, yet every declaration
6.1 reaches through it is in 6.12's <linux/unaligned.h>. So the decision
reads the include closure, on both kernels, through the index (which knows
the file of each declaration):

* the *moved part* of header H: H's own file and, recursively, every header
  it includes that the target lacks too (6.1's asm/unaligned.h ->
  asm-generic/unaligned.h); a header it includes that the target has is
  *kept*: the wrapper includes it by its path, as H did;
* the names to bridge: what the driver uses of the moved part's
  declarations; each must be declared on the target with the same
  declaration (:func:`kbridge.actions.bridge.draft._same`: prototype, arity,
  value, typedef; a struct must be defined), else the move is refused with
  the name and the difference. A name whose difference a rule of the bridge
  covers (*ruled*: the driver's finding on that name maps to a shim the
  bridge applies) is the rule's job, not the header's: it does not refuse;
* the target headers: first the kept ones; then, for what they do not reach,
  the target headers whose include closure holds a declaring file, searched
  upward from the declaring files through the target's reverse include graph
  and chosen greedily -- most names covered on the most targets, then most of
  the moved part's whole API (so 5.10's <asm/unaligned.h>, which holds all of
  7.3's <linux/unaligned.h>, beats <linux/unaligned/le_struct.h>, one of two
  files declaring get_unaligned_le32 there that collide when both are
  included), then the smallest closure, then the header most others include
  (a public header, not the internal part of it that declares the name: the
  over-approximated include graph gives <linux/atomic.h> and
  <linux/atomic/atomic-instrumented.h> one closure), then the path. A header reached
  from another chosen one is dropped. One choice serves every target lacking
  H (one wrapper); a header some of them lack is included under
  ``__has_include``. The draft compile check (draft.py) then compiles the
  wrapper on each target.

A header the target has is never drafted: its own is what the driver gets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_LEVELS = 4          # upward steps from a declaring file
MAX_CANDIDATES = 400    # headers whose closure is read, per target


@dataclass
class Move:
    """How header *path* of home is reached on the targets it moved on."""

    path: str
    includes: list[str]                                  # target headers, in wrapper order
    guarded: set[str] = field(default_factory=set)       # included only where present
    names: set[str] = field(default_factory=set)         # the driver's names of the moved part
    moved: list[str] = field(default_factory=list)       # home headers of the moved part
    api: set[str] = field(default_factory=set)           # every declaration of the moved part
    targets: list[str] = field(default_factory=list)

    def body(self) -> str:
        out = []
        for h in self.includes:
            if h in self.guarded:
                out.append(f"#if __has_include(<{h}>)\n#include <{h}>\n#endif")
            else:
                out.append(f"#include <{h}>")
        return "\n".join(out)


def includes_of(api: Any, h: str) -> list[str]:
    """The headers ``#include <h>`` names directly (the adapter's cached include graph)."""
    api.reachable([h])
    return list(api._load_graph().get(h, ()))


_GUARD = re.compile(r"_H(_|__)?$|_H_|^_+[A-Z0-9_]*_H\b")


def _file_decls(api: Any, file: str) -> dict[str, str]:
    """name -> kind of the declarations of one indexed file, inactive ones and include
    guards (an object-like macro without a body named ..._H) aside."""
    db = api.index.db
    out: dict[str, str] = {}
    for name, params, body, active in db.execute(
            "SELECT name, params, body, active FROM macros WHERE file=?", (file,)):
        if active == 0:
            continue
        if params is None and not (body or "").strip() and _GUARD.search(name):
            continue
        out.setdefault(name, "macro")
    for table, kind in (("functions", "function"), ("typedefs", "typedef"),
                        ("enum_constants", "constant")):
        for name, active in db.execute(f"SELECT name, active FROM {table} WHERE file=?", (file,)):
            if active != 0:
                out.setdefault(name, kind)
    for name, kind, active in db.execute(
            "SELECT name, kind, active FROM structs WHERE file=? AND name IS NOT NULL AND name != ''",
            (file,)):
        if active != 0:
            out.setdefault(name, kind)
    return out


def moved_part(a: Any, t: Any, path: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(header, file) of home's *path* and of every header it includes, recursively, that
    target *t* lacks; and the headers of that part that *t* has (kept), in include order.
    An include neither kernel has (another arch's, under a condition) is skipped."""
    moved: list[tuple[str, str]] = []
    kept: list[str] = []
    seen: set[str] = set()
    todo = [path]
    while todo:
        h = todo.pop(0)
        if h in seen:
            continue
        seen.add(h)
        f = a._file_of(h)
        if f is None:
            continue
        if any(f == mf for _, mf in moved):
            continue
        moved.append((h, f))
        for inc in includes_of(a, h):
            if inc in seen:
                continue
            if t.has_header(inc):
                if inc not in kept:
                    kept.append(inc)
            elif a._file_of(inc) is not None:
                todo.append(inc)
    return moved, kept


def _struct_defined(api: Any, kind: str, name: str) -> bool:
    return api.members(f"{kind} {name}") is not None or any(
        s.active is not False for s in api.index.structs(name) if s.kind == kind)


def _where(t: Any, name: str, kind: str) -> set[str]:
    """Files of target *t* declaring *name* (a struct/union: defining it)."""
    if kind in ("struct", "union"):
        found = [s for s in t.index.structs(name) if s.kind == kind and s.active is not False]
        return {s.file for s in found if s.members} or {s.file for s in found}
    return set(t.declared_in(name))


def _differs(a: Any, t: Any, name: str, kind: str) -> str | None:
    """Why *name* (a declaration of home *a*) is not the same on target *t*, or None."""
    from kbridge.actions.bridge.draft import _declared, _same
    if kind in ("struct", "union"):
        if not _struct_defined(t, kind, name):
            return f"{kind} {name} is not defined on {t.name}"
        return None          # a layout: check's member findings, each on its own
    if _declared(t, name) is None:
        return f"'{name}' is not declared on {t.name}"
    return _same(a, t, name)


class _Rev:
    """The reverse include graph of one target: file -> header paths including it."""

    def __init__(self, t: Any):
        self.t = t
        paths = [r[0] for r in t.index.db.execute("SELECT DISTINCT path FROM headers ORDER BY path")]
        t.reachable(paths)
        self.graph = t._load_graph()
        self._file: dict[str, str | None] = {}
        self._clos: dict[str, frozenset[str]] = {}
        self.rev: dict[str, set[str]] = {}
        self.path_of: dict[str, list[str]] = {}
        for p in paths:
            f = self.file_of(p)
            if f is not None:
                self.path_of.setdefault(f, []).append(p)
            for inc in self.graph.get(p, ()):
                g = self.file_of(inc)
                if g is not None:
                    self.rev.setdefault(g, set()).add(p)
        # how many declarations each file holds (the size of what including it brings in)
        self.decls: dict[str, int] = {}
        for table in ("macros", "functions", "typedefs", "enum_constants", "structs"):
            for f, n in t.index.db.execute(f"SELECT file, COUNT(*) FROM {table} GROUP BY file"):
                self.decls[f] = self.decls.get(f, 0) + n
        t.save()

    def file_of(self, h: str) -> str | None:
        if h not in self._file:
            self._file[h] = self.t._file_of(h)
        return self._file[h]

    def closure(self, h: str) -> frozenset[str]:
        """The files ``#include <h>`` reaches: IndexApi.reachable (the one include walk),
        memoized per header here."""
        if h not in self._clos:
            self._clos[h] = frozenset(self.t.reachable([h]) or ())
        return self._clos[h]

    def closure_of(self, hs: list[str]) -> frozenset[str]:
        out: set[str] = set()
        for h in hs:
            out |= self.closure(h)
        return frozenset(out)

    def upward(self, files: set[str]) -> list[str]:
        """Header paths of *files* and of the headers including them, nearest first."""
        out: list[str] = []
        seen: set[str] = set()
        frontier = sorted(files)
        for _ in range(MAX_LEVELS):
            nxt: set[str] = set()
            for f in frontier:
                for p in self.path_of.get(f, ()):
                    if p not in seen:
                        seen.add(p)
                        out.append(p)
                for p in sorted(self.rev.get(f, ())):
                    g = self.file_of(p)
                    if g is not None:
                        nxt.add(g)
            frontier = sorted(nxt)
            if not frontier or len(out) >= MAX_CANDIDATES:
                break
        return out[:MAX_CANDIDATES]


_REV: dict[int, _Rev] = {}


def _rev(t: Any) -> _Rev:
    key = id(t)
    r = _REV.get(key)
    if r is None or r.t is not t:
        r = _REV[key] = _Rev(t)
    return r


def header_move(a: Any, ts: list[Any], path: str, used: set[str] | None = None,
                ruled: dict[str, set[str]] | None = None,
                context: list[str] | None = None) -> tuple[Move | None, dict[str, str]]:
    """The wrapper for home header *path* on the targets *ts* (IndexApis lacking it):
    (the move, or None when no target takes it; target name -> why not, for the rest).

    *used*: the names the driver uses (None: every declaration of the moved part, to
    survey a kernel pair); *ruled*: target name -> names whose difference a rule of the
    bridge covers there; *context*: every header the driver's files include (what the
    wrapper is compiled beside: a header defining again a name one of them already
    defines, from another file, is never chosen -- 5.10's le_byteshift.h beside the
    access_ok.h that <linux/etherdevice.h> brings in: redefinition of get_unaligned_le16)."""
    refused: dict[str, str] = {}
    hd = a.index.header(path)
    if hd is None:
        return None, {t.name: f"<{path}> is not a header of {a.name}" for t in ts}
    ok: list[Any] = []
    per: dict[str, tuple[list[str], dict[str, set[str]]]] = {}
    move = Move(path, [])
    for t in ts:
        if t.has_header(path):
            refused[t.name] = f"{t.name} has its own <{path}>: never drafted over the kernel's header"
            continue
        moved, kept = moved_part(a, t, path)
        api: dict[str, str] = {}
        for _, f in moved:
            for n, k in _file_decls(a, f).items():
                api.setdefault(n, k)
        need = sorted(n for n in api if used is None or n in used)
        why = None
        where: dict[str, set[str]] = {}
        for n in need:
            d = _differs(a, t, n, api[n])
            if d is not None:
                if n in (ruled or {}).get(t.name, set()):
                    # a rule of the bridge bridges that name's change; the wrapper still
                    # reaches the target's declaration, where there is one
                    w = _where(t, n, api[n])
                    if w:
                        where[n] = w
                    continue
                src = next((h for h, f in moved if n in _file_decls(a, f)), path)
                why = (f"<{path}> moved on {t.name}, but not every declaration the driver uses from it "
                       f"(<{src}> of {a.name}) did: {d}")
                break
            where[n] = _where(t, n, api[n])
        if why is not None:
            refused[t.name] = why
            continue
        ok.append(t)
        per[t.name] = (kept, where)
        move.moved = [h for h, _ in moved]
        move.api |= set(api)
        move.names |= set(where)
    if not ok:
        return None, refused
    # kept includes first, in home's order (a target lacking one includes it where present)
    kept_all: list[str] = []
    for t in ok:
        for h in per[t.name][0]:
            if h not in kept_all:
                kept_all.append(h)
    chosen: list[str] = []
    rest: dict[str, set[str]] = {}
    for t in ok:
        reach = t.reachable([h for h in kept_all if t.has_header(h)]) or set()
        rest[t.name] = {n for n, fs in per[t.name][1].items() if not fs & reach}
    if any(rest.values()):
        base = {t.name: _rev(t).closure_of([h for h in (context or []) if h != path and t.has_header(h)])
                for t in ok}
        chosen = _choose(ok, per, rest, move.api, a, base)
        left = [t.name for t in ok if rest[t.name]]
        for tn in left:
            refused[tn] = (f"<{path}> moved on {tn}, but no header there reaches "
                           f"{', '.join(sorted(rest[tn])[:3])}")
        ok = [t for t in ok if t.name not in left]
        if not ok:
            return None, refused
    incs = _prune(ok, [*kept_all, *chosen])
    move.includes = incs
    move.guarded = {h for h in incs if not all(t.has_header(h) for t in ok)}
    move.targets = [t.name for t in ok]
    return move, refused


def _choose(ok: list[Any], per: dict[str, tuple[list[str], dict[str, set[str]]]],
            rest: dict[str, set[str]], api: set[str], a: Any,
            base: dict[str, frozenset[str]] | None = None) -> list[str]:
    """Greedy: the target headers covering *rest* (target -> names, emptied in place),
    none of them defining again, from another file, a name *base* (target -> files the
    driver's other includes reach) defines."""
    cands: list[str] = []
    for t in ok:
        files: set[str] = set()
        for n in rest[t.name]:
            files |= per[t.name][1][n]
        for p in _rev(t).upward(files):
            if p not in cands:
                cands.append(p)
    # what each candidate covers on each target: names to bridge, and the whole moved API
    api_where: dict[str, dict[str, set[str]]] = {}
    for t in ok:
        api_where[t.name] = {n: set(t.declared_in(n)) or {
            s.file for s in t.index.structs(n) if s.active is not False} for n in sorted(api)}
    # per target, the files of a second definition of a name the driver's includes define
    others: dict[str, set[str]] = {}
    for t in ok:
        b = (base or {}).get(t.name, frozenset())
        out: set[str] = set()
        names = set(api_where[t.name]) | set(per[t.name][1])
        for n in sorted(names):
            fs = api_where[t.name].get(n) or per[t.name][1].get(n) or set()
            f = t.function(n)
            if not fs & b or (f is not None and not f.inline and t.macro(n) is None):
                continue            # not defined by the driver's includes, or a prototype
            out |= fs - b
        others[t.name] = out
    cover: dict[str, tuple[dict[str, set[str]], float, int, int]] = {}
    for c in cands:
        need_c: dict[str, set[str]] = {}
        like = 0.0
        size = 0
        indeg = 0
        clash = False
        for t in ok:
            if not t.has_header(c):
                continue
            r = _rev(t)
            clos = r.closure(c)
            if clos & others[t.name]:
                clash = True
                break
            size += len(clos)
            indeg += len(r.rev.get(r.file_of(c) or "", ()))
            need_c[t.name] = {n for n, fs in per[t.name][1].items() if fs & clos}
            # how alike the candidate is to the moved part: the share of the declarations
            # the two hold together that both hold (Jaccard, the closure's declarations
            # counted per file, those the driver's includes bring in anyway aside): a
            # header holding the moved API and adding little else
            n_api = sum(1 for fs in api_where[t.name].values() if fs & clos)
            b = (base or {}).get(t.name, frozenset())
            total = sum(r.decls.get(f, 0) for f in clos - b)
            like += n_api / max(1, len(api) + total - n_api)
        if clash:
            continue
        cover[c] = (need_c, like, size, indeg)
    chosen: list[str] = []
    while any(rest.values()):
        best = None
        for c in cands:
            if c in chosen or c not in cover:
                continue
            need_c, like, size, indeg = cover[c]
            gain = sum(len(need_c.get(tn, set()) & r) for tn, r in rest.items())
            if gain == 0:
                continue
            key = (-gain, -round(like, 9), size, -indeg, c)
            if best is None or key < best[0]:
                best = (key, c)
        if best is None:
            break
        c = best[1]
        chosen.append(c)
        for tn in rest:
            rest[tn] -= cover[c][0].get(tn, set())
    return chosen


def _prune(ok: list[Any], incs: list[str]) -> list[str]:
    """Drop a header that, on every target having it, another header of the list reaches."""
    out = list(dict.fromkeys(incs))
    changed = True
    while changed:
        changed = False
        for h in list(out):
            others = [x for x in out if x != h]
            have = [t for t in ok if t.has_header(h)]
            if not have:
                out.remove(h)
                changed = True
                continue
            if all(t.index.header(h) is not None and t._file_of(h) in (
                    t.reachable([x for x in others if t.has_header(x)]) or set()) for t in have):
                out.remove(h)
                changed = True
                break
    return out
