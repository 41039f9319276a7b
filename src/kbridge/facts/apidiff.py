"""What changed in the module-visible API between two kernel trees (two indexes).

Each name is compared through one *representative* declaration per side: the
one :mod:`kbridge.facts.index` ranks first (active under the tree's .config,
then unknown, then inactive; then by file and line). What counts as a change:

* function -- return type, parameter types (not names) or variadic-ness differ.
  A prototype change is one "changed" entry, never removed + added. A name that
  is a function on one side and only a function-like macro on the other (or
  the reverse) is also one "changed" entry of kind "function".
* macro -- object-like vs function-like, parameter count or variadic-ness
  (``blk_mq_alloc_disk(set, queuedata)`` -> ``(set, lim, queuedata)``). Body
  changes are not reported: kernel macro bodies churn in every release without
  touching callers, and reporting them would bury the changes that break builds.
* member ("struct.member", only for structs present on both sides) -- type or
  bitfield width. struct -- added/removed, or struct <-> union.
* enum / enum_constant -- added/removed (values are not compared: renumbering
  does not break source compatibility). typedef -- the aliased type.
* header -- a path ``#include <...>`` finds on one side only.
* export -- EXPORT_SYMBOL* presence, and "changed" for EXPORT_SYMBOL <->
  EXPORT_SYMBOL_GPL or a namespace change (both matter to a module's
  licence/imports). Compared only when both trees have export information.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kbridge.errors import KbridgeError
from kbridge.facts.index import KINDS, ApiIndex


@dataclass(frozen=True)
class Change:
    change: str            # "added" | "removed" | "changed"
    kind: str              # one of index.KINDS
    name: str              # "struct.member" for members
    a: str | None          # the declaration in tree A (prototype, #define, member type ...)
    b: str | None
    file_a: str | None     # "include/linux/blkdev.h:1045" (relative to the tree's source root)
    file_b: str | None
    header: str | None = None  # the include path of the declaring header: the report's grouping

    def to_json(self) -> dict[str, Any]:
        return {"change": self.change, "kind": self.kind, "name": self.name, "a": self.a, "b": self.b,
                "file_a": self.file_a, "file_b": self.file_b}


def _connect(a: ApiIndex, b: ApiIndex) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", uri=True)
    for alias, idx in (("a", a), ("b", b)):
        db.execute(f"ATTACH DATABASE ? AS {alias}", (f"file:{idx.path}?mode=ro&immutable=1",))
    return db


# loc: "file:line" (just the file for a header); header: the include path, the report's group
_ONE_SIDE = """SELECT x.kind, x.name, x.shown, xf.path || coalesce(':' || x.line, ''), xf.header
    FROM {x}.api x LEFT JOIN {x}.files xf ON xf.id = x.file
    WHERE x.kind IN ({kinds}) AND NOT EXISTS
    (SELECT 1 FROM {y}.api y WHERE y.kind = x.kind AND y.name = x.name)"""
_BOTH = """SELECT a.kind, a.name, a.shown, b.shown, af.path || coalesce(':' || a.line, ''),
    bf.path || coalesce(':' || b.line, ''), bf.header
    FROM a.api a JOIN b.api b ON b.kind = a.kind AND b.name = a.name
    LEFT JOIN a.files af ON af.id = a.file LEFT JOIN b.files bf ON bf.id = b.file
    WHERE a.kind IN ({kinds}) AND a.sig IS NOT b.sig"""


def diff(a: ApiIndex, b: ApiIndex, kinds: Iterable[str] | None = None,
         grep: str | None = None) -> list[Change]:
    """Every change from tree *a* to tree *b*, sorted by kind (index.KINDS order) then name.

    Runs as SQL joins over the two indexes' ``api`` tables (one representative
    declaration per kind and name, chosen when each index was built).
    """
    want = set(kinds) if kinds else set(KINDS)
    bad = want - set(KINDS)
    if bad:
        raise KbridgeError(f"unknown kind {sorted(bad)[0]!r}; choose from {', '.join(KINDS)}")
    pattern = None
    if grep:
        try:
            pattern = re.compile(grep)
        except re.error as exc:
            raise KbridgeError(f"--grep {grep!r} is not a valid regular expression ({exc}); "
                               "escape special characters or use a plain name") from None
    query = set(want)
    if "function" in want or "macro" in want:
        query |= {"function", "macro"}     # needed to pair function <-> macro moves
    if not (a.exports_source and b.exports_source):
        query.discard("export")
    kinds_sql = ", ".join(f"'{k}'" for k in sorted(query))
    db = _connect(a, b)
    try:
        added = db.execute(_ONE_SIDE.format(x="b", y="a", kinds=kinds_sql)).fetchall()
        removed = db.execute(_ONE_SIDE.format(x="a", y="b", kinds=kinds_sql)).fetchall()
        changed = db.execute(_BOTH.format(kinds=kinds_sql)).fetchall()
        structs_both: set[str] = set()
        if "member" in want:
            structs_both = {n for (n,) in db.execute(
                "SELECT a.name FROM a.api a JOIN b.api b ON b.kind = 'struct' AND b.name = a.name "
                "WHERE a.kind = 'struct'")}
        fn_like_a: dict[str, tuple[str, str, str | None]] = {}
        fn_like_b: dict[str, tuple[str, str, str | None]] = {}
        if "function" in want:
            names_removed = [r[1] for r in removed if r[0] == "function"]
            names_added = [r[1] for r in added if r[0] == "function"]
            fn_like_b = _function_like_macros(db, "b", names_removed)
            fn_like_a = _function_like_macros(db, "a", names_added)
    finally:
        db.close()

    out: list[Change] = []
    moved: set[str] = set()
    for kind, name, shown, loc, header in removed:
        if kind == "function" and name in fn_like_b and name not in fn_like_a:
            m_shown, m_loc, m_header = fn_like_b[name]
            out.append(Change("changed", "function", name, shown, m_shown, loc, m_loc, m_header))
            moved.add(name)
        else:
            out.append(Change("removed", kind, name, shown, None, loc, None, header))
    for kind, name, shown, loc, header in added:
        if kind == "function" and name in fn_like_a and name not in fn_like_b:
            m_shown, m_loc, _h = fn_like_a[name]
            out.append(Change("changed", "function", name, m_shown, shown, m_loc, loc, header))
            moved.add(name)
        else:
            out.append(Change("added", kind, name, None, shown, None, loc, header))
    for kind, name, sa, sb, la, lb, header in changed:
        out.append(Change("changed", kind, name, sa, sb, la, lb, header))

    order = {k: i for i, k in enumerate(KINDS)}
    result = []
    for c in out:
        if c.kind not in want:
            continue
        if c.kind == "macro" and c.name in moved:
            continue
        if c.kind == "member" and c.name.partition(".")[0] not in structs_both:
            continue   # the whole struct was added or removed: reported once, as a struct
        if c.kind == "export":
            c = Change(c.change, c.kind, c.name, c.a, c.b, None, None, "(exports)")
        if pattern is not None and not pattern.search(c.name):
            continue
        result.append(c)
    result.sort(key=lambda c: (order[c.kind], c.name, c.change))
    return result


def _function_like_macros(db: sqlite3.Connection, side: str,
                          names: list[str]) -> dict[str, tuple[str, str, str | None]]:
    """Those of *names* that are function-like macros on *side*: name -> (shown, loc, header)."""
    if not names:
        return {}
    db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted(name TEXT PRIMARY KEY)")
    db.execute("DELETE FROM wanted")
    db.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", [(n,) for n in names])
    rows = db.execute(f"SELECT m.name, m.shown, f.path || ':' || m.line, f.header FROM {side}.api m "
                      f"JOIN wanted w ON w.name = m.name LEFT JOIN {side}.files f ON f.id = m.file "
                      "WHERE m.kind = 'macro' AND m.sig != 'obj'")
    return {n: (sh, loc, h) for n, sh, loc, h in rows}


def summary(changes: list[Change]) -> dict[str, dict[str, int]]:
    """{kind: {"added": n, "removed": n, "changed": n}} over *changes*."""
    out: dict[str, dict[str, int]] = {}
    for c in changes:
        d = out.setdefault(c.kind, {"added": 0, "removed": 0, "changed": 0})
        d[c.change] += 1
    return out


def subsystem(header: str | None) -> str:
    """Grouping key of a header path for the readable report: "linux/blkdev.h" -> "linux/blkdev.h"."""
    return header or "(unknown)"
