"""kbridge scan: what a driver uses, read with tree-sitter-c, on a fixture and the real corpus."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, assert_bad_input, run_cli
from kbridge.actions.check import run_scan
from kbridge.facts import driver as drivers
from kbridge.facts.scan import ParserTimeout, Use, scan_sources

DEMO = FIXTURES / "scan" / "demo"


def _find(uses: list[Use], **want: object) -> list[Use]:
    return [u for u in uses if all(getattr(u, k) == v for k, v in want.items())]


@pytest.fixture(scope="module")
def demo_scan(tree612):
    scan, api, symbols = run_scan(drivers.load(DEMO), tree612)
    return scan, api, symbols


def test_scan_fixture_calls_refs_types_and_includes(demo_scan):
    scan, _, _ = demo_scan
    u = scan.uses
    assert _find(u, file="demo.c", line=25, kind="call", name="kzalloc", arity=2)
    assert _find(u, file="demo.c", line=25, kind="ref", name="GFP_KERNEL")
    assert _find(u, file="demo.c", line=34, kind="call", name="list_first_entry", arity=3)
    assert _find(u, file="demo.c", line=9, col=44, kind="type", name="blk_mode_t")
    assert _find(u, file="demo.h", line=5, col=10, kind="include", name="linux/blkdev.h")
    assert _find(u, kind="struct", name="block_device_operations")
    # the driver's own names are not kernel API
    for own in ("demo_open", "demo_probe", "demo_dev", "dev", "first", "demo_list", "DEMO_QUEUE"):
        assert not _find(u, name=own), own
    # a type argument of a macro is one argument and never an identifier use
    assert not _find(u, name="struct")


def test_scan_fixture_members_and_initializers(demo_scan):
    scan, _, _ = demo_scan
    u = scan.uses
    init = _find(u, kind="init", owner="struct block_device_operations", name="open")
    assert init and init[0].value == "demo_open" and (init[0].line, init[0].col) == (19, 10)
    # bdev->bd_disk->queue: bd_disk's type comes from the kernel index (struct gendisk *)
    assert _find(u, line=24, kind="member", owner="struct block_device", name="bd_disk")
    assert _find(u, line=24, col=50, kind="member", owner="struct gendisk", name="queue")
    # first = list_first_entry(..., struct demo_dev, node); first->gd->minors
    assert _find(u, line=35, kind="member", owner="struct gendisk", name="minors")
    # disk->private_data through a parameter; dev->users is the driver's own struct
    assert _find(u, line=11, kind="member", owner="struct gendisk", name="private_data")
    assert not _find(u, name="users")
    assert _find(u, kind="member", owner="struct gendisk", name="minors")[0].write


def test_scan_fixture_load_time_symbols(demo_scan):
    _, api, symbols = demo_scan
    assert api is not None
    # real exported functions; kzalloc/list_add are static inline, pr_info a macro
    assert "set_capacity" in symbols and "blk_queue_flag_set" in symbols
    assert not {"kzalloc", "list_add", "pr_info", "get_capacity"} & set(symbols)


def test_scan_corpus_blkfront(corpus, tree612):
    scan, _, symbols = run_scan(drivers.resolve("xen-blkfront@6.12"), tree612)
    u = scan.uses
    assert _find(u, line=1143, kind="call", name="blk_mq_alloc_disk", arity=3)
    assert _find(u, line=963, kind="member", owner="struct queue_limits", name="features")
    assert _find(u, line=963, kind="ref", name="BLK_FEAT_WRITE_CACHE")
    assert _find(u, line=512, kind="type", name="blk_mode_t")
    assert _find(u, kind="init", owner="struct block_device_operations", name="getgeo",
                 value="blkif_getgeo")
    # xenbus_register_frontend is a macro: the module links to what it expands to
    assert {"__xenbus_register_frontend", "gnttab_end_foreign_access", "_printk"} <= set(symbols)
    assert "xenbus_register_frontend" not in symbols


def test_scan_symbols_are_the_modules_undefined_symbols(corpus, tree61, tmp_path):
    """Every load-time symbol scan names is one the real module (built by kbuild) needs;
    what it misses comes from inside static inline bodies, which an index of
    declarations cannot see (figures printed)."""
    import subprocess

    from kbridge.actions.kbuild import build
    drv = drivers.resolve("xen-netfront@6.1")
    result = build(drv, tree61, keep=tmp_path / "k")
    assert result.ok, result.diagnostics
    ko = next((tmp_path / "k").glob("*.ko"))
    nm = subprocess.run(["nm", "-u", str(ko)], capture_output=True, text=True, check=True).stdout
    real = {ln.split()[-1] for ln in nm.splitlines()}
    _, _, symbols = run_scan(drv, tree61)
    extra = set(symbols) - real
    print(f"netfront@6.1: module needs {len(real)} symbols, scan names {len(symbols)}, "
          f"all of them real: {not extra}")
    assert not extra
    assert len(set(symbols) & real) >= 0.5 * len(real)


def test_scan_cli_json_is_deterministic(corpus):
    a = run_cli("scan", "xen-blkfront@6.1", "--json")
    b = run_cli("scan", "xen-blkfront@6.1", "--json")
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    data = json.loads(a.stdout)
    assert data["against"].startswith("6.1.")
    assert "linux/blk-mq.h" in data["includes"]
    assert {"file", "line", "col", "kind", "name"} <= set(data["uses"][0])
    assert "blk_mq_alloc_disk" not in data["symbols"]        # a macro
    declared = {u["name"]: u.get("declared_as") for u in data["uses"] if u["kind"] in ("call", "ref", "type")}
    assert declared["blk_mq_alloc_disk"] == "function-like macro"
    assert declared["blk_queue_write_cache"] == "function"
    assert declared["kzalloc"] == "static inline function"
    assert declared["QUEUE_FLAG_VIRT"] == "macro"


def test_scan_cli_text(corpus):
    proc = run_cli("scan", "xen-kbdfront@6.12")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any(ln.startswith("xen-kbdfront.c:") and ": call: input_register_device()" in ln for ln in lines)
    assert lines[-1].startswith("xen-kbdfront@6.12: ") and "load-time symbols" in lines[-1]


def test_scan_bad_input(tmp_path):
    assert_bad_input(run_cli("scan", str(tmp_path / "nope")), "no such driver directory")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_bad_input(run_cli("scan", str(empty)), "no .c files")
    assert_bad_input(run_cli("scan", str(FIXTURES / "scan" / "notc")), "no .c files")
    assert_bad_input(run_cli("scan", str(DEMO / "demo.c")), "not a directory")
    binary = tmp_path / "bin"
    shutil.copytree(DEMO, binary)
    (binary / "blob.c").write_bytes(bytes(range(256)) * 4)
    assert_bad_input(run_cli("scan", str(binary)), "blob.c", "not a C source")
    # tree-sitter-c never returns on this one (found by the fuzz bench): an error, not a hang
    loop = tmp_path / "loop"
    shutil.copytree(DEMO, loop)
    (loop / "loop.c").write_bytes(b"a[|y(0&2<*3=3>0]%9[6<>8;\n")
    assert_bad_input(run_cli("scan", str(loop), env={"KBRIDGE_SCAN_TIMEOUT": "3"}),
                     "did not finish within 3 s")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file; unreadable needs a normal user")
def test_scan_unreadable_file(tmp_path):
    d = tmp_path / "d"
    shutil.copytree(DEMO, d)
    (d / "demo.c").chmod(0)
    assert_bad_input(run_cli("scan", str(d)), "demo.c")


# ---------------------------------------------------------------- fuzz (short; bench/ runs 100k)

_DEMO_SRC = (DEMO / "demo.c").read_bytes()


def _scan_or_timeout(files):
    """The scanner's contract: a result, or ParserTimeout when tree-sitter-c loops."""
    try:
        return scan_sources(files, timeout=10)
    except ParserTimeout:
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_fuzz_scanner_random_bytes(data):
    result = _scan_or_timeout([("f.c", data)])
    assert result is None or all(u.line >= 1 and u.col >= 1 for u in result.uses)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.integers(1, 12))
def test_fuzz_scanner_mutated_driver(rnd: random.Random, n: int):
    data = bytearray(_DEMO_SRC)
    tokens = [b"{", b"}", b"(", b")", b";", b",", b"->", b".", b"#define X(", b"#if", b"\\\n",
              b"struct", b"=", b"/*", b'"', b"'", b"\t", b"\n", b"\xff"]
    for _ in range(n):
        op = rnd.randrange(3)
        pos = rnd.randrange(len(data) + 1)
        if op == 0 and data:
            del data[pos:pos + rnd.randrange(1, 40)]
        elif op == 1:
            data[pos:pos] = rnd.choice(tokens)
        else:
            a = rnd.randrange(len(data) + 1)
            data[pos:pos] = data[a:a + rnd.randrange(1, 60)]
    result = _scan_or_timeout([("demo.c", bytes(data)), ("demo.h", (DEMO / "demo.h").read_bytes())])
    assert result is None or isinstance(result.uses, list)


def test_scanner_is_total_on_edge_inputs():
    for data in (b"", b"\0", b"#define", b"#define X(a", b"x->", b"struct { .a = }", b"\\\n" * 50,
                 b"(" * 5000, b"{" * 3000, b"a" * 100000, "é€".encode() * 100):
        scan_sources([("e.c", data)])


def test_fixture_paths_exist():
    assert (DEMO / "Kbuild").is_file() and Path(FIXTURES / "scan" / "oldblk" / "oldblk.c").is_file()


def test_uses_in_macro_bodies_keep_their_own_position():
    """A #define body is parsed as C; each use is reported where it is written (gcc
    reports an error in an expansion at its spelling in the #define too)."""
    src = (b"#define FOO(x) \\\n\tdo { kfree(x); \\\n\t\tbar_fn(x->y, 2); } while (0)\n"
           b"#define B 1 + QUEUE_X\n")
    got = [(u.line, u.col, u.kind, u.name) for u in scan_sources([("a.c", src)]).uses]
    assert got == [(2, 14, "call", "kfree"), (3, 17, "call", "bar_fn"), (4, 15, "ref", "QUEUE_X")]


def test_open_literals_are_closed_before_parsing():
    """tree-sitter-c 0.24.2 loops forever on this input, found by bench/bench_fuzz_scan.py;
    the scanner blanks the quote of a literal left open at the end of its line
    (offsets unchanged) and returns at once."""
    from kbridge.facts.scan import close_open_literals
    hang = b'a%b="\n=%-&5_!5(c]=1=6}'
    assert close_open_literals(hang) == b'a%b= \n=%-&5_!5(c]=1=6}'
    ok = b'x = "a\\"b"; /* " */ // "\nc = \'"\';\n'
    assert close_open_literals(ok) == ok
    scan_sources([("hang.c", hang)])


def test_lone_designator_under_ifdef_in_an_initializer_is_an_init():
    """`#ifdef CONFIG_X` + a single `.m = fn,` inside an ops table: tree-sitter recovers it as
    the assignment `CONFIG_X.m = fn` after an ERROR node, and the scanner lost the init (a
    driver's `.ndo_netpoll_setup` under CONFIG_NET_POLL_CONTROLLER, alone in its block, got no
    rule: the bridged build failed on the slot's type). Failed before the fix: m not found."""
    src = (b"#include <linux/netdevice.h>\nstatic int f(struct net_device *d) { return 0; }\n"
           b"static const struct net_device_ops o = {\n\t.ndo_start_xmit = g,\n"
           b"#ifdef CONFIG_NET_POLL_CONTROLLER\n\t.ndo_netpoll_setup = f,\n#endif\n"
           b"\t.ndo_fdb_add = h,\n};\n")
    inits = [(u.line, u.name, u.owner) for u in scan_sources([("a.c", src)]).uses if u.kind == "init"]
    assert (6, "ndo_netpoll_setup", "struct net_device_ops") in inits, inits
    assert [n for _, n, _ in inits] == ["ndo_start_xmit", "ndo_netpoll_setup", "ndo_fdb_add"]
    # the names the layer picks rules by (bridge: ndo_netpoll_setup_no_info was not shipped)
    from kbridge.facts.scan import file_names
    names = file_names(src)
    assert ("net_device_ops", "ndo_netpoll_setup") in names.designated and "ndo_netpoll_setup" in names.names


def test_an_attribute_macro_after_a_member_is_a_use_and_its_argument_no_type():
    """``u8 data[] __counted_by(len);`` (6.6+ drivers and their local headers): tree-sitter
    reads the member as an ERROR and __counted_by(len) as a function declarator, so the scan
    saw a type ``len`` and no __counted_by -- check predicted nothing, and 7.3's p54usb bridged
    for 5.10 failed in p54.h with nothing drafted."""
    src = (b"struct kb_thing {\n\tu16 len;\n\tu8 data[] __counted_by(len);\n};\n"
           b"struct kb_two {\n\tint n;\n\tint vals[KB_MAX + 1] __counted_by(n);\n} __packed;\n")
    uses = scan_sources([("t.h", src)]).uses
    assert [(u.line, u.name) for u in _find(uses, kind="call")] == [(3, "__counted_by"), (7, "__counted_by")]
    assert not [u for u in uses if u.name in ("len", "n")], uses
    assert _find(uses, name="KB_MAX"), uses           # the array size is still read


def test_designators_in_a_table_macro_with_a_comment_are_names():
    """A driver's table element built by a function-like macro whose body holds a comment
    (5.10's dp83848/dp83822: `/* PHY_BASIC_FEATURES */` among the designators): tree-sitter-c
    splits the #define at the comment, and a brace initializer read as statements has no
    designator -- the layer never saw `.ack_interrupt` and shipped no rule. Failed before the
    fix: designated was empty, and names after the comment came from a bogus definition."""
    from kbridge.facts.scan import file_names
    src = (b"#define KB_DRV(_id, _cfg)\t\t\\\n\t{\t\t\t\\\n\t\t.phy_id = _id,\t\\\n"
           b"\t\t/* PHY_BASIC_FEATURES */\t\\\n\t\t.config_init = _cfg,\t\\\n"
           b"\t\t.ack_interrupt = kb_ack,\t\\\n\t}\n"
           b"#define KB_ONE 1 /* a comment\n   over two lines */\n"
           b"static struct phy_driver d[] = { KB_DRV(1, NULL) };\nstatic int after_it;\n")
    names = file_names(src)
    assert {(None, "phy_id"), (None, "config_init"), (None, "ack_interrupt")} <= names.designated
    assert {"kb_ack", "after_it"} <= names.names
    rows = dict((n, r) for r, n in names.rows)
    assert rows["kb_ack"] == 5 and rows["after_it"] == 10, names.rows
