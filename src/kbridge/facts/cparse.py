"""Reading the declarations of one C header with tree-sitter-c.

Why tree-sitter (figures in bench/README.md): on the 6,644 headers of Debian's
6.12 -common tree (44 MB) tree-sitter-c parses every file in 6.3 s on one
core, never fails outright (it is error-tolerant: an unknown construct becomes
a local ERROR node, not a lost file), and needs no preprocessor or include
path, so it works on a bare header tree that could never be compiled. libclang
or pycparser would need a configured preprocessor run per header first (gcc -E
of linux/blkdev.h alone: 0.11 s CPU, 2.3 MB of output, and the macros and #if
conditions the index must record are gone); ctags is fast but gives no
parameter types, members' types or bitfield widths. The price is that macros
are not expanded, so this module does three things a compiler would otherwise
do for us:

* **attribute macros** (``__must_check``, ``__cold``, ``__printf(1, 2)``,
  ``__acquires(x)``, ``__user``, ``notrace`` ...) are blanked before parsing --
  replaced by spaces of the same length, so byte offsets and line numbers stay
  true. The set is harvested from the tree's own compiler headers (any macro
  whose body is empty, ``__attribute__((...))``, or only other attribute macros;
  see :func:`harvest_attribute_macros`) plus a fixed fallback list for bare
  trees that lack them. The blanking is a lexer: one compiled pattern whose
  alternatives consume comments, string/character literals and preprocessor
  lines whole, so an attribute name is only matched as a whole identifier in
  code. It never matches C syntax; tree-sitter does all the parsing.
* **member-declaring macros** (``struct_group(...)``, ``DECLARE_BITMAP(...)``,
  ``DECLARE_FLEX_ARRAY(...)`` ...) are rewritten in place, same length, into
  the member declarations they stand for (see ``_rewrite_member_macro``).
* **preprocessor conditionals** are kept: tree-sitter-c parses ``#if``/``#ifdef``
  blocks as nodes around the declarations they guard (at top level and inside
  struct bodies), so each declaration carries the condition it sits under, and
  :class:`CondEval` evaluates it against the tree's .config (three-valued:
  True, False, or None when unknown).

Other macros that generate declarations (``DECLARE_PER_CPU(...)``, X-macro
lists such as ``__SYSCALL(...)``) are not expanded: they are counted
(``macro_invocation``, problem kind ``unexpanded_macro``), and every other
ERROR node tree-sitter produces is counted as a problem. Nothing in here
raises on bad input: :func:`parse_header` accepts any bytes (fuzzed).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import tree_sitter as ts
import tree_sitter_c as tsc

from kbridge.errors import KbridgeError
from kbridge.facts import ifexpr
from kbridge.facts.kversion import VERSION_MACRO, VERSION_SYMBOL, kernel_version

# Bump when the rows produced change meaning; it is part of the cache key.
# 11: #if integer literals read as C reads them (010 is 8), ifexpr.c_integer.
# 12: __GNUC__/__GNUC_MINOR__/__GNUC_PATCHLEVEL__ from the tree's CONFIG_GCC_VERSION.
# 13: __SYSFS_FUNCTION_ALTERNATIVE(MEMBERS...) members flattened into their struct.
PARSER_VERSION = 13

_LANGUAGE = ts.Language(tsc.language())

# Fallback attribute macros, used in addition to those harvested from the tree
# (a bare tree or a fixture may not have include/linux/compiler*.h). Object-like:
FALLBACK_OBJECT_ATTRS = frozenset("""
__must_check __cold __hot __pure __noreturn __weak __visible __used __maybe_unused
__always_unused __deprecated __malloc __packed __init __exit __initdata __exitdata
__initconst __ro_after_init __read_mostly __user __kernel __iomem __percpu __rcu
__force __nocast __safe __private __bitwise __must_hold_dummy notrace noinline
noinstr __cpuidle __sched __kprobes __ref __refdata __init_or_module __latent_entropy
__flatten __randomize_layout __no_randomize_layout __designated_init __nonstring
__attribute_const__ __noinline __always_inline __gnu_inline __inline_maybe_unused
asmlinkage __nocfi __noscs __fix_address __bpf_kfunc __no_kcsan __no_sanitize_address
__no_sanitize_thread __no_sanitize_undefined __noinitretpoline __naked __irq_entry
__softirq_entry __wsum __cacheline_aligned ____cacheline_aligned
____cacheline_aligned_in_smp __cacheline_aligned_in_smp __page_aligned_data
__page_aligned_bss __lockfunc __meminit __meminitdata __devinit __devexit __net_init
__net_exit __net_initdata __mustcheck __iomem_dummy __no_profile __noclone
__no_stack_protector __always_inline_dummy __nostackprotector __retain
__cold_dummy __sched_dummy __printf_dummy __user_dummy __must_be_array_dummy
""".split())
# Function-like (the parenthesised argument is blanked with them):
FALLBACK_FUNCTION_ATTRS = frozenset("""
__printf __scanf __aligned __section __alloc_size __realloc_size __acquires
__releases __must_hold __cond_acquires __cond_releases __acquire __release
__counted_by __counted_by_le __counted_by_be __diag __attribute_used_by
__assume_aligned __nonnull __alias __copy __cleanup __malloc_like __access
__BTF_TYPE_TAG BTF_TYPE_TAG __no_sanitize __symver __acquires_shared
__releases_shared __must_hold_shared __guarded_by __pt_guarded_by
""".split())

# Keywords that attribute-macro bodies may contain but that must never be blanked.
_KEYWORDS = frozenset({"inline", "__inline", "__inline__", "static", "extern", "const",
                       "volatile", "restrict", "__restrict", "__restrict__", "signed",
                       "unsigned", "int", "void", "char", "long", "short", "__attribute__",
                       "__attribute", "do", "while", "if"})


def make_parser() -> ts.Parser:
    return ts.Parser(_LANGUAGE)


_per_thread = threading.local()


def thread_parser() -> ts.Parser:
    """This thread's parser. A tree-sitter parser must never be shared between
    threads (`kbridge matrix -j2` bridges in threads; one shared cached parser
    crashed tree-sitter-c with a segmentation fault)."""
    parser = getattr(_per_thread, "parser", None)
    if parser is None:
        parser = _per_thread.parser = make_parser()
    return parser


# tree-sitter-c 0.24.2 loops forever, allocating, on some malformed inputs
# (bench/bench_fuzz_scan.py found ``a[|y(0&2<*3=3>0]%9[6<>8;``). tree-sitter
# 0.26's binding can cancel a parse that reads its source through a callback:
# the progress callback runs every few thousand parser steps and returning
# True stops the parse (measured: the loop above ends within the deadline;
# the callback route costs ~10% on a large header). Every parse of input kbridge
# did not write goes through parse_bounded.
PARSE_TIMEOUT_ENV = "KBRIDGE_PARSE_TIMEOUT"
DEFAULT_PARSE_TIMEOUT = 60.0      # seconds per file; the largest kernel header takes ~0.1 s


class ParserTimeout(KbridgeError):
    """tree-sitter-c did not finish on the given source within the deadline."""


def parse_timeout() -> float:
    raw = os.environ.get(PARSE_TIMEOUT_ENV)
    try:
        value = float(raw) if raw else DEFAULT_PARSE_TIMEOUT
    except ValueError:
        raise KbridgeError(f"{PARSE_TIMEOUT_ENV}={raw!r} is not a number of seconds") from None
    return value if value > 0 else DEFAULT_PARSE_TIMEOUT


def parse_bounded(parser: ts.Parser, src: bytes, what: str = "", seconds: float | None = None) -> ts.Tree:
    """``parser.parse(src)`` that gives up after *seconds* (default: parse_timeout()).

    Raises :class:`ParserTimeout` (one line naming *what*) instead of hanging.
    """
    limit = parse_timeout() if seconds is None else seconds
    deadline = time.monotonic() + limit
    view = memoryview(src)

    def read(offset: int, _point: object) -> bytes:
        return bytes(view[offset:offset + 65536])

    try:
        return parser.parse(read, progress_callback=lambda _off, _err: time.monotonic() > deadline)
    except ValueError:          # the binding's "Parsing failed": the callback cancelled it
        parser.reset()
        if time.monotonic() <= deadline:
            raise
        raise ParserTimeout(f"{what or 'input'}: the C parser (tree-sitter-c) did not finish within "
                            f"{limit:g} s; the source is not C it can read") from None


# --------------------------------------------------------------------------- lexing

# The lexer behind blank_attributes. Leftmost-match semantics make it a lexer:
# a comment, string, character literal or preprocessor line is consumed whole
# (group "skip"), so an attribute name is only ever matched in code.
_SKIP = (rb"/\*.*?(?:\*/|\Z)"                      # /* comment */ (possibly unterminated)
         rb"|//[^\n]*"                              # // comment
         rb'|"(?:\\.|[^"\\\n])*"?'                # "string"
         rb"|'(?:\\.|[^'\\\n])*'?"                # 'c'
         rb"|^[ \t]*\#(?:\\\r?\n|/\*.*?(?:\*/|\Z)|[^\n])*")  # directive + continuations


# Macros that declare struct members, rewritten in place (same length, same newlines) so
# that tree-sitter sees the member they declare:
#   struct_group(NAME, MEMBERS...) and friends  -> MEMBERS... (flattened into the parent,
#                                                  as C code accesses them; NAME is dropped)
#   DECLARE_BITMAP(name, bits)                  -> unsigned long name[bits]
#   DECLARE_FLEX_ARRAY(TYPE, name)              -> TYPE name[]
#   __bpf_md_ptr(TYPE, name)                    -> TYPE name
#   DEFINE_SNMP_STAT(TYPE, name)                -> TYPE *name
#   __SYSFS_FUNCTION_ALTERNATIVE(MEMBERS...)    -> MEMBERS... (7.x <linux/sysfs.h>: an
#                                                  anonymous struct or union, no name to
#                                                  drop; it wraps device_attribute.show/store,
#                                                  attribute_group.is_visible, kobj_attribute)
# The value is how many leading arguments are not members (the group's names).
_GROUPS = {b"struct_group": 1, b"struct_group_attr": 2, b"struct_group_tagged": 2, b"__struct_group": 3,
           b"__SYSFS_FUNCTION_ALTERNATIVE": 0}
_MEMBER_MACROS = tuple(_GROUPS) + (b"DECLARE_BITMAP", b"DECLARE_FLEX_ARRAY", b"__DECLARE_FLEX_ARRAY",
                                   b"__bpf_md_ptr", b"DEFINE_SNMP_STAT")


def _top_level_args(src: bytes, open_idx: int) -> tuple[list[tuple[int, int]], int] | None:
    """(start, end) of each top-level argument of the call whose '(' is at *open_idx*, and the
    index of its ')'; None when unbalanced."""
    depth = 0
    args: list[tuple[int, int]] = []
    start = open_idx + 1
    for k in range(open_idx, len(src)):
        ch = src[k]
        if ch in (40, 91, 123):      # ( [ {
            depth += 1
        elif ch in (41, 93, 125):    # ) ] }
            depth -= 1
            if depth == 0:
                args.append((start, k))
                return args, k
        elif ch == 44 and depth == 1:
            args.append((start, k))
            start = k + 1
    return None


def _spaces(out: bytearray, i: int, j: int) -> None:
    for q in range(i, j):
        if out[q] != 10:
            out[q] = 32


def _rewrite_member_macro(src: bytes, out: bytearray, i: int, name: bytes) -> None:
    k = i + len(name)
    while k < len(src) and src[k] in (32, 9):
        k += 1
    if k >= len(src) or src[k] != 40:
        return
    found = _top_level_args(src, k)
    if found is None:
        return
    args, close = found
    if name in _GROUPS:
        drop = _GROUPS[name]
        if len(args) <= drop:
            return
        _spaces(out, i, args[drop][0])
        _spaces(out, close, close + 1)
        nxt = close + 1
        while nxt < len(src) and src[nxt] in (32, 9, 10):
            nxt += 1
        if nxt < len(src) and src[nxt] == 59:     # the ';' after the group
            _spaces(out, nxt, nxt + 1)
        return
    if len(args) != 2:
        return
    comma = args[0][1]
    if name == b"DECLARE_BITMAP":
        _spaces(out, i, k + 1)
        out[i:i + 13] = b"unsigned long"
        out[comma] = 91    # [
        out[close] = 93    # ]
    elif name in (b"DECLARE_FLEX_ARRAY", b"__DECLARE_FLEX_ARRAY"):
        member = src[args[1][0]:args[1][1]].strip()
        region = src[comma:close + 1]
        if b"\n" in region or not member:
            return
        _spaces(out, i, k + 1)
        new = member + b"[]"
        out[comma:close + 1] = b" " * (len(region) - len(new)) + new
    elif name == b"__bpf_md_ptr":
        _spaces(out, i, k + 1)
        out[comma] = 32
        out[close] = 32
    elif name == b"DEFINE_SNMP_STAT":
        _spaces(out, i, k + 1)
        out[comma] = 42    # *
        out[close] = 32


class _Blanker:
    """Compiled lexer for one set of attribute macro names (plus the member macros above)."""

    def __init__(self, obj_attrs: frozenset[str] | set[str], fn_attrs: frozenset[str] | set[str]) -> None:
        import re  # lexing only: comments, literals, directive lines and whole identifiers
        names = sorted(set(obj_attrs) | set(fn_attrs), key=lambda n: (-len(n), n))
        self.fn = {n.encode() for n in fn_attrs}
        alt = b"|".join(re.escape(n.encode()) for n in names) or b"(?!x)x"
        members = b"|".join(re.escape(n) for n in sorted(_MEMBER_MACROS, key=lambda n: (-len(n), n)))
        self.pattern = re.compile(rb"(?P<skip>" + _SKIP + rb")|(?<![A-Za-z0-9_])(?:(?P<member>" + members +
                                  rb")|(?P<attr>" + alt + rb"))(?![A-Za-z0-9_])", re.S | re.M)

    def __call__(self, src: bytes) -> bytes:
        out: bytearray | None = None
        n = len(src)
        for m in self.pattern.finditer(src):
            if m.lastgroup == "member":
                if out is None:
                    out = bytearray(src)
                _rewrite_member_macro(src, out, m.start(), m.group("member"))
                continue
            if m.lastgroup != "attr":
                continue
            if out is None:
                out = bytearray(src)
            i, j = m.span()
            if m.group("attr") in self.fn:
                k = j
                while k < n and src[k] in (32, 9):
                    k += 1
                if k < n and src[k] == 40:  # '(' : blank through the matching ')'
                    depth = 0
                    while k < n:
                        ch = src[k]
                        if ch == 40:
                            depth += 1
                        elif ch == 41:
                            depth -= 1
                            if depth == 0:
                                break
                        k += 1
                    j = min(k + 1, n)
            for q in range(i, j):
                if out[q] != 10:
                    out[q] = 32
        return src if out is None else bytes(out)


def blank_attributes(src: bytes, obj_attrs: frozenset[str] | set[str],
                     fn_attrs: frozenset[str] | set[str]) -> bytes:
    """*src* with attribute-macro uses replaced by spaces (newlines kept, so offsets hold).

    Comments, string and character literals and preprocessor directive lines
    (a macro body is opaque to tree-sitter anyway) are left alone. A function-
    like attribute is blanked together with its balanced parenthesised argument.
    """
    return _Blanker(obj_attrs, fn_attrs)(src)


def harvest_attribute_macros(sources: Iterable[bytes]) -> tuple[frozenset[str], frozenset[str]]:
    """Attribute macros defined in *sources* (the tree's compiler/linkage headers).

    A macro is an attribute macro when its body, in any of its definitions, is
    empty, starts with ``__attribute__``, or consists only of attribute macros
    and the keyword ``inline`` (iterated to a fixed point, so ``__always_inline``
    = ``inline __attribute__((...))`` and ``__cold`` = ``__attribute__((__cold__))``
    both qualify). Returns (object-like, function-like) name sets, fallbacks
    included.
    """
    parser = make_parser()
    defs: dict[str, tuple[bool, list[list[str]]]] = {}
    for src in sources:
        tree = parser.parse(src)
        for node in _iter_nodes(tree.root_node, {"preproc_def", "preproc_function_def"}):
            name_node = node.child_by_field_name("name")
            if name_node is None:
                continue
            name = _text(src, name_node)
            value = node.child_by_field_name("value")
            body = _text(src, value).replace("\\\n", " ") if value is not None else ""
            words = _body_words(body)
            fn_like = node.type == "preproc_function_def"
            entry = defs.setdefault(name, (fn_like, []))
            entry[1].append(words)
    obj: set[str] = set(FALLBACK_OBJECT_ATTRS)
    fn: set[str] = set(FALLBACK_FUNCTION_ATTRS)
    changed = True
    while changed:
        changed = False
        for name, (fn_like, bodies) in defs.items():
            if name in obj or name in fn or name in _KEYWORDS or not name.startswith("_") and \
                    name not in ("notrace", "noinline", "noinstr", "asmlinkage"):
                continue
            if any(_is_attr_body(words, obj, fn) for words in bodies):
                (fn if fn_like else obj).add(name)
                changed = True
    return frozenset(obj - _KEYWORDS), frozenset(fn - _KEYWORDS)


def _body_words(body: str) -> list[str]:
    """The identifiers of a macro body, with '(' marking a call; '?' for anything else."""
    words: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch.isspace():
            i += 1
        elif ch == "_" or ch.isalpha():
            j = i + 1
            while j < n and (body[j] == "_" or body[j].isalnum()):
                j += 1
            words.append(body[i:j])
            i = j
        elif ch == "(":
            # skip the balanced argument list: attribute arguments are free-form
            depth = 0
            j = i
            while j < n:
                if body[j] == "(":
                    depth += 1
                elif body[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            words.append("()")
            i = j + 1
        else:
            words.append("?")
            i += 1
    return words


def _is_attr_body(words: list[str], obj: set[str], fn: set[str]) -> bool:
    if not words:
        return True
    if words[0] in ("__attribute__", "__attribute") and all(w != "?" for w in words):
        return True
    i = 0
    seen_attr = False
    while i < len(words):
        w = words[i]
        if w == "inline":
            i += 1
        elif w in obj:
            seen_attr = True
            i += 1
        elif w in fn or w in ("__attribute__", "__attribute"):
            seen_attr = True
            i += 2 if i + 1 < len(words) and words[i + 1] == "()" else 1
        else:
            return False
    return seen_attr


# ---------------------------------------------------------------- config conditions

@dataclass
class CondEval:
    """Three-valued evaluation of ``#if`` expressions against a kernel .config.

    *config* maps CONFIG_X to its value ("y", "m", a number or string); when
    *known* is False (a bare tree with no .config) every CONFIG_ symbol is
    unknown. Out-of-tree modules are compiled with __KERNEL__ and MODULE
    defined and without __ASSEMBLY__; other identifiers are unknown.

    The one tree-sitter ``#if`` evaluator: the index evaluates a tree's headers
    with it, and ``kbridge check`` evaluates a driver's conditions for a target
    kernel with *version* (LINUX_VERSION_CODE of that kernel; then KERNEL_VERSION(a,
    b, c) is the kernel's own arithmetic, :mod:`kbridge.facts.kversion`)
    and *macros* (does the kernel's headers define NAME? answers ``defined``
    for any other name).

    Built on the unifdef-faithful evaluator's semantics: ``!``, ``&&``, ``||``
    and the comparisons are :mod:`kbridge.facts.ifexpr`'s, which
    prune (actions/prune.py) evaluates with too (a value here is its
    one-point interval), so the two agree wherever both decide
    (tests/test_ifexpr.py checks it). What stays two front ends, and why
    (merging them would change what one of them answers):

    * the grammar: unifdef knows integers, symbols, ``defined``, ``!``, the
      comparisons, ``&&``, ``||`` and parentheses, and anything else makes the
      whole line unknown and kept verbatim -- prune must do the same to match
      unifdef byte for byte; the kernel's headers, which the index reads with
      this class, need C's arithmetic (``__GNUC__ * 10000 + ...``), unary ``-``
      and ``~``, ``?:``, suffixed literals (``1UL``) and IS_ENABLED(CONFIG_X),
      which unifdef's grammar refuses;
    * the input: prune lexes raw lines as unifdef does (comments and
      continuations inside a directive, "dodgy" lines, ``#if 0`` left alone
      as an output policy); this class is handed tree-sitter expression nodes
      of a file the index or the scanner has parsed anyway;
    * the symbols: prune's are -D/-U values and intervals of kernel versions;
      here a .config (y/m/n, ``defined(CONFIG_X_MODULE)``), the kernel's fixed
      macros and the index's macro table;
    """

    config: dict[str, str] = field(default_factory=dict)
    known: bool = False
    arch_bits: int = 64
    version: int | None = None
    macros: Any = None          # Callable[[str], bool] | None

    def __post_init__(self) -> None:
        self._fixed = self._fixed_symbols()

    def fixed(self) -> dict[str, int | None]:
        return self._fixed

    def _compiler(self) -> tuple[int, int, int]:
        """__GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__ of the compiler that built the tree.

        Kconfig records it (CONFIG_GCC_VERSION = major*10000 + minor*100 + patch, in
        every series the table knows: 5.10's tree, built by gcc-10, says 100201; 7.x's,
        by gcc-16, 160200), so the target's own value answers a header's
        ``#if __GNUC__ ...``, not the host's compiler. Without a .config (or a
        clang-built tree) the answer stays the host series' gcc-12, as before."""
        raw = self.config.get("CONFIG_GCC_VERSION") if self.known else None
        try:
            v = int(raw, 0) if raw else 0
        except ValueError:
            v = 0
        if v <= 0:
            return 12, 2, 0
        return v // 10000, v // 100 % 100, v % 100

    def _fixed_symbols(self) -> dict[str, int | None]:
        major, minor, patch = self._compiler()
        return {"__GNUC_MINOR__": minor, "__GNUC_PATCHLEVEL__": patch,
                "__KERNEL__": 1, "MODULE": 1, "__ASSEMBLY__": 0, "__CHECKER__": 0,
                "__GENKSYMS__": 0, "__cplusplus": 0, "__x86_64__": 1 if self.arch_bits == 64 else 0,
                "__i386__": 0 if self.arch_bits == 64 else 1, "BITS_PER_LONG": self.arch_bits,
                "__BITS_PER_LONG": self.arch_bits, "__GNUC__": major, "__DISABLE_EXPORTS": 0,
                "__KBUILD_MODNAME": None, "__BPF_TRACING__": 0, "__BPF__": 0,
                "__clang__": 0, "CONFIG_64BIT": 1 if self.arch_bits == 64 else 0}

    def symbol(self, name: str) -> int | None:
        """Value of a bare identifier in an #if (0 when known to be undefined)."""
        if name.startswith("CONFIG_"):
            if not self.known:
                return None
            v = self.config.get(name)
            if v is None or v == "n":
                return 0
            if v in ("y", "m"):
                return 1
            try:
                return int(v, 0)
            except ValueError:
                return 1
        if name == VERSION_SYMBOL and self.version is not None:
            return self.version
        return self.fixed().get(name)

    def defined(self, name: str) -> int | None:
        if name.startswith("CONFIG_"):
            if not self.known:
                return None
            if name.endswith("_MODULE") and self.config.get(name[:-7]) == "m":
                return 1
            v = self.config.get(name)
            return 1 if v is not None and v != "n" and v != "m" else 0
        fixed = self.fixed()
        if name in fixed:
            return 0 if fixed[name] in (0, None) and name not in ("BITS_PER_LONG", "__BITS_PER_LONG",
                                                                  "__GNUC__", "__GNUC_MINOR__",
                                                                  "__GNUC_PATCHLEVEL__") else 1
        if name == VERSION_SYMBOL and self.version is not None:
            return 1
        if self.macros is not None:
            # the driver's own macros are answered by the scanner before asking here
            return 1 if self.macros(name) else 0
        return None

    def tristate(self, name: str) -> str | None:
        if not name.startswith("CONFIG_") or not self.known:
            return None
        v = self.config.get(name)
        return v if v in ("y", "m") else "n"

    def eval(self, node: ts.Node | None, src: bytes) -> int | None:
        """Value of a preprocessor expression node; None when it cannot be known."""
        if node is None:
            return None
        t = node.type
        if t == "number_literal":
            return ifexpr.c_integer(_text(src, node))
        if t == "identifier":
            return self.symbol(_text(src, node))
        if t == "preproc_defined":
            ids = [c for c in node.named_children if c.type == "identifier"]
            return self.defined(_text(src, ids[0])) if ids else None
        if t == "parenthesized_expression":
            inner = [c for c in node.named_children if c.type != "comment"]
            return self.eval(inner[0], src) if inner else None
        if t == "call_expression":
            fn = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if fn is None or args is None:
                return None
            name = _text(src, fn)
            argv = [c for c in args.named_children if c.type != "comment"]
            if name in ("IS_ENABLED", "IS_BUILTIN", "IS_MODULE", "IS_REACHABLE") and len(argv) == 1 \
                    and argv[0].type == "identifier":
                state = self.tristate(_text(src, argv[0]))
                if state is None:
                    return None
                if name == "IS_BUILTIN":
                    return int(state == "y")
                if name == "IS_MODULE":
                    return int(state == "m")
                return int(state in ("y", "m"))   # IS_ENABLED; IS_REACHABLE from a module
            if name == "defined" and len(argv) == 1 and argv[0].type == "identifier":
                return self.defined(_text(src, argv[0]))
            if name == VERSION_MACRO and len(argv) == 3 and self.version is not None:
                a, b, c = (ifexpr.c_integer(_text(src, n)) for n in argv)
                if a is None or b is None or c is None:
                    return None
                return kernel_version(a, b, c)
            return None
        if t == "unary_expression":
            op = node.child_by_field_name("operator")
            arg = node.child_by_field_name("argument")
            v = self.eval(arg, src)
            if v is None or op is None:
                return None
            o = op.type
            if o == "!":
                return ifexpr.point(ifexpr.negate(ifexpr.value(v)))
            return -v if o == "-" else ~v if o == "~" else v
        if t == "binary_expression":
            op_node = node.child_by_field_name("operator")
            op = op_node.type if op_node is not None else ""
            left = self.eval(node.child_by_field_name("left"), src)
            if op in ifexpr.LOGICAL or op in ifexpr.COMPARISONS:
                # the operators unifdef knows mean what they mean to prune (kbridge.facts.ifexpr)
                lv = _operand(left)
                if (op, lv[0]) in (("&&", ifexpr.LT_FALSE), ("||", ifexpr.LT_TRUE)):
                    return int(op == "||")      # decided: the right side is not read
                right = self.eval(node.child_by_field_name("right"), src)
                return ifexpr.point(ifexpr.apply(op, lv, _operand(right)))
            right = self.eval(node.child_by_field_name("right"), src)
            if left is None or right is None:
                return None
            try:
                return _BINOPS[op](left, right)
            except (KeyError, ZeroDivisionError, ValueError, OverflowError):
                return None
        if t == "conditional_expression":
            c = self.eval(node.child_by_field_name("condition"), src)
            if c is None:
                return None
            return self.eval(node.child_by_field_name("consequence" if c else "alternative"), src)
        return None


# tree-sitter's preprocessor conditionals, as the readers that walk C files see them:
# which branch a kernel compiles (the scan of a driver for one target, the compat object's
# read of the kernel's own .c file) -- one answer for both.
CONDITIONAL_TYPES = ("preproc_ifdef", "preproc_if", "preproc_elif", "preproc_elifdef")


def branch_value(cond: Any, node: ts.Node, src: bytes, own: Container[str] = ()) -> int | None:
    """1/0 when *cond* (``eval(node, src)`` / ``defined(name)``, like :class:`CondEval`)
    knows the condition of the #if/#ifdef/#elif *node*, else None. A condition naming one
    of *own* (the file's own macros: where it defines them decides, not the kernel) is
    unknown; an evaluator's exception is unknown, never a crash of the reader."""
    if cond is None:
        return None
    try:
        if node.type in ("preproc_ifdef", "preproc_elifdef"):
            name = node.child_by_field_name("name")
            if name is None or _text(src, name) in own:
                return None
            v = cond.defined(_text(src, name))
            if v is None:
                return None
            negate = any(c.type in ("#ifndef", "#elifndef") for c in node.children)
            return int(not v) if negate else int(bool(v))
        condition = node.child_by_field_name("condition")
        if condition is not None and any(n.type == "identifier" and _text(src, n) in own
                                         for n in _iter_nodes(condition, {"identifier"})):
            return None
        v = cond.eval(condition, src)
        return None if v is None else int(bool(v))
    except Exception:
        return None


def branch_parts(node: ts.Node) -> tuple[list[ts.Node], ts.Node | None]:
    """(the nodes a conditional *node* guards, its #elif/#else node or None)."""
    body, alt = [], None
    for i, c in enumerate(node.named_children):
        fname = node.field_name_for_named_child(i)
        if fname == "alternative":
            alt = c
        elif fname not in ("condition", "name"):
            body.append(c)
    return body, alt


def _operand(v: int | None) -> ifexpr.Val:
    return (ifexpr.LT_IF, None) if v is None else ifexpr.value(v)


# C's arithmetic, which unifdef's grammar (and so prune) does not have
_BINOPS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a // b, "%": lambda a, b: a % b, "&": lambda a, b: a & b,
    "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
    "<<": lambda a, b: a << b if 0 <= b < 256 else None,
    ">>": lambda a, b: a >> b if 0 <= b < 256 else None,
}


def read_config(text: str) -> dict[str, str]:
    """CONFIG_X -> "y"/"m"/value from a .config (``CONFIG_X=y`` lines; Kconfig's own format)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("CONFIG_") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip().strip('"')
    return out


# --------------------------------------------------------------------- declarations

@dataclass
class Cond:
    """The #if conditions a declaration sits under: source text and evaluation."""

    texts: tuple[str, ...] = ()
    value: int | None = 1   # 1 active, 0 inactive, None unknown

    def push(self, text: str, value: int | None) -> Cond:
        if self.value == 0 or value == 0:
            v: int | None = 0
        elif self.value is None or value is None:
            v = None
        else:
            v = 1
        return Cond(self.texts + (text,), v)

    @property
    def text(self) -> str | None:
        return " && ".join(self.texts) if self.texts else None

    @property
    def active(self) -> int | None:
        return self.value


@dataclass
class ParsedHeader:
    """Rows for one header: lists of tuples in the index's column order."""

    functions: list[tuple] = field(default_factory=list)
    macros: list[tuple] = field(default_factory=list)
    structs: list[tuple] = field(default_factory=list)     # (name, kind, line, cond, active, members)
    enums: list[tuple] = field(default_factory=list)       # (name, line, cond, active, constants)
    typedefs: list[tuple] = field(default_factory=list)
    exports: list[tuple] = field(default_factory=list)
    problems: list[tuple] = field(default_factory=list)    # (line, kind, snippet)
    guards: list[str] = field(default_factory=list)        # include-guard macro names
    stats: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n


_NO_SPACE_AFTER = {"(", "[", "~", "!", "*"}
_NO_SPACE_BEFORE = {")", "]", ",", "[", ";"}


def join_tokens(tokens: Iterable[str]) -> str:
    """Canonical spelling of a token sequence: ``struct bar *``, ``void (*)(int)``."""
    out = ""
    prev = ""
    for tok in tokens:
        if not out:
            out = tok
        elif prev in _NO_SPACE_AFTER or tok in _NO_SPACE_BEFORE or (tok == "(" and prev == ")"):
            out += tok
        else:
            out += " " + tok
        prev = tok
    return out


def _text(src: bytes, node: ts.Node) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _flat(src: bytes, start: int, end: int) -> str:
    """Source text between two offsets on one line (whitespace runs collapsed): for display."""
    return " ".join(src[start:end].decode("utf-8", "replace").split())


def _iter_nodes(root: ts.Node, types: set[str]) -> Iterator[ts.Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in types:
            yield node
        stack.extend(reversed(node.children))


_SKIP_LEAVES = {"comment", "attribute_specifier", "attribute_declaration", "ms_declspec_modifier",
                "storage_class_specifier"}


def _leaves(src: bytes, node: ts.Node, skip: ts.Node | None = None,
            out: list[str] | None = None, canonical: bool = False) -> list[str]:
    """Token texts of *node*, leaving out *skip* (the declared name) and attributes.

    With *canonical*, the spelling used to compare types across kernels: names
    of parameters inside function-pointer types are dropped, and ``int`` is
    dropped from sized types (``unsigned int`` = ``unsigned``, ``long int`` = ``long``).
    """
    if out is None:
        out = []
    skips: set[tuple[int, int, str]] = set()
    if skip is not None:
        skips.add((skip.start_byte, skip.end_byte, skip.type))
    stack = [node]
    while stack:
        n = stack.pop()
        if skips and (n.start_byte, n.end_byte, n.type) in skips:
            continue
        t = n.type
        if t in _SKIP_LEAVES or t == "ERROR":
            continue
        if t in ("field_declaration_list", "enumerator_list"):
            out.append("{...}")
            continue
        if canonical and t == "parameter_declaration":
            pname = declared_name(n.child_by_field_name("declarator"))
            if pname is not None:
                skips.add((pname.start_byte, pname.end_byte, pname.type))
        if canonical and t == "sized_type_specifier":
            toks = [_text(src, c) for c in n.children if c.type not in _SKIP_LEAVES]
            if len(toks) > 1 and "int" in toks:
                toks.remove("int")
            out.extend(toks)
            continue
        if n.child_count == 0 or t in ("string_literal", "number_literal", "char_literal"):
            text = _text(src, n)
            if text:
                out.append(text)
            continue
        stack.extend(reversed(n.children))
    return out


_NAME_TYPES = {"identifier", "field_identifier", "type_identifier"}


def declared_name(node: ts.Node | None) -> ts.Node | None:
    """The identifier a declarator declares (through pointers, arrays, parentheses)."""
    while node is not None:
        if node.type in _NAME_TYPES:
            # tree-sitter's error recovery inserts zero-width MISSING identifiers
            return None if node.is_missing or node.start_byte == node.end_byte else node
        nxt = node.child_by_field_name("declarator")
        if nxt is None:
            # parenthesized_declarator has no field name; take its named child
            named = [c for c in node.named_children if c.type not in ("comment", "attribute_specifier")]
            nxt = named[0] if node.type == "parenthesized_declarator" and named else None
        node = nxt
    return None


def _function_declarator(node: ts.Node | None) -> tuple[ts.Node | None, int]:
    """The function_declarator under a declaration's declarator, and the pointer depth above it."""
    depth = 0
    while node is not None:
        if node.type == "function_declarator":
            inner = node.child_by_field_name("declarator")
            # `int (*fp)(void)` declares a pointer variable, not a function
            if inner is not None and inner.type == "parenthesized_declarator":
                sub = [c for c in inner.named_children if c.type != "comment"]
                if sub and sub[0].type == "pointer_declarator":
                    return None, 0
            return node, depth
        if node.type == "pointer_declarator":
            depth += 1
        elif node.type not in ("parenthesized_declarator", "attributed_declarator"):
            return None, 0
        nxt = node.child_by_field_name("declarator")
        if nxt is None:
            named = [c for c in node.named_children if c.type not in ("comment", "attribute_specifier")]
            nxt = named[0] if named else None
        node = nxt
    return None, 0


class HeaderParser:
    """Parses headers into :class:`ParsedHeader` rows. One per process (holds a parser)."""

    def __init__(self, evaluator: CondEval, obj_attrs: frozenset[str] = FALLBACK_OBJECT_ATTRS,
                 fn_attrs: frozenset[str] = FALLBACK_FUNCTION_ATTRS) -> None:
        self.parser = make_parser()
        self.ev = evaluator
        self.blank = _Blanker(obj_attrs, fn_attrs)

    def parse(self, raw: bytes) -> ParsedHeader:
        """All declarations of one header. Never raises on any input bytes."""
        out = ParsedHeader()
        try:
            src = self.blank(raw)
            tree = parse_bounded(self.parser, src)
            self._raw = raw
            self._src = src
            self._out = out
            self._walk(tree.root_node, Cond(), top=True)
        except RecursionError:
            out.problems.append((1, "too_deep", ""))
            out.count("problem")
        except ParserTimeout:
            out.problems.append((1, "parser_timeout", ""))
            out.count("problem")
        return out

    # -- helpers
    def _problem(self, node: ts.Node, kind: str) -> None:
        snippet = _text(self._src, node)[:80].replace("\n", " ")
        self._out.problems.append((node.start_point[0] + 1, kind, snippet))
        self._out.count("problem")

    def _clause(self, node: ts.Node) -> tuple[str, int | None]:
        """(text, value) of the condition that opens an #if/#ifdef/#elif node."""
        src = self._src
        t = node.type
        if t in ("preproc_ifdef", "preproc_elifdef"):
            name = node.child_by_field_name("name")
            negate = node.children[0].type in ("#ifndef", "#elifndef")
            ident = _text(src, name) if name is not None else "?"
            v = self.ev.defined(ident)
            if negate:
                return f"!defined({ident})", (None if v is None else int(not v))
            return f"defined({ident})", v
        cond = node.child_by_field_name("condition")
        if cond is None:
            return "?", None
        text = " ".join(_text(src, cond).replace("\\\n", " ").split())
        return text, self.ev.eval(cond, src)

    @staticmethod
    def _negate(text: str, value: int | None) -> tuple[str, int | None]:
        return f"!({text})", (None if value is None else int(not value))

    def _conditional(self, node: ts.Node, cond: Cond, handler: Any) -> None:
        """Walk an #if/#ifdef node and its #elif/#else chain, calling *handler* on bodies."""
        out = self._out
        src = self._src
        # include guard: `#ifndef X` whose first item is `#define X`
        if node.type == "preproc_ifdef" and node.children[0].type == "#ifndef" and not cond.texts:
            name = node.child_by_field_name("name")
            body = [c for c in node.named_children if c.type != "comment" and c != name]
            if name is not None and body and body[0].type == "preproc_def":
                dn = body[0].child_by_field_name("name")
                if dn is not None and _text(src, dn) == _text(src, name):
                    out.guards.append(_text(src, name))
                    handler(node, cond, skip_fields=True)
                    alt = node.child_by_field_name("alternative")
                    if alt is not None:
                        handler(alt, cond.push(*self._negate(f"defined({_text(src, name)})", 0)),
                                skip_fields=True)
                    return
        negs: list[tuple[str, int | None]] = []
        cur: ts.Node | None = node
        while cur is not None:
            base = cond
            for text, value in negs:
                base = base.push(text, value)
            if cur.type == "preproc_else":
                handler(cur, base, skip_fields=True)
                break
            text, value = self._clause(cur)
            out.count("conditional")
            handler(cur, base.push(text, value), skip_fields=True)
            negs.append(self._negate(text, value))
            cur = cur.child_by_field_name("alternative")

    def _body_children(self, node: ts.Node) -> list[ts.Node]:
        skip = {node.child_by_field_name(f) for f in ("name", "condition", "alternative")}
        skip.discard(None)
        ids = {(n.start_byte, n.end_byte, n.type) for n in skip if n is not None}
        return [c for c in node.children if (c.start_byte, c.end_byte, c.type) not in ids]

    # -- top level
    def _walk(self, node: ts.Node, cond: Cond, top: bool = False, skip_fields: bool = False) -> None:
        children = self._body_children(node) if skip_fields else node.children
        for child in children:
            self._item(child, cond)

    def _item(self, node: ts.Node, cond: Cond) -> None:
        t = node.type
        out = self._out
        if t in ("preproc_if", "preproc_ifdef"):
            self._conditional(node, cond, self._walk)
        elif t == "preproc_def" or t == "preproc_function_def":
            self._macro(node, cond)
        elif t == "declaration":
            self._declaration(node, cond)
        elif t == "function_definition":
            self._function(node, node.child_by_field_name("declarator"), cond, definition=True)
        elif t in ("struct_specifier", "union_specifier", "enum_specifier"):
            self._type_specifier(node, cond)
        elif t == "type_definition":
            self._typedef(node, cond)
        elif t == "expression_statement":
            # A file-scope macro call (DECLARE_PER_CPU(...); or an X-macro list entry
            # such as __SYSCALL(...) without a semicolon): what it declares is unknown.
            out.count("macro_invocation")
            if node.has_error:
                named = [c for c in node.named_children if c.type != "comment"]
                kind = "unexpanded_macro" if named and named[0].type == "call_expression" else "error"
                self._problem(node, kind)
        elif t == "linkage_specification":
            body = node.child_by_field_name("body")
            if body is not None:
                self._walk(body, cond)
        elif t == "ERROR":
            # Most ERRORs in kernel headers are X-macro lists without semicolons
            # (__SYSCALL(...) tables, TRACE_EVENT(...), LSM_HOOK(...)): counted apart.
            named = [c for c in node.named_children if c.type != "comment"]
            first = named[0] if named else None
            if first is not None and (first.type in ("call_expression", "macro_type_specifier") or (
                    first.type == "identifier" and first.next_sibling is not None
                    and first.next_sibling.type in ("(", "argument_list"))):
                self._problem(node, "unexpanded_macro")
            else:
                self._problem(node, "error")
            self._walk(node, cond)          # recover what tree-sitter could still read
        elif t in ("comment", "preproc_include", "preproc_call", ";", "#if", "#ifdef", "#ifndef",
                   "#else", "#elif", "#endif", "preproc_else", "preproc_elif"):
            return
        elif node.is_named:
            out.count("other_" + t)

    def _macro(self, node: ts.Node, cond: Cond) -> None:
        name_node = node.child_by_field_name("name")
        if name_node is None or name_node.is_missing or name_node.start_byte == name_node.end_byte:
            return
        name = _text(self._src, name_node)
        value = node.child_by_field_name("value")
        body = " ".join(_text(self._raw, value).replace("\\\n", " ").split()) if value is not None else ""
        params: list[str] | None = None
        variadic = False
        if node.type == "preproc_function_def":
            params = []
            plist = node.child_by_field_name("parameters")
            if plist is not None:
                for c in plist.children:
                    if c.type == "identifier":
                        params.append(_text(self._src, c))
                    elif c.type == "...":
                        variadic = True
        self._out.macros.append((name, None if params is None else json.dumps(params), int(variadic),
                                 body, node.start_point[0] + 1, cond.text, cond.active))
        self._out.count("macro")

    def _declaration(self, node: ts.Node, cond: Cond) -> None:
        type_node = node.child_by_field_name("type")
        if type_node is not None and type_node.type in ("struct_specifier", "union_specifier",
                                                        "enum_specifier"):
            self._type_specifier(type_node, cond)
        if node.has_error:
            self._problem(node, "partial_declaration")
        for decl in node.children_by_field_name("declarator"):
            if decl.type == "init_declarator":
                continue  # a variable with an initializer
            fdecl, _ = _function_declarator(decl)
            if fdecl is not None:
                self._function(node, decl, cond, definition=False)
            else:
                self._out.count("variable")

    def _prefix_tokens(self, node: ts.Node, stop: ts.Node | None, canonical: bool = False) -> list[str]:
        """Type tokens of a declaration: every child before its first declarator."""
        toks: list[str] = []
        for c in node.children:
            if stop is not None and c.start_byte >= stop.start_byte:
                break
            if c.type in _SKIP_LEAVES or c.type in ("comment", "ERROR"):
                continue
            _leaves(self._src, c, out=toks, canonical=canonical)
        return toks

    def _function(self, node: ts.Node, decl: ts.Node | None, cond: Cond, definition: bool) -> None:
        src = self._src
        fdecl, depth = _function_declarator(decl)
        if fdecl is None:
            if definition:
                self._problem(node, "unparsed_function")
            return
        name_node = declared_name(fdecl.child_by_field_name("declarator"))
        if name_node is None:
            self._problem(node, "unnamed_function")
            return
        name = _text(src, name_node)
        specs = [_text(src, c) for c in node.children if c.type == "storage_class_specifier"]
        inline = definition or "inline" in specs or "__inline" in specs or "__inline__" in specs
        ret = join_tokens(self._prefix_tokens(node, decl, canonical=True) + ["*"] * depth)
        params: list[tuple[str, str]] = []
        variadic = False
        plist = fdecl.child_by_field_name("parameters")
        if plist is not None:
            for p in plist.named_children:
                if p.type == "variadic_parameter":
                    variadic = True
                elif p.type == "parameter_declaration":
                    pd = p.child_by_field_name("declarator")
                    pname = declared_name(pd)
                    ptype = join_tokens(_leaves(src, p, skip=pname, canonical=True))
                    params.append((ptype, _text(src, pname) if pname is not None else ""))
                elif p.type == "ERROR":
                    self._problem(p, "parameter")
                    params.append(("?", ""))
        if len(params) == 1 and params[0] == ("void", ""):
            params = []
        shown = [_flat(src, p.start_byte, p.end_byte) if p.type == "parameter_declaration" else "..."
                 for p in (plist.named_children if plist is not None else [])
                 if p.type in ("parameter_declaration", "variadic_parameter")]
        if shown == ["void"]:
            shown = []
        proto = f"{ret}{'' if ret.endswith('*') else ' '}{name}({', '.join(shown) or 'void'})"
        if inline:
            proto = "static inline " + proto if "static" in specs or definition else "inline " + proto
        self._out.functions.append((name, ret, json.dumps(params), len(params), int(variadic),
                                    int(inline), proto, node.start_point[0] + 1, cond.text, cond.active))
        self._out.count("function")

    def _type_specifier(self, node: ts.Node, cond: Cond, alias: str | None = None) -> None:
        body = node.child_by_field_name("body")
        if body is None:
            return
        name_node = node.child_by_field_name("name")
        name = _text(self._src, name_node) if name_node is not None else alias
        if not name:
            name = alias or None
        if node.type == "enum_specifier":
            consts: list[tuple] = []
            self._enumerators(body, cond, consts)
            self._out.enums.append((name, node.start_point[0] + 1, cond.text, cond.active, consts))
            self._out.count("enum")
            return
        members: list[tuple] = []
        self._fields(body, cond, members)
        if name is None:
            return   # anonymous and not typedef'd: its members belong to the enclosing object
        kind = "union" if node.type == "union_specifier" else "struct"
        self._out.structs.append((name, kind, node.start_point[0] + 1, cond.text, cond.active, members))
        self._out.count(kind)

    def _enumerators(self, body: ts.Node, cond: Cond, consts: list[tuple]) -> None:
        src = self._src
        for c in body.children:
            if c.type == "enumerator":
                n = c.child_by_field_name("name")
                v = c.child_by_field_name("value")
                if n is not None and n.end_byte > n.start_byte:
                    consts.append((_text(src, n),
                                   " ".join(_text(self._raw, v).split()) if v is not None else None,
                                   c.start_point[0] + 1, cond.text, cond.active))
            elif c.type in ("preproc_if", "preproc_ifdef"):
                self._conditional(c, cond, lambda n, cd, skip_fields=False:
                                  self._enumerators_in(n, cd, consts))
            elif c.type == "ERROR":
                self._problem(c, "enumerator")

    def _enumerators_in(self, node: ts.Node, cond: Cond, consts: list[tuple]) -> None:
        fake = _Children(self._body_children(node))
        self._enumerators(fake, cond, consts)  # type: ignore[arg-type]

    def _fields(self, body: Any, cond: Cond, members: list[tuple]) -> None:
        src = self._src
        for c in body.children:
            t = c.type
            if t == "field_declaration":
                if c.has_error:
                    self._problem(c, "member")
                type_node = c.child_by_field_name("type")
                decls = c.children_by_field_name("declarator")
                if type_node is not None and type_node.type in ("struct_specifier", "union_specifier",
                                                                "enum_specifier"):
                    tb = type_node.child_by_field_name("body")
                    if tb is not None and not decls and type_node.child_by_field_name("name") is None:
                        if type_node.type != "enum_specifier":
                            # anonymous struct/union: its members are members of this one
                            self._fields(tb, cond, members)
                            continue
                    self._type_specifier(type_node, cond)
                bits_node = next((x for x in c.children if x.type == "bitfield_clause"), None)
                bits = None
                if bits_node is not None:
                    bits = " ".join(_text(src, bits_node).lstrip(":").split())
                if not decls:
                    if bits_node is None:
                        self._out.count("member_without_name")
                    continue
                prefix = self._prefix_tokens(c, decls[0], canonical=True)
                type_start = type_node.start_byte if type_node is not None else c.start_byte
                shown_prefix = _flat(src, min(type_start, c.start_byte), decls[0].start_byte)
                for nm, mtype, decl in _declarators(src, decls, prefix, shown_prefix):
                    if bits is not None:
                        decl += f" : {bits}"
                    members.append((_text(src, nm), mtype, bits, c.start_point[0] + 1,
                                    cond.text, cond.active, decl))
            elif t in ("preproc_if", "preproc_ifdef"):
                self._conditional(c, cond, lambda n, cd, skip_fields=False:
                                  self._fields(_Children(self._body_children(n)), cd, members))
            elif t == "ERROR":
                self._problem(c, "member")
            elif t == "expression_statement" or t == "macro_type_specifier":
                self._out.count("member_macro")

    def _typedef(self, node: ts.Node, cond: Cond) -> None:
        src = self._src
        type_node = node.child_by_field_name("type")
        decls = node.children_by_field_name("declarator")
        if node.has_error:
            self._problem(node, "partial_typedef")
        first_name = declared_name(decls[0]) if decls else None
        if type_node is not None and type_node.type in ("struct_specifier", "union_specifier",
                                                        "enum_specifier"):
            self._type_specifier(type_node, cond,
                                 alias=_text(src, first_name) if first_name is not None else None)
        if not decls:
            return
        prefix = [t for t in self._prefix_tokens(node, decls[0], canonical=True) if t != "typedef"]
        first = next((c for c in node.children if c.type != "typedef" and c.type != "comment"), decls[0])
        shown_prefix = _flat(src, first.start_byte, decls[0].start_byte)
        for nm, ttype, decl in _declarators(src, decls, prefix, shown_prefix):
            self._out.typedefs.append((_text(src, nm), ttype, node.start_point[0] + 1,
                                       cond.text, cond.active, decl))
            self._out.count("typedef")


def _declarators(src: bytes, decls: list[ts.Node], prefix: list[str],
                 shown_prefix: str) -> Iterator[tuple[ts.Node, str, str]]:
    """(name node, canonical type, the declaration as shown) of each of *decls* that
    declares a name; *prefix*: the canonical tokens before the declarators (the type),
    *shown_prefix*: the same as written."""
    for d in decls:
        nm = declared_name(d)
        if nm is None:
            continue
        yield (nm, join_tokens(prefix + _leaves(src, d, skip=nm, canonical=True)),
               f"{shown_prefix} {_flat(src, d.start_byte, d.end_byte)}")


class _Children:
    """A stand-in node with a given child list (the body of an #if inside a struct)."""

    def __init__(self, children: list[ts.Node]) -> None:
        self.children = children


def parse_header(raw: bytes, evaluator: CondEval | None = None) -> ParsedHeader:
    """Convenience entry point (fuzzed in tests): parse one header with fallback attributes."""
    return HeaderParser(evaluator or CondEval()).parse(raw)
