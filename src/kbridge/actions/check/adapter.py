"""The index adapter: one kernel's API, as check asks for it, from its SQLite index.

:class:`IndexApi` answers the :class:`~kbridge.actions.check.checker.KernelApi`
questions from an :class:`~kbridge.facts.index.ApiIndex` and keeps a JSON
cache of the tree's include graph. Opening one fingerprints every header of
the tree (the bulk of a warm check), so :data:`APIS` keeps each opened one
for the process: the one cache object of this package.
"""

from __future__ import annotations

import re

from collections.abc import Iterable
from typing import Any

from kbridge.actions.check.checker import Func, Macro
from kbridge.actions.check.types import TypeCanon


def _include_lines(data: bytes, name: str = "") -> list[str]:
    """``#include <x>`` and ``#include "x"`` directives of header *name*: a
    preprocessor-line lexer (directives are whole lines by definition; no C parsing
    is needed to read them). A quoted include is looked up beside the including
    header first, as the preprocessor does (6.12's <trace/trace_events.h> reaches
    "stages/stage6_event_callback.h", where ``__entry`` is defined, only so), then
    on the include path."""
    out = []
    here = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
    for line in data.split(b"\n"):
        s = line.lstrip()
        if not s.startswith(b"#"):
            continue
        s = s[1:].lstrip()
        if not s.startswith(b"include"):
            continue
        s = s[7:].lstrip()
        if s[:1] == b"<" and b">" in s:
            out.append(s[1:s.index(b">")].decode("utf-8", "replace").strip())
        elif s[:1] == b'"' and b'"' in s[1:]:
            inc = s[1:s.index(b'"', 1)].decode("utf-8", "replace").strip()
            out.append(_normalise(here + inc))
            out.append(inc)
    return out


def _normalise(path: str) -> str:
    """a/b/../c -> a/c (a quoted include beside its header may climb out of its directory)."""
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p not in ("", "."):
            parts.append(p)
    return "/".join(parts)


class IndexApi:
    """KernelApi over kbridge.facts.index.ApiIndex: declarations that are inactive under
    the tree's .config (``active is False``) count as absent, as they do for gcc."""

    def __init__(self, index: Any, name: str, cache_file: Any = None):
        self.index = index
        self.name = name
        self._fn: dict[str, Func | None] = {}
        self._mac: dict[str, Macro | None] = {}
        self._mem: dict[str, dict[str, str] | None] = {}
        self._td: dict[str, str | None] = {}
        self._val: dict[str, str | None] = {}
        self._where: dict[str, set[str]] = {}
        self._graph: dict[str, list[str]] | None = None
        self._graph_dirty = False
        self._cache_file = cache_file
        self.canon = TypeCanon(self.typedef)
        try:
            from kbridge.facts.index import source_roots
            self._roots = source_roots(index.tree) if index.tree is not None else None
        except Exception:   # a bare path index without a tree: reachability is skipped
            self._roots = None

    @staticmethod
    def _live(items: list[Any]) -> list[Any]:
        return [x for x in items if getattr(x, "active", None) is not False]

    def function(self, name: str) -> Func | None:
        if name not in self._fn:
            found = self._live(self.index.functions(name))
            f = found[0] if found else None
            self._fn[name] = None if f is None else Func(
                f.name, f.return_type, tuple(p.type for p in f.params), f.variadic, f.inline,
                f"{f.prototype} ({f.file}:{f.line})", f.file)
        return self._fn[name]

    def macro(self, name: str) -> Macro | None:
        if name not in self._mac:
            found = self._live(self.index.macros(name))
            m = found[0] if found else None
            n, variadic = (None, False) if m is None else (m.arity, m.variadic)
            if m is not None and n and not variadic and m.params \
                    and re.search(r"##\s*" + re.escape(m.params[-1]) + r"\b", m.body):
                # a GNU named variadic parameter (`format, arg...`), which the parser
                # reads as a plain one (tree-sitter-c has no rule for `arg...`): the body
                # pastes it after a comma (`, ## arg`), so gcc accepts a call that passes
                # nothing for it -- x86's WARN_ONCE(cond, format, arg...) called as
                # WARN_ONCE(1, "x") -- or several arguments
                n, variadic = n - 1, True
            self._mac[name] = None if m is None else Macro(m.name, n, variadic,
                                                           f"{m.definition} ({m.file}:{m.line})", m.file)
        return self._mac[name]

    def members(self, struct: str) -> dict[str, str] | None:
        if struct not in self._mem:
            kind, _, tag = struct.partition(" ")
            found = [s for s in self._live(self.index.structs(tag or kind)) if s.members]
            if not found:
                self._mem[struct] = None
            else:
                self._mem[struct] = {m.name: m.type for m in found[0].members if m.active is not False}
        return self._mem[struct]

    def member_type(self, struct: str, member: str) -> str | None:
        ms = self.members(struct)
        return ms.get(member) if ms else None

    def return_type(self, function: str) -> str | None:
        f = self.function(function)
        return f.ret if f is not None else None

    def typedef_type(self, name: str) -> str | None:
        return self.typedef(name)

    def typedef(self, name: str) -> str | None:
        if name not in self._td:
            found = self._live(self.index.typedefs(name))
            self._td[name] = found[0].type if found else None
        return self._td[name]

    def value(self, name: str) -> str | None:
        if name not in self._val:
            self._val[name] = self._value(name)
        return self._val[name]

    def _value(self, name: str) -> str | None:
        found = self._live(self.index.enum_constants(name))
        if found:
            c = found[0]
            return f"enum {c.enum or '(anonymous)'} {{ {c.name}" + (f" = {c.value}" if c.value else "") + " }"
        if self.index.is_exported(name):
            return f"exported symbol {name}"
        return None

    def has_header(self, path: str) -> bool:
        return self.index.has_header(path)

    def cleanup_class(self, ident: str) -> Any:
        """The DEFINE_* invocation defining *ident* (class_X_t, __free_X), or None."""
        fn = getattr(self.index, "cleanup_class", None)
        return fn(ident) if fn is not None else None

    def exported(self, name: str) -> bool | None:
        if not self.index.exports_source:
            return None
        return self.index.is_exported(name)

    def declared_in(self, name: str) -> set[str]:
        if name not in self._where:
            self._where[name] = self._declared_in(name)
        return self._where[name]

    def _declared_in(self, name: str) -> set[str]:
        ix = self.index
        out = {f.file for f in self._live(ix.functions(name))}
        out |= {m.file for m in self._live(ix.macros(name))}
        out |= {t.file for t in self._live(ix.typedefs(name))}
        out |= {c.file for c in self._live(ix.enum_constants(name))}
        if name.startswith(("class_", "__free_")) and hasattr(ix, "cleanup_classes"):
            out |= {c.file for c in ix.cleanup_classes().get(name, ())}
        return out

    # -- include reachability (cached per index)
    def _load_graph(self) -> dict[str, list[str]]:
        if self._graph is None:
            import json
            self._graph = {}
            if self._cache_file is not None:
                try:
                    self._graph = json.loads(self._cache_file.read_text())
                except (OSError, ValueError):
                    self._graph = {}
        return self._graph

    def save(self) -> None:
        if self._graph_dirty and self._cache_file is not None:
            import json
            from kbridge.storage import atomic_write
            try:
                atomic_write(self._cache_file, json.dumps(self._graph, sort_keys=True))
            except Exception:  # a read-only cache only costs speed
                pass
            self._graph_dirty = False

    def _file_of(self, h: str) -> str | None:
        """The file ``#include <h>`` finds: the index's answer, else the file under
        ``include/`` or the arch's include directory, which the index files under a
        nested root's name only (<uapi/linux/net_tstamp.h> is indexed as
        linux/net_tstamp.h of include/uapi, and shadowed there by include/linux's)."""
        hd = self.index.header(h)
        if hd is not None:
            return hd.file
        assert self._roots is not None
        for top in ("include", f"arch/{self._roots.arch}/include"):
            for root in (self._roots.source, self._roots.build):
                if (root / top / h).is_file():
                    return f"{top}/{h}"
        return None

    def reachable(self, headers: Iterable[str]) -> set[str] | None:
        """Files (relative, as the index names them) reachable from *headers*,
        following every #include regardless of conditions (an over-approximation:
        it can only hide a breakage, never invent one)."""
        if self._roots is None:
            return None
        graph = self._load_graph()
        seen: set[str] = set()
        files: set[str] = set()
        todo = list(headers)
        while todo:
            h = todo.pop()
            if h in seen:
                continue
            seen.add(h)
            file = self._file_of(h)
            if file is None:
                continue
            files.add(file)
            if h not in graph:
                data = b""
                for root in (self._roots.source, self._roots.build):
                    p = root / file
                    if p.is_file():
                        try:
                            data = p.read_bytes()
                        except OSError:
                            data = b""
                        break
                graph[h] = _include_lines(data, h)
                self._graph_dirty = True
            todo.extend(graph[h])
        return files


class ApiCache:
    """The opened :class:`IndexApi` of each (tree, cache directory), kept for the process."""

    def __init__(self) -> None:
        self._apis: dict[tuple[str, str], IndexApi] = {}

    def open(self, tree: Any, cache: Any = None) -> IndexApi:
        from kbridge.facts.index import open_index
        from kbridge.storage import cache_root
        key = (str(tree.path), str(cache_root(cache)))
        if key not in self._apis:
            idx = open_index(tree, cache)
            d = cache_root(cache) / "check"
            d.mkdir(exist_ok=True)
            # .includes3: the graph follows quoted includes and includes the index files
            # under a nested root's name (older graphs did not)
            self._apis[key] = IndexApi(idx, tree.name, d / (idx.path.stem + ".includes3.json"))
        return self._apis[key]

    def clear(self) -> None:
        self._apis.clear()


APIS = ApiCache()


def open_api(tree: Any, cache: Any = None) -> IndexApi:
    """The KernelApi of a KernelTree, through its (cached) index; opened once per process
    (opening fingerprints every header of the tree, the bulk of a warm check)."""
    return APIS.open(tree, cache)
