"""What the operators of a preprocessor ``#if`` mean: unifdef's three-valued logic.

The semantics both ``#if`` front ends of kbridge evaluate with, so that they
cannot disagree where their grammars overlap:

* prune (actions/prune.py) reads directives as text, the way unifdef 2.10
  lexes them (its grammar, its lexer state, its edits: the unifdef-faithful
  evaluator ``kbridge prune`` and ``kbridge audit`` use), over *intervals* of
  values (every kernel of a supported range at once);
* :class:`kbridge.facts.cparse.CondEval` reads tree-sitter-c's expression nodes
  (the index over a tree's headers, ``kbridge scan``/``check`` over a driver)
  for one kernel: each value is a one-point interval.

A value is an interval of integers ``(lo, hi)``; an operand whose value is not
known at all is ``None``. A truth is unifdef's line type: ``LT_TRUE``,
``LT_FALSE`` or ``LT_IF`` (unknown). ``&&`` and ``||`` short-circuit over
unknown operands as unifdef 2.10's ``eval_table`` does (``0 && x`` is false,
``1 || x`` true, whatever x); a comparison is decided only when it holds, or
fails, for every pair of values of its operands.
"""

from __future__ import annotations

Interval = tuple[int, int]

# unifdef's line types of an #if whose expression is unknown / true / false
LT_IF, LT_TRUE, LT_FALSE = 0, 1, 2

# An evaluated operand: (truth, interval of its value). The interval is None
# when the truth is LT_IF and nothing is known.
Val = tuple[int, "Interval | None"]

BOOL_UNKNOWN: Interval = (0, 1)
_BOOL: dict[int, Interval] = {LT_TRUE: (1, 1), LT_FALSE: (0, 0)}
COMPARISONS = frozenset({"<", ">", "<=", ">=", "==", "!="})
LOGICAL = frozenset({"&&", "||"})


def truth(iv: Interval) -> int:
    """LT_FALSE when every value is 0, LT_TRUE when none is, else LT_IF."""
    lo, hi = iv
    if lo == 0 and hi == 0:
        return LT_FALSE
    if lo > 0 or hi < 0:
        return LT_TRUE
    return LT_IF


def value(v: int) -> Val:
    """A known integer as an operand."""
    return truth((v, v)), (v, v)


def compare(op: str, a: Interval, b: Interval) -> Interval:
    """a OP b over all values of both intervals: (1,1), (0,0) or (0,1)."""
    (alo, ahi), (blo, bhi) = a, b
    if op == "<":
        t, f = ahi < blo, alo >= bhi
    elif op == ">":
        t, f = alo > bhi, ahi <= blo
    elif op == "<=":
        t, f = ahi <= blo, alo > bhi
    elif op == ">=":
        t, f = alo >= bhi, ahi < blo
    elif op == "==":
        t, f = alo == ahi == blo == bhi, ahi < blo or bhi < alo
    else:  # "!="
        t, f = ahi < blo or bhi < alo, alo == ahi == blo == bhi
    return (1, 1) if t else (0, 0) if f else BOOL_UNKNOWN


def negate(operand: Val) -> Val:
    """``!x``."""
    lt, iv = operand
    if lt != LT_IF or iv is not None:
        t = truth(iv) if iv is not None else lt
        iv = (0, 0) if t == LT_TRUE else (1, 1) if t == LT_FALSE else BOOL_UNKNOWN
        lt = truth(iv)
    return lt, iv


def apply(op: str, left: Val, right: Val) -> Val:
    """One binary operator of *COMPARISONS* or *LOGICAL* over evaluated operands, with
    unifdef's short circuits."""
    (lt, lv), (rt, rv) = left, right
    if op in LOGICAL:
        # the truth that decides alone (false for &&, true for ||), and the other one
        decisive, other = (LT_FALSE, LT_TRUE) if op == "&&" else (LT_TRUE, LT_FALSE)
        if lt == decisive or rt == decisive:
            return decisive, _BOOL[decisive]
        if lv is None or rv is None:
            return LT_IF, None
        if lt == other and rt == other:
            return other, _BOOL[other]
        return LT_IF, BOOL_UNKNOWN
    if lv is None or rv is None:
        return LT_IF, None
    iv = compare(op, lv, rv)
    return truth(iv), iv


def point(operand: Val) -> int | None:
    """The one integer an operand stands for, or None (unknown, or several values)."""
    iv = operand[1]
    return iv[0] if iv is not None and iv[0] == iv[1] else None


def strtol0(s: str, i: int) -> tuple[int, int]:
    """C strtol(s + i, &end, 0) for text starting with a digit: (value, end index)."""
    n = len(s)
    if s.startswith(("0x", "0X"), i) and i + 2 < n and s[i + 2] in "0123456789abcdefABCDEF":
        j = i + 2
        while j < n and s[j] in "0123456789abcdefABCDEF":
            j += 1
        return int(s[i + 2:j], 16), j
    if s[i] == "0":
        j = i + 1
        while j < n and s[j] in "01234567":
            j += 1
        return (int(s[i:j], 8) if j > i + 1 else 0), j
    j = i
    while j < n and s[j].isascii() and s[j].isdigit():
        j += 1
    return int(s[i:j]), j


def c_integer(text: str) -> int | None:
    """A C integer literal's value as the preprocessor reads it (``010`` is 8,
    ``0x1fUL`` 31): strtol with base 0, then only an integer suffix may follow."""
    if not text or not (text[0].isascii() and text[0].isdigit()):
        return None
    v, end = strtol0(text, 0)
    return v if text[end:].rstrip("uUlL") == "" else None
