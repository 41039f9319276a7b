"""strscpy() with its size optional (rule strscpy_size_optional, 6.8) on 5.10 and 6.1.

tests/fixtures/layer/kbtest_strscpy_new is written for the newer strscpy(dst, src[, size]):
its init copies into arrays followed by guards in the same struct and checks the length
returned, -E2BIG and the NUL at sizeof(dst) - 1 on truncation, a boundary fit, a one-byte
array, a word-sized array (the copy runs a word at a time), a struct member array, and the
three-argument form beside it (a smaller size; size 0 leaves dst untouched). Bridged with the layer for 5.10 and 6.1 and
loaded there, and loaded natively on the newest kernel: the same checks pass everywhere, in
one boot per kernel. The inline strategy's OUT builds clean on 5.10, 6.1 and the newest.

Checked to fail first: with the two-argument form stubbed to the size of a pointer
(strscpy(dst, src, sizeof(&(dst)[0])), the classic compat mistake) the 5.10 and 6.1 runs
fail fits_boundary, truncates, one_byte and member_array (the guards change, the
member gets 7 bytes), the native run passes.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, newest_series, probe_states, release
from kbridge.actions.bridge import bridge
from kbridge.actions.guest import runner
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets
from sharedboot import Entry, assert_all_checks_ok

SRC = FIXTURES / "layer" / "kbtest_strscpy_new"
CHECKS = ["fits_boundary", "truncates", "one_byte", "word_array", "member_array",
          "three_args", "three_args_size0"]
OLD = ("5.10", "6.1")


@pytest.mark.parametrize("series,state", [("5.10", "old"), ("6.1", "old"), ("6.12", "new"),
                                          ("7.3", "new")])
def test_probe_states(series, state, roots_ready):  # type: ignore[no-untyped-def]
    assert probe_states(series, {"strscpy_size_optional": None})["strscpy_size_optional"] == state


@pytest.fixture(scope="module")
def kernels(trees):  # type: ignore[no-untyped-def]
    return {s: targets.resolve(s, trees=trees) for s in (*OLD, newest_series())}


@pytest.mark.slow
def test_inline_builds_clean_on_every_kernel(kernels, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "inline"
    rep = bridge(drv_mod.load(SRC), list(kernels.values()), "inline", out)
    assert not rep.unbridged, rep.unbridged
    assert "kb_" in (out / "kbtest_strscpy_new.c").read_text()
    for series, tree in kernels.items():
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (series, proc.stdout[-3000:])


def _entry(cell: str) -> Entry:
    """The cell's module (bridged with the layer on 5.10 and 6.1, native on the newest) for
    its kernel's shared boot (tests/sharedboot.py)."""
    series = newest_series() if cell == "newest" else cell

    def build(dest):  # type: ignore[no-untyped-def]
        if series in OLD:
            kernels = [targets.resolve(s) for s in (*OLD, newest_series())]
            out = dest / "layer"
            rep = bridge(drv_mod.load(SRC), kernels, "layer", out)
            assert not rep.unbridged, rep.unbridged
            assert "## strscpy_size_optional (new_on_old)" in (out / "compat" / "RULES.md").read_text()
        else:
            out = SRC
        b, kos = runner.build_for(out, release(series), dest / "build")
        assert b.ok, b.log
        return kos

    return Entry(f"strscpy:{cell}", series, build)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    return [_entry(params["series"])] if name == "test_bridged_and_native_copy_alike" else []


@pytest.mark.slow
@pytest.mark.parametrize("series", [*OLD, "newest"])
def test_bridged_and_native_copy_alike(series, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry(series))
    assert_all_checks_ok(g, "kbstrscpy", CHECKS, "kbtest_strscpy_new")
