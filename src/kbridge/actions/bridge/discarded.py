"""Arguments a shim's function-like macro never expands: code OUT does not compile.

A new_on_old shim may define the newer API as a function-like macro that drops an
argument the older kernel has no use for -- kfree_skb_reason(skb, reason) is kfree_skb(skb)
before 5.17: the reason is never evaluated, so a subsystem's SKB_DROP_REASON_* constant the
older kernel lacks is never compiled there. kbridge check reads the driver unbridged and
finds that constant missing; the self-check (:mod:`.predict`) counts such a finding as
bridged when it lies inside an argument that a macro of a shim in OUT discards
(macvlan@7.3 on 5.10: ``kfree_skb_reason(skb, SKB_DROP_REASON_MACVLAN_BROADCAST_BACKLOG)``).

Read from the shim's text (``#define NAME(a, b) body``: a parameter whose name the body,
comments removed, never names) and the driver's sources (each call ``NAME(...)``, split at
its top-level commas; string and character literals and comments skipped).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

from kbridge.facts.clex import skip_literal

_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)]*)\)((?:[^\n]*\\\n)*[^\n]*)", re.M)
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_WORD = re.compile(r"\w+")


def discarded_params(text: str) -> dict[str, tuple[int, frozenset[int]]]:
    """NAME -> (its parameter count, the indexes of the parameters its body never names),
    for the function-like macros *text* defines (variadic ones are skipped)."""
    out: dict[str, tuple[int, frozenset[int]]] = {}
    for m in _DEFINE.finditer(_COMMENT.sub(" ", text)):
        params = [p.strip() for p in m.group(2).split(",")] if m.group(2).strip() else []
        if any(not re.fullmatch(r"\w+", p) for p in params):
            continue            # variadic, or not a plain parameter list
        named = set(_WORD.findall(m.group(3)))
        unused = frozenset(i for i, p in enumerate(params) if p not in named)
        if unused:
            out[m.group(1)] = (len(params), unused)
    return out


def discarded_spans(src: str, macros: dict[str, tuple[int, frozenset[int]]]) -> list[tuple[int, int]]:
    """[start, end) offsets in *src* of the arguments *macros* discard, call by call (a call
    whose argument count is not the macro's is left alone: gcc stops on it anyway)."""
    if not macros:
        return []
    spans: list[tuple[int, int]] = []
    call = re.compile(r"(?<![\w.>])(" + "|".join(map(re.escape, sorted(macros))) + r")\s*\(")
    for m in call.finditer(src):
        n, unused = macros[m.group(1)]
        args: list[tuple[int, int]] = []
        depth, start, i = 0, m.end(), m.end()
        while i < len(src):
            j = skip_literal(src, i)
            if j != i:
                i = j
                continue
            c = src[i]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    args.append((start, i))
                    break
                depth -= 1
            elif c == "," and depth == 0:
                args.append((start, i))
                start = i + 1
            i += 1
        if len(args) == n:
            spans.extend(args[k] for k in sorted(unused))
    return spans


def _offset(src: str, line: int, col: int) -> int:
    """The offset in *src* of check's (line, col): the column as the scan that check's findings
    come from counts it (:func:`kbridge.facts.scan._display_col`: gcc's, a tab to the next
    multiple of 8, over the line's bytes)."""
    from kbridge.facts.scan import _display_col
    lines = src.split("\n")
    if not 1 <= line <= len(lines):
        return -1
    text = lines[line - 1]
    raw = text.encode()
    for i in range(len(text)):
        if _display_col(raw, len(text[:i].encode())) >= col:
            return sum(len(x) + 1 for x in lines[: line - 1]) + i
    return -1


def not_compiled(driver: Any, shim_texts: Iterable[str]) -> Any:
    """A test of check's findings: False for a finding inside an argument a macro of
    *shim_texts* discards (that code is never compiled), True otherwise."""
    macros: dict[str, tuple[int, frozenset[int]]] = {}
    for t in shim_texts:
        macros.update(discarded_params(t))
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}

    def of(rel: str) -> tuple[str, list[tuple[int, int]]]:
        if rel not in spans:
            try:
                src = (Path(driver.path) / rel).read_text(errors="replace")
            except OSError:
                src = ""
            spans[rel] = (src, discarded_spans(src, macros))
        return spans[rel]

    def compiled(f: dict[str, Any]) -> bool:
        if not macros:
            return True
        src, sp = of(str(f.get("file", "")))
        off = _offset(src, int(f.get("line", 0) or 0), int(f.get("col", 0) or 0))
        return not any(a <= off < b for a, b in sp)

    return compiled
