"""The bad-block table API across 5.10..7.3 (rule badblocks_sector_t_bool): set/clear return 0 on
success and 1 on failure with int counts up to 6.12, true on success with sector_t counts on 7.2+
(an inverted success value that compiles silently either way).

tests/fixtures/layer/kbtest_bb_new (the newest API) and kbtest_bb_old (5.10's) run one table
through set/check/clear at load time -- acknowledged and unacknowledged ranges, overlap, a cleared
range, a disabled table, zero counts, a shifted table -- and print every answer. Each is loaded
natively on its own kernel and bridged with the layer on the other side (the new one on 5.10 and
6.1, the old one on the newest): the bridged answers must equal the native ones, except the
shifted table's check results, where the kernels' table code itself differs (5.10 reports the
first bad block and length in blocks, the newest in unrounded sectors) -- the shim does not
change the table code. One boot per kernel, shared with other files' init-time modules
(tests/sharedboot.py; two modules of this file on each of 5.10 and the newest). kbtest_bb_old also names
the request operation type by its 5.10 name, enum req_opf (rule enum_req_op, old_on_new, on
the newest kernel): req_opf=10 on both.

Checked to fail first: with set/clear stubbed on both sides to return the kernel's value as is
(the silent inversion a plain rebuild gives), the 5.10 run printed set_acked=0, big_set=0 and
off_set=1 against the newest kernel's 1, 1 and 0 (the test stops at the first kernel).
"""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES, newest_series, probe_states, release
from kbridge.actions.bridge import bridge
from kbridge.actions.guest import runner
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets
from sharedboot import Entry

NEW = FIXTURES / "layer" / "kbtest_bb_new"
OLD = FIXTURES / "layer" / "kbtest_bb_old"
RULE = "badblocks_sector_t_bool"
KERNEL_INTERNAL = {"big_check", "big_check_part", "big_check_rest"}


@pytest.mark.parametrize("series,state", [("5.10", "old"), ("6.1", "old"), ("6.12", "old"),
                                          ("7.3", "new")])
def test_probe_states(series, state, roots_ready):  # type: ignore[no-untyped-def]
    assert probe_states(series, [RULE])[RULE] == state


def _answers(dmesg: list[str], side: str) -> dict[str, str]:
    out = {}
    for line in dmesg:
        m = re.search(rf"kbbb_{side} (\w+)=(\S+)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


_KOS: dict[str, list] = {}


def _kos(tmp_path) -> dict[str, list]:  # type: ignore[no-untyped-def]
    """Each kernel's modules: each fixture natively on its own kernel and bridged with the
    layer on the other side (the rule named in RULES.md), built once for the three kernels."""
    if _KOS:
        return _KOS
    newest = newest_series()
    kernels = {s: targets.resolve(s) for s in ("5.10", "6.1", newest)}
    kos: dict[str, list] = {s: [] for s in kernels}
    for src, home, others in ((NEW, newest, ("5.10", "6.1")), (OLD, "5.10", (newest,))):
        for s in (home, *others):
            path = src
            if s != home:
                path = tmp_path / f"{src.name}-{s}"
                rep = bridge(drv_mod.load(src), [kernels[home], kernels[s]], "layer", path)
                assert not rep.unbridged, rep.unbridged
                direction = "new_on_old" if src is NEW else "old_on_new"
                assert f"## {RULE} ({direction})" in (path / "compat" / "RULES.md").read_text()
            b, built = runner.build_for(path, release(s), tmp_path / f"b-{src.name}-{s}")
            assert b.ok, b.log
            kos[s] += built
    _KOS.update(kos)
    return _KOS


def _entry(series: str) -> Entry:
    """*series*' modules for its shared boot (tests/sharedboot.py)."""
    return Entry(f"badblocks:{series}", series, lambda dest: _kos(dest)[series])


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    if name == "test_native_and_bridged_tables_answer_alike":
        return [_entry(s) for s in ("5.10", "6.1", newest_series())]
    return []


@pytest.mark.slow
def test_native_and_bridged_tables_answer_alike(shared_boot):  # type: ignore[no-untyped-def]
    newest = newest_series()
    seen = {}
    for s in ("5.10", "6.1", newest):
        g = shared_boot(_entry(s))
        assert g.ok, (s, g.reasons, g.problems)
        seen[s] = {side: _answers(g.dmesg, side) for side in ("new", "old")}
    native_new, native_old = seen[newest]["new"], seen["5.10"]["old"]
    assert native_new["set_acked"] == "1" and native_old["set_acked"] == "0", (native_new, native_old)
    assert native_old["req_opf"] == "10", native_old
    for s in ("5.10", "6.1"):
        got = seen[s]["new"]
        assert {k: v for k, v in got.items() if k not in KERNEL_INTERNAL} == \
            {k: v for k, v in native_new.items() if k not in KERNEL_INTERNAL}, (s, got, native_new)
    got = seen[newest]["old"]
    assert {k: v for k, v in got.items() if k not in KERNEL_INTERNAL} == \
        {k: v for k, v in native_old.items() if k not in KERNEL_INTERNAL}, (got, native_old)


@pytest.mark.slow
def test_inline_builds_clean_both_ways(trees, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.kbuild import parse_log, run_kbuild

    newest = targets.resolve(newest_series(), trees=trees)
    old = targets.resolve("5.10", trees=trees)
    for src, home, other in ((NEW, newest, old), (OLD, old, newest)):
        out = tmp_path / src.name
        rep = bridge(drv_mod.load(src), [home, other], "inline", out)
        assert not rep.unbridged, rep.unbridged
        assert "kb_badblocks_set" in (out / f"{src.name}.c").read_text()
        for tree in (home, other):
            proc = run_kbuild(out, tree)
            diags, undefined = parse_log(proc.stdout, out)
            assert proc.returncode == 0 and not diags and not undefined, (tree.name, proc.stdout[-2000:])
