"""Prune: remove the conditional branches that are dead for a supported kernel range.

``prune_text`` does what ``unifdef -e`` does for ``-D``/``-U`` symbols, and
more: it also evaluates version tests (``LINUX_VERSION_CODE`` compared with
``KERNEL_VERSION(a, b, c)``) for *every* kernel in ``[min_kernel,
max_kernel]`` at once, and the ``KB_HAVE_*`` guards of kbridge's rule library
whose answer is fixed across that range. Everything else stays byte-identical.

Why a re-implementation and not a call to unifdef: unifdef cannot evaluate a
function-like macro (``KERNEL_VERSION(5, 4, 0)``), only takes one value per
symbol (we need a *range* of kernels), and knows nothing about the rules.
Why the same behaviour as unifdef: a maintainer knows what unifdef does, and
the differential tests (tests/test_prune_unifdef.py) can check every byte
against the real program. The line-level machinery below therefore follows
unifdef 2.10 (Tony Finch, BSD-2-Clause; the version Debian 12 ships) closely:

* its lexer state (comments, string and character literals, backslash
  continuations) is carried from line to line exactly as unifdef's
  ``skipcomment`` does, so a ``#`` inside a comment or a continued line is
  not a directive;
* its expression grammar (integers, symbols, ``defined``, ``!``, ``<``, ``>``,
  ``<=``, ``>=``, ``==``, ``!=``, ``&&``, ``||``, parentheses; anything else
  makes the line unknown and it is kept verbatim), with short-circuit ``&&``
  and ``||`` over unknown operands;
* constant expressions (``#if 0``) are left alone, as unifdef does without
  ``-k`` ("it would be rude to strip them out");
* its group state machine, including the edits it makes to keep nesting
  right: a kept ``#elif`` after deleted branches becomes ``#if  `` (the
  keyword overwritten in place), a true ``#elif`` becomes ``#else`` and the
  next ``#elif``/``#else`` of the group ``#endif``;
* "dodgy" directives (that start in a comment or run on to the next line) are
  passed through unevaluated when they open a group (unifdef's ``-e``), and
  are an error where unifdef reports "Obfuscated preprocessor control line".
  A directive whose trailing comment runs on to the next line takes that line
  with it without scanning it, as unifdef does (its comment state can then go
  wrong; the output still equals unifdef's, which is the contract here).

The one extension to unifdef's evaluator: a symbol's value is an *interval*
of integers rather than one integer. ``LINUX_VERSION_CODE`` is the interval
of the supported kernels' version codes; ``KERNEL_VERSION(a, b, c)`` with
three integer arguments is the constant the kernel's <linux/version.h>
computes. Comparisons of intervals are decided only when they hold (or fail)
for every value, so a branch is removed only when it is dead for *all*
supported kernels. For a single kernel (min == max) this is exactly unifdef
run with ``-DLINUX_VERSION_CODE=<code>`` on a copy whose ``KERNEL_VERSION``
calls were replaced by their values -- which is what the tests check.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kbridge.errors import KbridgeError
# the operators' meaning is ifexpr's (CondEval, the tree-sitter front end, shares it);
# this module is the unifdef-faithful text front end: lexer, grammar, state machine
from kbridge.facts.ifexpr import LT_FALSE, LT_IF, LT_TRUE, Interval, Val, apply, negate, truth, value, \
    strtol0
# the version-code helpers are kversion's; prune's callers use them through this module too
from kbridge.facts.kversion import (MAX_CODE, VERSION_MACRO, VERSION_SYMBOL,  # noqa: F401
                                    format_code, kernel_version, parse_kernel)
from kbridge.storage import atomic_directory, atomic_write

C_SUFFIXES = (".c", ".h")


class PruneError(KbridgeError):
    """The input is something unifdef would also refuse (message: file:line: what)."""


# ---------------------------------------------------------------------------
# The environment: what is known about each symbol


@dataclass(frozen=True)
class Env:
    """What the evaluator knows.

    ``values``: defined symbols with the interval of their value (a -D symbol
    has a one-point interval). ``undefined``: -U symbols. ``value_only``:
    symbols whose value is known for ``#if`` but whose definedness is not
    (the audit uses it for a KB_HAVE guard that is 0 or 1 depending on the
    kernel within a range).
    """

    values: Mapping[str, Interval] = field(default_factory=dict)
    undefined: frozenset[str] = frozenset()
    value_only: Mapping[str, Interval] = field(default_factory=dict)
    kernel_version_macro: bool = True
    # every other symbol with this prefix is undefined (a kernel's autoconf: "CONFIG_"),
    # except those of *unknown* (a string option: defined, but no integer value)
    undefined_prefix: str = ""
    unknown: frozenset[str] = frozenset()

    def lookup(self, name: str) -> tuple[str, Interval | None]:
        """("def", interval) | ("undef", None) | ("value", interval) | ("unknown", None)."""
        if name in self.values:
            return "def", self.values[name]
        if name in self.undefined:
            return "undef", None
        if name in self.value_only:
            return "value", self.value_only[name]
        if self.undefined_prefix and name.startswith(self.undefined_prefix) and name not in self.unknown:
            return "undef", None
        return "unknown", None


def rule_guard_values(lo: int, hi: int, rules: Iterable[object] | None = None) -> dict[str, bool]:
    """KB_HAVE_* (and KB_OLD_*) guards whose answer the range [lo, hi] fixes, from the rules' releases.

    kbridge's config header (actions/probe.py) defines a true guard as 1 and
    leaves a false one undefined, so a decided guard is exactly a -D or a -U.
    A guard is true on kernels that have the new API: for mainline and stable
    kernels, every kernel from ``since`` on. A vendor kernel can backport an
    API to an older release (which is why the guards are probed, not computed
    from the version), so deciding a guard false because --max-kernel is below
    its ``since`` assumes mainline kernels; rules whose ``since`` is "unknown"
    are never decided.
    """
    if rules is None:
        from kbridge.knowledge import rules as rules_mod
        try:
            rules = rules_mod.load()
        except KbridgeError:
            rules = []
    out: dict[str, bool] = {}
    for r in rules:
        if getattr(r, "guard", None) and (v := r.guard_over(lo, hi)) is not None:
            out[r.guard] = v
        # a two-sided rule that states its old API's releases (old_since/old_until) also
        # fixes KB_OLD_<ID>, the inline strategy's "the kernel has the old API" guard, by
        # the same mainline assumption (Rule.old_over: None where the range straddles a bound)
        if getattr(r, "guard", None) and getattr(r, "old_bounded", False) and \
                (o := r.old_over(lo, hi)) is not None:
            out[r.old_guard] = o
    return out


def make_env(*, min_kernel: str | int | None, max_kernel: str | int | None = None,
             defines: Mapping[str, int] | None = None, undefs: Iterable[str] | None = None,
             use_rules: bool = True) -> Env:
    """The evaluator's knowledge for a supported range and -D/-U sets."""
    values: dict[str, Interval] = {}
    value_only: dict[str, Interval] = {}
    undef_rules: set[str] = set()
    if min_kernel is not None:
        lo = min_kernel if isinstance(min_kernel, int) else parse_kernel(min_kernel)
        hi = (MAX_CODE if max_kernel is None else
              max_kernel if isinstance(max_kernel, int) else parse_kernel(max_kernel, upper=True))
        if hi < lo:
            raise KbridgeError(f"--max-kernel {format_code(hi)} is below --min-kernel {format_code(lo)}; "
                               "swap them")
        values[VERSION_SYMBOL] = (lo, hi)
        if use_rules:
            for guard, have in rule_guard_values(lo, hi).items():
                if have:
                    values[guard] = (1, 1)
                else:
                    undef_rules.add(guard)
    undefined = set(undefs or ()) | (undef_rules - set(defines or {}))
    for name, v in (defines or {}).items():
        values[name] = (int(v), int(v))
        undefined.discard(name)
        value_only.pop(name, None)
    for name in undefined:
        values.pop(name, None)
        value_only.pop(name, None)
    return Env(values, frozenset(undefined), value_only)


# ---------------------------------------------------------------------------
# unifdef's line types and states

# (LT_IF, LT_TRUE, LT_FALSE: the truths of kbridge.facts.ifexpr, 0 1 2)
LT_ELIF, LT_ELTRUE, LT_ELFALSE, LT_ELSE, LT_ENDIF = range(3, 8)
LT_DODGY = 8            # added to the above for a directive that spans lines
LT_PLAIN, LT_EOF, LT_ERROR = 16, 17, 18

(IS_OUTSIDE, IS_FALSE_PREFIX, IS_TRUE_PREFIX, IS_PASS_MIDDLE, IS_FALSE_MIDDLE, IS_TRUE_MIDDLE,
 IS_PASS_ELSE, IS_FALSE_ELSE, IS_TRUE_ELSE, IS_FALSE_TRAILER) = range(10)

NO_COMMENT, C_COMMENT, CXX_COMMENT, STARTING_COMMENT, FINISHING_COMMENT, CHAR_LITERAL, \
    STRING_LITERAL = range(7)
LS_START, LS_HASH, LS_DIRTY = range(3)

# Per state, the action for IF TRUE FALSE ELIF ELTRUE ELFALSE ELSE ENDIF, then the
# same eight for dodgy lines (unifdef's table and action names, see _Pruner._act):
# F* first line of a group (nest), P* pass the directive, D* drop it and the branch,
# S* drop it and start a new branch state, M* edit it (Mpass: #elif -> #if, Mtrue:
# #elif -> #else, Melif/Melse: -> #endif), O* pass a dodgy line (unifdef -e), E* error.
_TABLE: dict[int, tuple[str, ...]] = {
    IS_OUTSIDE: ("Fpass", "Ftrue", "Ffalse", "Eelif", "Eelif", "Eelif", "Eelse", "Eendif",
                 "Fpass", "Oif", "Oif", "Eelif", "Eelif", "Eelif", "Eelse", "Eendif"),
    IS_FALSE_PREFIX: ("Fdrop", "Fdrop", "Fdrop", "Mpass", "Strue", "Sfalse", "Selse", "Dendif",
                      "Fdrop", "Fdrop", "Fdrop", "Mpass", "Eioccc", "Eioccc", "Eioccc", "Eioccc"),
    IS_TRUE_PREFIX: ("Fpass", "Ftrue", "Ffalse", "Dfalse", "Dfalse", "Dfalse", "Delse", "Dendif",
                     "Fpass", "Oif", "Oif", "Eioccc", "Eioccc", "Eioccc", "Eioccc", "Eioccc"),
    IS_PASS_MIDDLE: ("Fpass", "Ftrue", "Ffalse", "Pelif", "Mtrue", "Delif", "Pelse", "Pendif",
                     "Fpass", "Oif", "Oif", "Pelif", "Oelif", "Oelif", "Pelse", "Pendif"),
    IS_FALSE_MIDDLE: ("Fdrop", "Fdrop", "Fdrop", "Pelif", "Mtrue", "Delif", "Pelse", "Pendif",
                      "Fdrop", "Fdrop", "Fdrop", "Eioccc", "Eioccc", "Eioccc", "Eioccc", "Eioccc"),
    IS_TRUE_MIDDLE: ("Fpass", "Ftrue", "Ffalse", "Melif", "Melif", "Melif", "Melse", "Pendif",
                     "Fpass", "Oif", "Oif", "Eioccc", "Eioccc", "Eioccc", "Eioccc", "Pendif"),
    IS_PASS_ELSE: ("Fpass", "Ftrue", "Ffalse", "Eelif", "Eelif", "Eelif", "Eelse", "Pendif",
                   "Fpass", "Oif", "Oif", "Eelif", "Eelif", "Eelif", "Eelse", "Pendif"),
    IS_FALSE_ELSE: ("Fdrop", "Fdrop", "Fdrop", "Eelif", "Eelif", "Eelif", "Eelse", "Dendif",
                    "Fdrop", "Fdrop", "Fdrop", "Eelif", "Eelif", "Eelif", "Eelse", "Eioccc"),
    IS_TRUE_ELSE: ("Fpass", "Ftrue", "Ffalse", "Eelif", "Eelif", "Eelif", "Eelse", "Dendif",
                   "Fpass", "Oif", "Oif", "Eelif", "Eelif", "Eelif", "Eelse", "Eioccc"),
    IS_FALSE_TRAILER: ("Fdrop", "Fdrop", "Fdrop", "Dfalse", "Dfalse", "Dfalse", "Delse", "Dendif",
                       "Fdrop", "Fdrop", "Fdrop", "Dfalse", "Dfalse", "Dfalse", "Delse", "Eioccc"),
}
_PRINTING = {IS_OUTSIDE, IS_TRUE_PREFIX, IS_PASS_MIDDLE, IS_TRUE_MIDDLE, IS_PASS_ELSE,
             IS_TRUE_ELSE}


_SPECIALS = ("/", '"', "'", "\\", "\n", "#")


def _next_special(s: str, i: int) -> int:
    """Index of the next character at or after i that unifdef's lexer reacts to."""
    best = len(s)
    for ch in _SPECIALS:
        k = s.find(ch, i, best)
        if k >= 0:
            best = k
    return best


def _endsym(ch: str) -> bool:
    return not (ch == "_" or (ch.isascii() and ch.isalnum()))


# Operator levels, loosest first, as unifdef 2.10's table (longer spellings first).
_LEVELS: tuple[tuple[str, ...], ...] = (("||",), ("&&",), ("==", "!="), ("<=", ">=", "<", ">"))


@dataclass
class _Result:
    text: str
    changed: bool


class _Pruner:
    """One run of the unifdef state machine over one file's text."""

    def __init__(self, text: str, env: Env, name: str) -> None:
        # Lines as fgets reads them (str.splitlines would also split on \r, \f, ...).
        self.lines = _split_nl(text)
        self.env = env
        self.name = name
        self.pos = 0            # next physical line to read
        self.linenum = 0
        self.tline = ""
        self.keyword = 0        # index of the directive keyword in tline
        self.newline: str | None = None
        self.incomment = NO_COMMENT
        self.linestate = LS_START
        self.constexpr = False
        self.depth = 0
        self.ifstate = [IS_OUTSIDE]
        self.stifline = [0]
        self.out: list[str] = []
        self.changed = False
        # per physical line: kept (printed, perhaps edited) or dropped; first line of tline
        self.kept: list[bool] = [True] * len(self.lines)
        self.row0 = 0

    # -- errors --------------------------------------------------------------
    def error(self, msg: str) -> PruneError:
        where = f"{self.name}:{self.linenum}"
        if self.depth:
            msg += f" (#if line {self.stifline[self.depth]} depth {self.depth})"
        return PruneError(f"{where}: {msg}; unifdef would refuse this file too, "
                          "so kbridge leaves it to you")

    # -- lexer (unifdef's skipcomment/skipline/skipsym) -----------------------
    def skipcomment(self, i: int) -> int:
        s = self.tline
        n = len(s)
        while i < n:
            if s.startswith("\\\r\n", i):
                i += 3
                continue
            if s.startswith("\\\n", i):
                i += 2
                continue
            c = s[i]
            st = self.incomment
            if st == NO_COMMENT:
                if s.startswith("/\\\r\n", i):
                    self.incomment = STARTING_COMMENT
                    i += 4
                elif s.startswith("/\\\n", i):
                    self.incomment = STARTING_COMMENT
                    i += 3
                elif s.startswith("/*", i):
                    self.incomment = C_COMMENT
                    i += 2
                elif s.startswith("//", i):
                    self.incomment = CXX_COMMENT
                    i += 2
                elif c == "'":
                    self.incomment = CHAR_LITERAL
                    self.linestate = LS_DIRTY
                    i += 1
                elif c == '"':
                    self.incomment = STRING_LITERAL
                    self.linestate = LS_DIRTY
                    i += 1
                elif c == "\n":
                    self.linestate = LS_START
                    i += 1
                elif c in " \r\t":
                    i += 1
                else:
                    return i
            elif st == CXX_COMMENT:
                if c == "\n":
                    self.incomment = NO_COMMENT
                    self.linestate = LS_START
                i += 1
            elif st in (CHAR_LITERAL, STRING_LITERAL):
                if (st == CHAR_LITERAL and c == "'") or (st == STRING_LITERAL and c == '"'):
                    self.incomment = NO_COMMENT
                    i += 1
                elif c == "\\":
                    i += 1 if i + 1 >= n else 2
                elif c == "\n":
                    raise self.error("unterminated char literal" if st == CHAR_LITERAL
                                     else "unterminated string literal")
                else:
                    i += 1
            elif st == C_COMMENT:
                if c != "*":
                    # nothing but '*' (or a continuation, skipped above) matters in a comment
                    k = s.find("*", i)
                    b = s.find("\\", i)
                    k = n if k < 0 else k
                    i = k if b < 0 or b > k else max(b, i + 1)
                    continue
                if s.startswith("*\\\r\n", i):
                    self.incomment = FINISHING_COMMENT
                    i += 4
                elif s.startswith("*\\\n", i):
                    self.incomment = FINISHING_COMMENT
                    i += 3
                elif s.startswith("*/", i):
                    self.incomment = NO_COMMENT
                    i += 2
                else:
                    i += 1
            elif st == STARTING_COMMENT:
                if c == "*":
                    self.incomment = C_COMMENT
                    i += 1
                elif c == "/":
                    self.incomment = CXX_COMMENT
                    i += 1
                else:
                    self.incomment = NO_COMMENT
                    self.linestate = LS_DIRTY
            else:  # FINISHING_COMMENT
                if c == "/":
                    self.incomment = NO_COMMENT
                    i += 1
                else:
                    self.incomment = C_COMMENT
        return i

    def skipline(self, i: int) -> int:
        s = self.tline
        n = len(s)
        if i < n:
            self.linestate = LS_DIRTY
        while i < n:
            if self.incomment == NO_COMMENT:
                # Ordinary text changes no state until the next character that can
                # start a comment, a literal, a continuation or end the line: jump there.
                k = _next_special(s, i)
                if k > i:
                    i = k
                    continue
            j = self.skipcomment(i)
            i = j + 1 if j == i else j
        return i

    def skipsym(self, i: int) -> int:
        s = self.tline
        while i < len(s) and not _endsym(s[i]):
            i += 1
        return i

    def matchsym(self, word: str, i: int) -> int | None:
        s = self.tline
        if not s.startswith(word, i):
            return None
        j = i + len(word)
        if j < len(s) and not _endsym(s[j]):
            return None
        return j

    def skipargs(self, i: int) -> int:
        s = self.tline
        start = i
        level = 0
        i = self.skipcomment(i)
        if i >= len(s) or s[i] != "(":
            return i
        while True:
            if s[i] == "(":
                level += 1
            elif s[i] == ")":
                level -= 1
            i = self.skipcomment(i + 1)
            if level == 0 or i >= len(s):
                break
        return i if level == 0 else start

    # -- expressions (unifdef's eval_table / eval_unary / ifeval) -------------
    def _char(self, i: int) -> str:
        return self.tline[i] if i < len(self.tline) else "\0"

    def eval_unary(self, i: int) -> tuple[Val, int]:
        i = self.skipcomment(i)
        c = self._char(i)
        if c == "!":
            operand, i = self.eval_unary(i + 1)
            if operand[0] == LT_ERROR:
                return (LT_ERROR, None), i
            return negate(operand), i
        if c == "(":
            (lt, iv), i = self.eval_table(0, i + 1)
            if lt == LT_ERROR:
                return (LT_ERROR, None), i
            i = self.skipcomment(i)
            if self._char(i) != ")":
                return (LT_ERROR, None), i
            return (lt, iv), i + 1
        if c.isascii() and c.isdigit():
            v, i = strtol0(self.tline, i)
            return value(v), i
        j = self.matchsym("defined", i)
        if j is not None:
            i = self.skipcomment(j)
            paren = self._char(i) == "("
            if paren:
                i = self.skipcomment(i + 1)
            end = self.skipsym(i)
            name = self.tline[i:end]
            i = self.skipcomment(end)
            if paren:
                if self._char(i) != ")":
                    return (LT_ERROR, None), i
                i += 1
            self.constexpr = False
            kind, _ = self.env.lookup(name) if name else ("unknown", None)
            if kind == "def":
                return (LT_TRUE, (1, 1)), i
            if kind == "undef":
                return (LT_FALSE, (0, 0)), i
            return (LT_IF, None), i
        if not _endsym(c):
            end = self.skipsym(i)
            name = self.tline[i:end]
            i = end
            if name == VERSION_MACRO and self.env.kernel_version_macro:
                kv = self._kernel_version_args(i)
                if kv is not None:
                    v, i = kv
                    return value(v), i
            self.constexpr = False
            kind, iv = self.env.lookup(name)
            if kind == "undef":
                return (LT_FALSE, (0, 0)), i
            if kind in ("def", "value"):
                assert iv is not None
                return (truth(iv), iv), self.skipargs(i)
            return (LT_IF, None), self.skipargs(i)
        return (LT_ERROR, None), i

    def _kernel_version_args(self, i: int) -> tuple[int, int] | None:
        """KERNEL_VERSION(a, b, c) with integer arguments: (value, index after ')')."""
        s = self.tline
        i = self.skipcomment(i)
        if self._char(i) != "(":
            return None
        nums = []
        i += 1
        for k in range(3):
            i = self.skipcomment(i)
            c = self._char(i)
            if not (c.isascii() and c.isdigit()):
                return None
            v, i = strtol0(s, i)
            nums.append(v)
            i = self.skipcomment(i)
            if self._char(i) != ("," if k < 2 else ")"):
                return None
            i += 1
        return kernel_version(*nums), i

    def eval_table(self, level: int, i: int) -> tuple[Val, int]:
        if level == len(_LEVELS):
            return self.eval_unary(i)
        (lt, lv), i = self.eval_table(level + 1, i)
        if lt == LT_ERROR:
            return (LT_ERROR, None), i
        ops = _LEVELS[level]
        while True:
            i = self.skipcomment(i)
            op = next((o for o in ops if self.tline.startswith(o, i)), None)
            if op is None:
                break
            (rt, rv), i = self.eval_table(level + 1, i + len(op))
            if rt == LT_ERROR:
                return (LT_ERROR, None), i
            lt, lv = apply(op, (lt, lv), (rt, rv))
        return (lt, lv), i

    def ifeval(self, i: int) -> tuple[int, int]:
        """Evaluate the #if/#elif expression at i: (LT_IF/LT_TRUE/LT_FALSE, index)."""
        self.constexpr = True
        (lt, _), j = self.eval_table(0, i)
        if lt == LT_ERROR:          # unifdef rescans the whole line as junk
            return LT_IF, i
        if self.constexpr:          # `#if 0`: kept, as unifdef does without -k
            return LT_IF, j
        return lt, j

    # -- lines (unifdef's skiphash / parseline) -------------------------------
    def readline(self) -> str | None:
        if self.pos >= len(self.lines):
            return None
        line = self.lines[self.pos]
        self.pos += 1
        return line

    def parseline(self) -> int:
        wascomment = self.incomment
        self.linenum += 1
        self.row0 = self.pos
        line = self.readline()
        if line is None:
            return LT_EOF
        self.tline = line
        if (wascomment == NO_COMMENT and self.linestate == LS_START and self.newline is not None
                and line.endswith("\n") and _next_special(line, 0) == len(line) - 1):
            return LT_PLAIN         # nothing in it can change the lexer's state

        if self.newline is None:
            self.newline = "\r\n" if line.endswith("\r\n") else "\n"
        # skiphash
        i = self.skipcomment(0)
        n = len(self.tline)
        if self.linestate == LS_START and i < n and self.tline[i] == "#":
            self.linestate = LS_HASH
            i = self.skipcomment(i + 1)
        elif i >= n:
            return LT_PLAIN
        else:
            self.skipline(i)
            return LT_PLAIN
        if i >= n:
            return LT_PLAIN
        self.keyword = i
        retval: int
        j = self.matchsym("ifdef", i)
        if j is None:
            j = self.matchsym("ifndef", i)
        if j is not None:
            i = self.skipcomment(j)
            end = self.skipsym(i)
            name = self.tline[i:end]
            i = end
            kind = self.env.lookup(name)[0] if name else "unknown"
            if kind in ("def", "undef"):
                defined = kind == "def"
                negated = self.tline[self.keyword + 2] == "n"
                retval = LT_TRUE if defined != negated else LT_FALSE
            else:
                retval = LT_IF
        elif (j := self.matchsym("if", i)) is not None:
            retval, i = self.ifeval(j)
        elif (j := self.matchsym("elif", i)) is not None:
            lt, i = self.ifeval(j)
            retval = lt + (LT_ELIF - LT_IF)
        elif (j := self.matchsym("else", i)) is not None:
            retval, i = LT_ELSE, j
        elif (j := self.matchsym("endif", i)) is not None:
            retval, i = LT_ENDIF, j
        else:
            i = self.skipsym(self.keyword)
            if self.tline.startswith(("\\\r\n", "\\\n"), i):
                raise self.error("Obfuscated preprocessor control line")
            self.skipline(i)
            return LT_PLAIN
        i = self.skipcomment(i)
        if i < len(self.tline):
            i = self.skipline(i)
            if retval in (LT_TRUE, LT_FALSE):
                retval = LT_IF
            if retval in (LT_ELTRUE, LT_ELFALSE):
                retval = LT_ELIF
        # The line lacks its newline (end of file), or it ended inside a comment:
        # unifdef appends the next physical line (unscanned) or a newline.
        if self.linestate == LS_HASH:
            nxt = self.readline()
            if nxt is None:
                self.tline += self.newline
                self.linestate = LS_START
            else:
                self.tline += nxt
                self.linestate = LS_DIRTY
        if wascomment != NO_COMMENT or self.linestate != LS_START:
            retval += LT_DODGY
            self.linestate = LS_DIRTY
        return retval

    # -- the state machine ----------------------------------------------------
    def print_(self) -> None:
        self.out.append(self.tline)

    def drop(self) -> None:
        self.changed = True
        for r in range(self.row0, min(self.pos, len(self.kept))):
            self.kept[r] = False

    def state(self, s: int) -> None:
        self.ifstate[self.depth] = s

    def nest(self) -> None:
        self.depth += 1
        if self.depth >= len(self.ifstate):
            self.ifstate.append(IS_OUTSIDE)
            self.stifline.append(0)
        self.stifline[self.depth] = self.linenum

    def keywordedit(self, replacement: str) -> None:
        self.tline = self.tline[:self.keyword] + replacement + (self.newline or "\n")
        self.changed = True
        self.print_()

    def _act(self, name: str) -> None:
        if name[0] == "E":
            raise self.error({"Eelif": "Inappropriate #elif", "Eelse": "Inappropriate #else",
                              "Eendif": "Inappropriate #endif",
                              "Eioccc": "Obfuscated preprocessor control line"}[name])
        if name in ("Fdrop", "Fpass", "Ftrue", "Ffalse", "Oif"):
            self.nest()
            name = {"Fdrop": "Dfalse", "Fpass": "Pelif", "Ftrue": "Strue", "Ffalse": "Sfalse",
                    "Oif": "Pelif"}[name]
        if name == "Oelif":
            name = "Pelif"
        if name == "Mpass":
            kw = self.keyword
            self.tline = self.tline[:kw] + "if  " + self.tline[kw + 4:]
            self.changed = True
            name = "Pelif"
        if name == "Mtrue":
            self.keywordedit("else")
            self.state(IS_TRUE_MIDDLE)
        elif name == "Melif":
            self.keywordedit("endif")
            self.state(IS_FALSE_TRAILER)
        elif name == "Melse":
            self.keywordedit("endif")
            self.state(IS_FALSE_ELSE)
        elif name in ("Pelif", "Pelse", "Pendif"):
            self.print_()
            if name == "Pendif":
                self.depth -= 1
            else:
                self.state(IS_PASS_MIDDLE if name == "Pelif" else IS_PASS_ELSE)
        else:
            self.drop()
            if name == "Dendif":
                self.depth -= 1
            else:
                self.state({"Strue": IS_TRUE_PREFIX, "Sfalse": IS_FALSE_PREFIX,
                            "Selse": IS_TRUE_ELSE, "Dfalse": IS_FALSE_TRAILER,
                            "Delif": IS_FALSE_MIDDLE, "Delse": IS_FALSE_ELSE}[name])

    def run(self) -> _Result:
        while True:
            lt = self.parseline()
            st = self.ifstate[self.depth]
            if lt == LT_PLAIN:
                if st in _PRINTING:
                    self.print_()
                else:
                    self.drop()
                continue
            if lt == LT_EOF:
                if st != IS_OUTSIDE:
                    raise self.error("Premature EOF")
                if self.incomment != NO_COMMENT:
                    raise self.error("EOF in comment")
                return _Result("".join(self.out), self.changed)
            self._act(_TABLE[st][lt])


def _split_nl(text: str) -> list[str]:
    """Lines ending in \\n (the last one may lack it), as fgets reads them."""
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


# ---------------------------------------------------------------------------
# Public API


def prune_text(text: str, *, min_kernel: str | int | None, max_kernel: str | int | None = None,
               defines: Mapping[str, int] | None = None, undefs: Iterable[str] | None = None,
               use_rules: bool = True, name: str = "<text>") -> str:
    """*text* without the branches dead for kernels [min_kernel, max_kernel].

    ``min_kernel``/``max_kernel``: "6.1", "6.1.50" or version codes; None for
    ``min_kernel`` leaves version tests alone (then this is plain ``unifdef
    -e`` with ``defines``/``undefs``). ``defines``: -D symbols and their
    values; ``undefs``: -U symbols. ``use_rules``: also decide the KB_HAVE_*
    guards of the rule library from the range. Raises PruneError where
    unifdef reports an error (unbalanced conditionals, an unterminated
    literal, a directive it cannot safely edit).
    """
    env = make_env(min_kernel=min_kernel, max_kernel=max_kernel, defines=defines, undefs=undefs,
                   use_rules=use_rules)
    return prune_with_env(text, env, name=name)


def prune_with_env(text: str, env: Env, *, name: str = "<text>") -> str:
    return _Pruner(text, env, name).run().text


def kept_rows(text: str, env: Env, *, name: str = "<text>") -> list[bool]:
    """Per physical line of *text* (0-based): does prune under *env* keep it (printed as
    it is, or a directive edited in place) -- False for the lines of a dead branch and
    for the directives it decides. The lines a kernel compiles, with every undecided
    condition kept (both of its branches). Raises PruneError as prune_text does."""
    p = _Pruner(text, env, name)
    p.run()
    return p.kept


def evaluate(expr: str, env: Env) -> tuple[int, Interval | None]:
    """Evaluate one #if expression (no newline) under *env*.

    Returns (LT_TRUE | LT_FALSE | LT_IF, interval of its value or None). Used by
    the audit to decide which kernels take a branch.
    """
    p = _Pruner("", env, "<expr>")
    p.tline = expr.replace("\n", " ")
    p.constexpr = True
    (lt, iv), i = p.eval_table(0, 0)
    if lt == LT_ERROR:
        return LT_IF, None
    i = p.skipcomment(i)
    if i < len(p.tline):
        return LT_IF, None
    p.incomment = NO_COMMENT
    return lt, iv


def _read_source(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", errors="surrogateescape")
    except OSError as exc:
        raise KbridgeError(f"cannot read {path}: {exc.strerror}") from None


def _encode(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


@dataclass(frozen=True)
class PrunedFile:
    path: str           # relative to the input root (the file name for a single file)
    changed: bool
    removed_lines: int


@dataclass(frozen=True)
class PruneReport:
    source: Path
    output: Path | None
    files: tuple[PrunedFile, ...]

    @property
    def changed(self) -> int:
        return sum(f.changed for f in self.files)

    def to_json(self) -> dict[str, object]:
        return {"source": str(self.source), "output": str(self.output) if self.output else None,
                "files": [{"path": f.path, "changed": f.changed, "removed_lines": f.removed_lines}
                          for f in self.files],
                "changed": self.changed}


def is_c_source(path: Path) -> bool:
    return path.suffix in C_SUFFIXES


def prune_file_text(path: Path, env: Env, *, display: str | None = None) -> tuple[str, str]:
    """(original, pruned) text of one C file."""
    if not is_c_source(path):
        raise KbridgeError(f"{path}: not a C source or header (.c/.h); prune only edits C files")
    text = _read_source(path)
    return text, prune_with_env(text, env, name=display or str(path))


def _count_lines(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") or not text else 1)


def prune_tree(src: Path, out: Path, *, min_kernel: str | int | None,
               max_kernel: str | int | None = None, defines: Mapping[str, int] | None = None,
               undefs: Iterable[str] | None = None, use_rules: bool = True) -> PruneReport:
    """Write a pruned copy of directory (or file) *src* to *out*, atomically.

    Every .c/.h file is pruned; every other file (Kbuild, Makefile, README,
    ...) is copied byte for byte with its mode. *src* is never modified; *out*
    appears complete or not at all, and must not be inside *src*.
    """
    env = make_env(min_kernel=min_kernel, max_kernel=max_kernel, defines=defines, undefs=undefs,
                   use_rules=use_rules)
    src = Path(src)
    out = Path(out)
    if not src.exists():
        raise KbridgeError(f"{src}: no such file or directory")
    if src.is_file():
        original, pruned = prune_file_text(src, env)
        if out.is_dir():
            out = out / src.name
        try:
            atomic_write(out, _encode(pruned))
        except OSError as exc:
            raise KbridgeError(f"cannot write -o {out}: {exc.strerror}; choose a writable place") from None
        f = PrunedFile(src.name, pruned != original, _count_lines(original) - _count_lines(pruned))
        return PruneReport(src, out, (f,))
    if not src.is_dir():
        raise KbridgeError(f"{src}: not a regular file or directory")
    rsrc, rout = src.resolve(), out.resolve()
    if rout == rsrc or rsrc in rout.parents:
        raise KbridgeError(f"-o {out} is inside the input {src}; write the pruned copy elsewhere")
    files = sorted(p for p in src.rglob("*") if p.is_file() and not p.is_symlink())
    if not any(is_c_source(p) for p in files):
        raise KbridgeError(f"{src}: no .c or .h files to prune")
    # Prune everything first, so that a file unifdef would refuse leaves no output.
    results: list[tuple[Path, bytes, PrunedFile | None]] = []
    for p in files:
        rel = p.relative_to(src)
        if is_c_source(p):
            original, pruned = prune_file_text(p, env, display=str(rel))
            results.append((rel, _encode(pruned), PrunedFile(
                rel.as_posix(), pruned != original,
                _count_lines(original) - _count_lines(pruned))))
        else:
            results.append((rel, p.read_bytes(), None))
    if out.exists() and not out.is_dir():
        raise KbridgeError(f"-o {out} exists and is not a directory")
    try:
        with atomic_directory(out) as tmp:
            for rel, data, _ in results:
                dest = tmp / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
                os.chmod(dest, (src / rel).stat().st_mode & 0o777)
    except OSError as exc:
        raise KbridgeError(f"cannot write -o {out}: {exc.strerror}; choose a writable place") from None
    return PruneReport(src, out, tuple(f for _, _, f in results if f is not None))
