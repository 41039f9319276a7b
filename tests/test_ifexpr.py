"""The two #if front ends agree where both grammars reach (kbridge.facts.ifexpr).

prune's unifdef-faithful text evaluator and the index's tree-sitter CondEval
share the meaning of ``!``, ``&&``, ``||`` and the comparisons; on random
expressions of unifdef's grammar, for one kernel, they give the same three
values (true, false, unknown).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kbridge.actions import prune as pr
from kbridge.facts import cparse, ifexpr
from kbridge.facts.kversion import kernel_version

VERSION = kernel_version(6, 1, 0)
CONFIG = {"CONFIG_A": "3", "CONFIG_Y": "y", "CONFIG_ZERO": "0"}
ENV = pr.Env(values={"CONFIG_A": (3, 3), "CONFIG_Y": (1, 1), "CONFIG_ZERO": (0, 0),
                     pr.VERSION_SYMBOL: (VERSION, VERSION)},
             undefined=frozenset({"CONFIG_B"}))
EVAL = cparse.CondEval(config=CONFIG, known=True, version=VERSION)

_atoms = st.one_of(
    st.integers(0, 300).map(str),
    st.integers(0, 300).map(lambda n: f"0{n:o}"),          # octal, as C reads it
    st.integers(0, 300).map(lambda n: f"0x{n:x}"),
    st.sampled_from(["CONFIG_A", "CONFIG_B", "CONFIG_Y", "CONFIG_ZERO", "FOO", "LINUX_VERSION_CODE",
                     "defined(CONFIG_A)", "defined(CONFIG_B)", "defined(FOO)",
                     "defined(LINUX_VERSION_CODE)", "KERNEL_VERSION(6, 1, 0)",
                     "KERNEL_VERSION(5, 15, 300)", "KERNEL_VERSION(6, 12, 0)"]))


def _expr(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(sorted(ifexpr.COMPARISONS | ifexpr.LOGICAL)), children)
    return st.one_of(children.map(lambda e: f"!{e}"), children.map(lambda e: f"({e})"),
                     binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})"))


EXPRESSIONS = st.recursive(_atoms, _expr, max_leaves=8)


def _tree_sitter(expr: str) -> int | None:
    src = f"#if {expr}\n#endif\n".encode()
    node = cparse.make_parser().parse(src).root_node.named_children[0]
    assert node.type == "preproc_if", expr
    return EVAL.eval(node.child_by_field_name("condition"), src)


def _unifdef(expr: str) -> int | None:
    lt, _ = pr.evaluate(expr, ENV)
    return None if lt == ifexpr.LT_IF else int(lt == ifexpr.LT_TRUE)


@settings(max_examples=400, deadline=None)
@given(EXPRESSIONS)
def test_condeval_and_prune_agree_on_unifdefs_grammar(expr):
    v = _tree_sitter(expr)
    assert (None if v is None else int(v != 0)) == _unifdef(expr), expr


def test_short_circuits_over_unknowns():
    for expr, want in (("0 && FOO", 0), ("FOO && 0", 0), ("1 || FOO", 1), ("FOO || 1", 1),
                       ("FOO && 1", None), ("!FOO", None), ("CONFIG_B || FOO", None),
                       ("LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)", 1)):
        assert _tree_sitter(expr) == want, expr
        assert _unifdef(expr) == want, expr


def test_integer_literals_read_as_c_reads_them():
    # 010 is octal 8 in C's preprocessor; CondEval once read it as 10
    for expr, want in (("010 == 8", 1), ("010 == 10", 0), ("0x10 == 16", 1), ("1UL == 1", 1),
                       ("KERNEL_VERSION(6, 01, 0) == KERNEL_VERSION(6, 1, 0)", 1)):
        assert _tree_sitter(expr) == want, expr
    assert ifexpr.c_integer("010") == 8 and ifexpr.c_integer("0x1fUL") == 31
    assert ifexpr.c_integer("09") is None and ifexpr.c_integer("1.0") is None


def test_gnuc_is_the_compiler_that_built_each_tree(trees):
    # a header's `#if __GNUC__ ...` is answered for the compiler of the TARGET (gcc-10 for
    # 5.10, gcc-16 for 7.x), not a constant: CondEval once answered 12 for every tree. The
    # oracle is that compiler itself, run with the tree's toolchain (host or Debian root).
    from kbridge.actions import kbuild
    from kbridge.facts import index, series
    from kbridge.facts.targets import resolve
    seen = set()
    for name in series.names():
        tree = resolve(name, trees=trees)
        ev = index._config_of(index.source_roots(tree))    # what the index evaluates with
        cc = ev.config["CONFIG_CC_VERSION_TEXT"].strip('"').split()[0]
        out = kbuild.run_tool(tree, [cc, "-dM", "-E", "-x", "c", "/dev/null"]).stdout
        want = {m: int(v) for m, v in (line.split()[1:3] for line in out.splitlines()
                                        if line.split()[1:2] in (["__GNUC__"], ["__GNUC_MINOR__"],
                                                                 ["__GNUC_PATCHLEVEL__"]))}
        got = {m: ev.symbol(m) for m in want}
        assert got == want and len(want) == 3, (name, got, want)
        seen.add(want["__GNUC__"])
    assert len(seen) >= 2, seen    # the table spans more than one compiler
