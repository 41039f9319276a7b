"""kbridge show: where and how a name is declared in a kernel tree."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from kbridge.cli.output import print_json, stdout
from kbridge.errors import KbridgeError


def run(*, target: str, name: str, as_json: bool, cache_dir: Path | None) -> int:
    from kbridge.facts import index

    tree = index.resolve_target(target)
    idx = index.open_index(tree, cache_dir)
    found = idx.lookup(name)
    if not found:
        raise KbridgeError(f"{name!r} is not declared in the headers of {tree.name} "
                           f"(nor a header path or export); try `kbridge diff` or another target")
    if as_json:
        print_json([_json(x) for x in found])
        return 0
    lines = []
    for item in found:
        lines.extend(_describe(item, idx))
    stdout.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
    return 0


def _json(item: Any) -> dict[str, Any]:
    if isinstance(item, tuple):
        s, m = item
        return {"kind": "member", "struct": s.name, "file": s.file, **dataclasses.asdict(m)}
    d = dataclasses.asdict(item)
    kind = d.pop("kind", None) or item.kind      # Struct has a field (struct/union), others a property
    if hasattr(item, "arity"):
        d["arity"] = item.arity
    return {"kind": kind, **d}


def _cond(item: Any) -> str:
    cond = getattr(item, "condition", None)
    if not cond:
        return ""
    state = {True: "active", False: "inactive", None: "not evaluated"}[item.active]
    return f"    under #if {cond}  [{state} in this tree's config]"


def _describe(item: Any, idx: Any) -> list[str]:
    from kbridge.facts import index as ix

    out: list[str] = []
    if isinstance(item, tuple):
        s, m = item
        out.append(f"member of {s.kind} {s.name} ({s.file}:{m.line}):")
        out.append(f"    {m.decl or m.type + ' ' + m.name};")
        c = _cond(m)
        if c:
            out.append(c)
        return out
    if isinstance(item, ix.Function):
        how = "static inline definition" if item.inline else "extern prototype"
        exp = ""
        if not item.inline:
            exp = ", exported" if item.exported else (", NOT exported to modules"
                                                      if idx.exports_source else "")
        out.append(f"function ({how}{exp}) {item.file}:{item.line}:")
        out.append(f"    {item.prototype};")
    elif isinstance(item, ix.Macro):
        kind = "function-like" if item.function_like else "object-like"
        out.append(f"macro ({kind}) {item.file}:{item.line}:")
        out.append(f"    {item.definition}")
    elif isinstance(item, ix.Struct):
        out.append(f"{item.kind} {item.name} {item.file}:{item.line}: {len(item.members)} members")
        for m in item.members:
            flag = "" if m.active is not False else "   /* inactive: " + (m.condition or "") + " */"
            out.append(f"    {m.decl or m.type + ' ' + m.name};{flag}")
    elif isinstance(item, ix.Enum):
        out.append(f"enum {item.name} {item.file}:{item.line}: {', '.join(item.constants)}")
    elif isinstance(item, ix.EnumConstant):
        val = f" = {item.value}" if item.value else ""
        out.append(f"enum constant of enum {item.enum or '(anonymous)'} {item.file}:{item.line}:")
        out.append(f"    {item.name}{val}")
    elif isinstance(item, ix.Typedef):
        out.append(f"typedef {item.file}:{item.line}:")
        out.append(f"    typedef {item.decl or item.type + ' ' + item.name};")
    elif isinstance(item, ix.Header):
        gen = " (generated)" if item.generated else ""
        out.append(f"header <{item.path}>{gen}: {item.file}")
    elif isinstance(item, ix.Export):
        ns = f" namespace {item.namespace}" if item.namespace else ""
        out.append(f"export: {item.how}{ns} by {item.module or '?'}")
    c = _cond(item)
    if c:
        out.append(c)
    return out
