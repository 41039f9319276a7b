"""kbridge prune: kernel ranges, rule guards, trees, and the command line.

Byte-for-byte agreement with unifdef is in test_prune_unifdef.py; here the
version-range semantics, the rules, the directory mode and bad input.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, assert_bad_input, run_cli
from kbridge.actions import prune as pr
from kbridge.errors import KbridgeError

VERSIONS = FIXTURES / "prune" / "versions.c"


def _kept(text: str) -> set[str]:
    return {ln for ln in text.splitlines() if ln.startswith("int ")}


@pytest.mark.parametrize("lo,hi,kept,gone", [
    ("5.4", None, {"int from_54_to_510;", "int exactly_610;", "int later;", "int hex_version;"},
     {"int before_54;", "static void t_old(unsigned long data) { }"}),
    ("5.10", "6.0", {"int later;", "int between_50_and_61;"},
     {"int before_54;", "int from_54_to_510;", "int exactly_610;"}),
    ("6.2", None, {"int later;"}, {"int between_50_and_61;", "int exactly_610;"}),
])
def test_ranges(lo: str, hi: str | None, kept: set[str], gone: set[str]) -> None:
    text = VERSIONS.read_text()
    out = pr.prune_text(text, min_kernel=lo, max_kernel=hi)
    lines = set(out.splitlines())
    assert kept <= lines and not (gone & lines)
    # nothing but whole lines of the input is ever removed, and the rest is untouched
    it = iter(text.splitlines())
    assert all(any(ln == x for x in it) for ln in out.splitlines() if not ln.startswith("#"))


def test_range_keeps_what_differs_inside_it() -> None:
    text = VERSIONS.read_text()
    out = pr.prune_text(text, min_kernel="5.0", max_kernel="6.12")
    # 5.0..6.12: "< 5.4" holds for some kernels only, so the whole chain stays
    assert "#if LINUX_VERSION_CODE < KERNEL_VERSION(5,4,0)" in out
    assert "#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 15, 0)" not in out
    # the continued #if and the constant expression stay, as unifdef keeps them
    assert "int continued_lines_are_kept_as_unifdef_does;" in out
    assert "int clamped_sublevel_is_a_constant_expression_so_kept;" in out


def test_exact_patch_levels_and_max_covers_the_series() -> None:
    text = "#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 50)\nnew\n#else\nold\n#endif\n"
    assert pr.prune_text(text, min_kernel="6.1.50") == "new\n"
    assert pr.prune_text(text, min_kernel="6.0", max_kernel="6.1.49") == "old\n"
    assert pr.prune_text(text, min_kernel="6.0", max_kernel="6.1") == text   # 6.1 = every 6.1.y
    assert pr.prune_text(text, min_kernel="4.19.325", max_kernel="5.4") == "old\n"


def test_feature_guards_from_rules_and_flags() -> None:
    from kbridge.knowledge import rules
    rule = next(r for r in rules.load() if r.since != "unknown")
    g = rule.guard
    text = f"#if {g}\nnew\n#else\nold\n#endif\n#ifdef {g}\nn2\n#endif\n#ifndef HAVE_X\nx\n#endif\n"
    since = pr.parse_kernel(rule.since)
    assert pr.prune_text(text, min_kernel=since) == "new\nn2\n#ifndef HAVE_X\nx\n#endif\n"
    assert pr.prune_text(text, min_kernel="4.19", max_kernel=since - 1,
                         undefs={"HAVE_X"}) == "old\nx\n"
    # a range across `since` leaves the guard alone; -D decides it
    across = pr.prune_text(text, min_kernel="4.19", max_kernel="6.12")
    assert across.startswith(f"#if {g}\n") or since > pr.parse_kernel("6.12", upper=True)
    assert pr.prune_text(text, min_kernel="4.19", defines={g: 1, "HAVE_X": 1}) == "new\nn2\n"
    assert pr.prune_text(text, min_kernel=since, use_rules=False).startswith(f"#if {g}\n")


def test_unifdef_errors_become_one_line(tmp_path: Path) -> None:
    for bad, needle in (("#if A\nx\n", "Premature EOF"), ("#endif\n", "Inappropriate #endif"),
                        ("#ifdef A\n#error don't\n#endif\n", "unterminated char literal")):
        with pytest.raises(pr.PruneError) as exc:
            pr.prune_text(bad, min_kernel="6.1", defines={"A": 1}, name="f.c")
        assert str(exc.value).startswith("f.c:") and needle in str(exc.value)
        assert "\n" not in str(exc.value)


def test_bad_versions() -> None:
    for bad in ("six", "6", "6.1.2.3", "6.x", "300.1"):
        with pytest.raises(KbridgeError):
            pr.parse_kernel(bad)
    with pytest.raises(KbridgeError, match="below"):
        pr.make_env(min_kernel="6.12", max_kernel="6.1")


def test_cli_file_to_stdout_and_tree(tmp_path: Path, corpus: dict) -> None:
    proc = run_cli("prune", str(VERSIONS), "--min-kernel", "5.4", "-D", "CONFIG_FOO", "-U", "HAVE_BAR")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == pr.prune_text(VERSIONS.read_text(), min_kernel="5.4",
                                        defines={"CONFIG_FOO": 1}, undefs={"HAVE_BAR"})
    # a corpus driver: C files pruned, Kbuild copied, input untouched, output complete
    src = tmp_path / "drv"
    shutil.copytree(corpus["xen-netfront@6.12"].path, src)
    os.chmod(src / "Kbuild", 0o640)
    before = {p: p.read_bytes() for p in src.rglob("*")}
    out = tmp_path / "out"
    proc = run_cli("prune", str(src), "--min-kernel", "6.1", "-o", str(out), "-U", "CONFIG_BPF_SYSCALL",
                   "--json")
    assert proc.returncode == 0, proc.stderr
    assert {p: p.read_bytes() for p in src.rglob("*")} == before
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in src.iterdir())
    assert (out / "Kbuild").read_bytes() == (src / "Kbuild").read_bytes()
    assert (out / "Kbuild").stat().st_mode & 0o777 == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no temporaries left
    # a corpus driver by name
    proc3 = run_cli("prune", "xen-netfront@6.12", "--min-kernel", "6.1", "-o", str(tmp_path / "out3"),
                    "-U", "CONFIG_BPF_SYSCALL")
    assert proc3.returncode == 0, proc3.stderr
    assert (tmp_path / "out3" / "xen-netfront.c").read_bytes() == (out / "xen-netfront.c").read_bytes()
    # twice: byte-identical
    proc2 = run_cli("prune", str(src), "--min-kernel", "6.1", "-o", str(tmp_path / "out2"),
                    "-U", "CONFIG_BPF_SYSCALL")
    assert proc2.returncode == 0
    assert all((tmp_path / "out2" / p.name).read_bytes() == p.read_bytes() for p in out.iterdir())


def test_cli_bad_input(tmp_path: Path) -> None:
    assert_bad_input(run_cli("prune", str(tmp_path / "nope.c"), "--min-kernel", "6.1"), "no such file")
    (tmp_path / "README").write_text("text\n")
    assert_bad_input(run_cli("prune", str(tmp_path / "README"), "--min-kernel", "6.1"),
                     "not a C source")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.c").write_text("int a;\n")
    assert_bad_input(run_cli("prune", str(tmp_path / "d"), "--min-kernel", "6.1"), "-o OUT")
    assert_bad_input(run_cli("prune", str(tmp_path / "d"), "--min-kernel", "6.1", "-o",
                             str(tmp_path / "missing" / "out")), "does not exist")
    # unwritable even for root (mode bits would not stop root): /proc and /sys
    assert_bad_input(run_cli("prune", str(tmp_path / "d"), "--min-kernel", "6.1", "-o",
                             "/proc/kbridge-out"), "cannot write")
    assert_bad_input(run_cli("prune", str(tmp_path / "d" / "a.c"), "--min-kernel", "6.1", "-o",
                             "/sys/kbridge-out.c"), "cannot write")
    assert_bad_input(run_cli("prune", str(tmp_path / "d"), "--min-kernel", "6.1", "-o",
                             str(tmp_path / "d" / "out")), "inside the input")
    assert_bad_input(run_cli("prune", str(tmp_path / "d"), "--min-kernel", "latest", "-o",
                             str(tmp_path / "o")), "not a kernel version")
    assert_bad_input(run_cli("prune", str(tmp_path / "d" / "a.c"), "--min-kernel", "6.1", "-D", "A=x"),
                     "must be an integer")
    (tmp_path / "d" / "b.c").write_text("#if A\nint b;\n")
    assert_bad_input(run_cli("prune", str(tmp_path / "d"), "--min-kernel", "6.1", "-o",
                             str(tmp_path / "o")), "b.c:", "Premature EOF")
    assert not (tmp_path / "o").exists()
    assert_bad_input(run_cli("prune", str(tmp_path / "d" / "a.c"), "--min-kernel", "6.1", "-o",
                             str(tmp_path / "missing" / "a.c")), "does not exist")


def test_old_api_guards_from_rules_that_state_their_old_releases() -> None:
    # A rule with old_since answers "neither" below it: inline output guards the old API's
    # shim with KB_OLD_<ID> too (inline.py), and prune decides it like KB_HAVE_<ID>.
    from kbridge.knowledge import rules
    rule = next(r for r in rules.load() if r.old_bounded and r.old_since and r.since != "unknown")
    g, o = rule.guard, rule.old_guard
    text = f"#if !defined({g}) && defined({o})\nshim\n#endif\n#ifdef {o}\nold\n#endif\n"
    old_since = pr.parse_kernel(rule.old_since)
    # below old_since: neither API, so the old-API shim and branch go
    assert pr.prune_text(text, min_kernel="4.19", max_kernel=old_since - 1) == ""
    # between old_since and since: the old API only
    assert pr.prune_text(text, min_kernel=old_since,
                         max_kernel=pr.parse_kernel(rule.since) - 1) == "shim\nold\n"
    # from since on (and old_until defaults to since): the new API only
    assert pr.prune_text(text, min_kernel=rule.since) == ""
    # a range across old_since decides nothing about KB_OLD_
    assert f"defined({o})" in pr.prune_text(text, min_kernel="4.19",
                                            max_kernel=pr.parse_kernel(rule.since) - 1)
