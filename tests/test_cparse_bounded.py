"""tree-sitter-c loops forever on some malformed input; kbridge's parses end anyway.

bench/bench_fuzz_scan.py found ``a[|y(0&2<*3=3>0]%9[6<>8;``: tree-sitter-c
0.24.2 never returns on it. cparse.parse_bounded cancels such a parse through
tree-sitter's progress callback; the index records the header as a problem
and goes on, the commands that parse a user's driver stop with one line.
"""

from __future__ import annotations

import shutil
import time

import pytest

from conftest import FIXTURES, assert_bad_input, run_cli
from kbridge.facts import cparse

LOOP = b"a[|y(0&2<*3=3>0]%9[6<>8;\n"


def test_parse_bounded_gives_up_on_the_looping_input():
    parser = cparse.make_parser()
    t = time.monotonic()
    with pytest.raises(cparse.ParserTimeout, match="loop.c: the C parser .* within 1 s"):
        cparse.parse_bounded(parser, LOOP, "loop.c", seconds=1)
    assert time.monotonic() - t < 30
    # the same parser object still parses afterwards, and well-formed C is unaffected
    tree = cparse.parse_bounded(parser, b"struct s { int a; };\nint f(struct s *p) { return p->a; }\n")
    assert not tree.root_node.has_error
    assert [n.type for n in tree.root_node.named_children] == ["struct_specifier", "function_definition"]


def test_parse_bounded_equals_plain_parse_on_a_real_header(tree612):
    # Debian's -common package holds the headers of the configured tree
    src = sorted(tree612.path.parent.glob(f"linux-headers-{tree612.version}*-common/include/linux/blkdev.h"))
    assert src, tree612.path
    data = src[0].read_bytes()
    plain = cparse.make_parser().parse(data).root_node
    bounded = cparse.parse_bounded(cparse.make_parser(), data).root_node
    assert str(plain) == str(bounded)


def test_index_header_parser_records_a_timeout_and_goes_on(monkeypatch):
    monkeypatch.setenv(cparse.PARSE_TIMEOUT_ENV, "1")
    hp = cparse.HeaderParser(cparse.CondEval())
    res = hp.parse(LOOP)
    assert (1, "parser_timeout", "") in res.problems
    ok = hp.parse(b"int kb_fn(int);\n")
    assert not ok.problems


def test_bridge_of_a_driver_the_parser_cannot_read_is_one_error_line(tmp_path):
    drv = tmp_path / "loopdrv"
    shutil.copytree(FIXTURES / "scan" / "demo", drv)
    (drv / "loop.c").write_bytes(LOOP)
    proc = run_cli("bridge", str(drv), "--target", "6.1", "--target", "6.12", "-o", str(tmp_path / "o"),
                   env={cparse.PARSE_TIMEOUT_ENV: "2", "KBRIDGE_SCAN_TIMEOUT": "2"})
    assert_bad_input(proc, "loop.c")
    assert not (tmp_path / "o").exists()
