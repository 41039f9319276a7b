"""tty_ldisc_ops_buf_u8_size_t: a line discipline's receive_buf/receive_buf2 across 6.6's
change of their types (const char *fp, int count, int return -> const u8 *fp, size_t count,
size_t return).

tests/fixtures/layer/kbtest_ldisc_old is written for 6.1, kbtest_ldisc_new for 6.12; each
registers itself on N_DEVELOPMENT and has the kernel's own dispatcher, tty_ldisc_receive_buf()
(what flush_to_ldisc() calls for a tty's input), hand it bytes and flags on a tty whose ldisc
it is (see the fixtures' comments for the checks). Each runs natively in its home's shared
boot and bridged (layer) in the other's: the same checks pass on both. The checks are
in-kernel: the shared boots load modules and read their init's log, they run no user-space
program, so the bytes come through the kernel's dispatcher rather than a pty written by a
program (the dispatcher is the code the pty's flush work runs).
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, probe_states
from sharedboot import Entry, assert_all_checks_ok, native_on_home

OLD = FIXTURES / "layer" / "kbtest_ldisc_old"
NEW = FIXTURES / "layer" / "kbtest_ldisc_new"
RULE = "tty_ldisc_ops_buf_u8_size_t"
CHECKS = ["rb_flags", "rb_nullfp", "rb_room", "rb2_taken", "rb2_zero"]
CELLS = [("old", "6.1"), ("old", "6.12"), ("new", "6.12"), ("new", "6.1")]


@pytest.mark.parametrize("series,state", [("5.10", "neither"), ("6.1", "old"), ("6.12", "new"),
                                          ("7.3", "new")])
def test_probe_states(series, state, roots_ready):  # type: ignore[no-untyped-def]
    assert probe_states(series, [RULE]) == {RULE: state}


def _entry(which: str, series: str) -> Entry:
    src, home = (OLD, "6.1") if which == "old" else (NEW, "6.12")
    return native_on_home(f"ldisc_{which}", series, src, home, RULE)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    if name != "test_ldisc_receive_alike":
        return []
    return [_entry(params["which"], params["series"])]


@pytest.mark.slow
@pytest.mark.parametrize("which,series", CELLS)
def test_ldisc_receive_alike(which, series, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry(which, series))
    assert_all_checks_ok(g, "kbldisc", CHECKS, f"kbtest_ldisc_{which}")
