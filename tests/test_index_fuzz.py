"""Fuzzing the header parser entry point: random bytes and mutated real headers never crash it.

A short run here (CI); bench/bench_index.py --fuzz runs the same properties much longer.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, common_dir
from kbridge.facts import cparse

# real headers of the installed trees (derived: the mirror moves); a missing one is an error
_REAL = [common_dir("6.12") / "include/linux/blkdev.h",
         common_dir("6.1") / "include/linux/fb.h",
         common_dir("6.12") / "include/linux/compiler_types.h"]
SEEDS = [p.read_bytes() for p in sorted((FIXTURES / "index").rglob("*.h"))]
SEEDS += [p.read_bytes()[:20000] for p in _REAL]
_CONFIG = cparse.CondEval(config={"CONFIG_FOO": "y", "CONFIG_BAR": "m", "CONFIG_NR": "4"}, known=True)
_PARSER = cparse.HeaderParser(_CONFIG)
_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


def check_parse(raw: bytes) -> None:
    """The properties: no exception, sane rows, blanking keeps every offset and newline."""
    res = _PARSER.parse(raw)
    nlines = raw.count(b"\n") + 1
    for rows in (res.functions, res.macros, res.typedefs):
        for row in rows:
            assert isinstance(row[0], str) and row[0]
    for name, _kind, _line, _c, _a, members in res.structs:
        assert name and all(m[0] for m in members)
    for name, _line, _c, _a, consts in res.enums:
        assert all(c[0] for c in consts)
    for f in res.functions:
        assert 1 <= f[7] <= nlines and f[9] in (0, 1, None)
    for _line, kind, _snippet in res.problems:
        assert isinstance(kind, str)
    blanked = _PARSER.blank(raw)
    assert len(blanked) == len(raw)
    assert [i for i, c in enumerate(blanked) if c == 10] == [i for i, c in enumerate(raw) if c == 10]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "truncate", "byte"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        j = min(len(data), i + draw(st.integers(0, 400)))
        if op == "delete":
            del data[i:j]
        elif op == "insert":
            data[i:i] = draw(st.sampled_from([b"#if", b"#endif", b"#else", b"{", b"}", b"(", b")", b"/*",
                                              b"*/", b'"', b"'", b"\\\n", b"__printf(", b"struct {",
                                              b"#define X(a, ...) a", b"\x00", b"\xff\xfe", b";"]))
        elif op == "duplicate":
            data[i:i] = data[i:j]
        elif op == "truncate":
            del data[i:]
        else:
            data[i] = draw(st.integers(0, 255))
    return bytes(data)


@_SETTINGS
@given(st.binary(max_size=3000))
def test_random_bytes_never_crash(raw: bytes) -> None:
    check_parse(raw)


@_SETTINGS
@given(mutated())
def test_mutated_real_headers_never_crash(raw: bytes) -> None:
    check_parse(raw)


_EXPR = st.recursive(
    st.sampled_from(["CONFIG_FOO", "CONFIG_BAR", "CONFIG_NONE", "defined(CONFIG_FOO)", "1", "0", "X",
                     "IS_ENABLED(CONFIG_BAR)", "IS_BUILTIN(CONFIG_BAR)", "IS_MODULE(CONFIG_BAR)",
                     "__KERNEL__", "defined __ASSEMBLY__", "CONFIG_NR", "0x10", "'a'", "BAR(1, 2)"]),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["&&", "||", "==", "!=", "<", ">=", "+", "-", "*", "/", "%",
                                          "<<", ">>", "&", "|", "^"]), inner).map(" ".join),
        inner.map(lambda e: f"!({e})"), inner.map(lambda e: f"({e})"),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}")),
    max_leaves=8)


@_SETTINGS
@given(_EXPR)
def test_condition_evaluation_never_crashes(expr: str) -> None:
    res = _PARSER.parse(f"#if {expr}\nint kbt_f(void);\n#endif\n".encode())
    for f in res.functions:
        assert f[9] in (0, 1, None)


def test_truncated_declaration_regression() -> None:
    # found by the long fuzz run: a zero-width MISSING identifier must not become a name
    check_parse(b"typedef unsigned int kbt_flags_t;\ntypedef int (*\n\nstruct kbt_device;\n"
                b"enum kbt_state { KBT_IDLE, };\n")


def test_known_conditions() -> None:
    def active(expr: str) -> int | None:
        res = _PARSER.parse(f"#if {expr}\nint kbt_f(void);\n#endif\n".encode())
        return res.functions[0][9]
    assert active("IS_ENABLED(CONFIG_BAR) && defined(CONFIG_FOO)") == 1
    assert active("IS_BUILTIN(CONFIG_BAR)") == 0
    assert active("defined(CONFIG_BAR_MODULE)") == 1
    assert active("CONFIG_NR > 2 && CONFIG_NR * 2 == 8") == 1
    assert active("defined(UNKNOWN_THING)") is None
    assert active("defined(UNKNOWN_THING) && 0") == 0
    assert active("defined(UNKNOWN_THING) || 1") == 1
    assert active("1 / 0") is None
    bare = cparse.HeaderParser(cparse.CondEval())
    assert bare.parse(b"#ifdef CONFIG_FOO\nint g(void);\n#endif\n").functions[0][9] is None
