"""kbridge scan: every kernel API a driver uses, with file:line:col."""

from __future__ import annotations

from pathlib import Path

import sys

from kbridge.cli.output import print_json


def _line(text: str) -> None:
    # plain lines, never wrapped: gcc-style output is pasted into bug reports and parsed by editors
    sys.stdout.write(text + "\n")


def run(*, driver: str, against: str | None, as_json: bool, cache_dir: Path | None) -> int:
    from kbridge.actions.check import run_scan
    from kbridge.facts import driver as drivers
    from kbridge.facts.index import resolve_target

    drv = drivers.resolve(driver, cache=cache_dir)
    ref = resolve_target(against) if against else None
    result, api, symbols = run_scan(drv, ref, cache=cache_dir)
    resolved = None
    if api is not None:
        from kbridge.actions.check import declared_as
        names = {u.name for u in result.uses if u.kind in ("call", "ref", "type")}
        resolved = {n: declared_as(api, n) for n in sorted(names)}
    if as_json:
        data = result.to_json(symbols, resolved)
        data["against"] = api.name if api is not None else None
        print_json(data)
        return 0
    for u in result.uses:
        what = u.name
        if u.kind in ("member", "init"):
            what = f"{u.owner}.{u.name}" + (f" = {u.value}" if u.value else "")
        elif u.kind == "call":
            what = f"{u.name}() with {u.arity} argument{'s' if u.arity != 1 else ''}"
        elif u.kind in ("struct", "union", "enum"):
            what = f"{u.kind} {u.name}"
        if resolved is not None and u.kind in ("call", "ref", "type"):
            what += f" [{resolved.get(u.name, 'unknown')}]"
        _line(f"{u.file}:{u.line}:{u.col}: {u.kind}: {what}")
    for sym in symbols:
        _line(f"needs symbol: {sym}")
    kinds: dict[str, int] = {}
    for u in result.uses:
        kinds[u.kind] = kinds.get(u.kind, 0) + 1
    counts = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    where = f"types resolved on {api.name}" if api is not None else "no kernel index"
    _line(f"{result.driver}: {len(result.uses)} uses ({counts}); {len(symbols)} load-time "
               f"symbols; {where}")
    return 0
