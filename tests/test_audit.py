"""kbridge audit: compat spots on a hand-written driver and on real kernel sources.

The real files are extracted at run time from Debian's linux-source-6.12
tarball into the kbridge cache (never committed, never read from an
extracted tree elsewhere): drivers that still carry compat spots of the
kinds audit knows -- ``HAVE_*`` feature macros (ipmi_watchdog, pci/proc) and
``#ifndef api`` fallback definitions (floppy).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, assert_bad_input, kernel_source_files, run_cli
from kbridge.actions import prune as pr
from kbridge.actions import audit as cs

DRIVER = FIXTURES / "audit" / "compat-driver"
REAL_612 = ("drivers/block/floppy.c", "drivers/char/ipmi/ipmi_watchdog.c", "drivers/pci/proc.c")


@pytest.fixture(scope="module")
def real612() -> Path:
    return kernel_source_files("6.12", *REAL_612)


def _spot(a: cs.Audit, line: int) -> cs.Spot:
    return next(s for s in a.spots if s.line == line)


def test_fixture_every_kind_with_kernel_ranges() -> None:
    a = cs.audit(DRIVER)
    kinds = {s.line: s.kind for s in a.spots}
    assert kinds == {12: "version", 22: "version", 29: "version", 38: "version", 42: "vendor",
                     46: "feature_macro", 52: "compat_define", 56: "kbridge_guard", 64: "wrapper"}
    # the CONFIG_PM_SLEEP block and the comment mentioning LINUX_VERSION_CODE are no spots
    assert a.summary()["conditional_groups"] == 9 + 1 - 1   # 9 groups incl. CONFIG_, wrapper is none
    timer = _spot(a, 22)
    assert timer.api == ["setup_timer", "timer_setup"]
    assert [[k.to_json() for k in b.kernels or []] for b in timer.branches] == [
        [{"from": "0.0.0", "to": "4.15.0", "taken": "yes"}],
        [{"from": "4.15.0", "to": None, "taken": "yes"}]]
    # #elif chain with a condition continued over two lines
    disk = _spot(a, 29)
    assert [b.directive for b in disk.branches] == ["#if", "#elif", "#else"]
    assert [(k.start, k.end) for b in disk.branches for k in b.kernels or []] == [
        (pr.kernel_version(5, 9, 0), None),
        (pr.kernel_version(5, 0, 0), pr.kernel_version(5, 9, 0)),
        (0, pr.kernel_version(5, 0, 0))]
    assert "blk_mq_alloc_disk" in disk.api and "alloc_disk" in disk.api
    # ! and || with a non-version symbol: "maybe" from 6.1 on
    neg = _spot(a, 38)
    assert [(k.start, k.taken) for k in neg.branches[0].kernels or []] == [
        (0, "yes"), (pr.kernel_version(6, 1, 0), "maybe")]
    assert _spot(a, 42).branches[0].kernels == []            # no mainline kernel
    assert _spot(a, 46).api == ["blk_queue_max_segments", "blk_queue_max_phys_segments"]
    assert _spot(a, 52).api == ["fallthrough"]
    assert _spot(a, 56).note == "guard not in the rule library"
    assert _spot(a, 64).api == ["blk_rq_nr_phys_segments", "kzalloc_node"]


def test_dead_branches_agree_with_prune(tmp_path: Path) -> None:
    """A branch audit says prune removes is gone from prune's output, and only those."""
    a = cs.audit(DRIVER, min_kernel="5.4", max_kernel="6.0")
    dead = {(s.line, b.line) for s in a.spots for b in s.branches if b.dead}
    pruned = {(s.line, b.line) for s in a.spots for b in s.branches if b.pruned}
    assert dead == {(12, 14), (22, 22), (29, 34)}
    assert pruned == {(12, 14), (22, 22)}          # the #else after a continued #elif stays
    text = (DRIVER / "compat.c").read_text()
    out = pr.prune_text(text, min_kernel="5.4", max_kernel="6.0").splitlines()
    assert "static void demo_timeout(unsigned long data)" not in out
    assert "\tsetup_timer(timer, demo_timeout, 0);" not in out
    assert "#define demo_alloc_disk(set) alloc_disk(1)" in out
    assert "static const char *demo_name = \"old\";" in out      # 5.4..6.0 take it
    # after pruning, audit finds the decided spots gone (the two with a dead branch, and the
    # one that every kernel of the range takes) and nothing dead is left to prune
    (tmp_path / "compat.c").write_text("\n".join(out) + "\n")
    again = cs.audit(tmp_path, min_kernel="5.4", max_kernel="6.0")
    assert [s.kind for s in again.spots] == ["version", "vendor", "feature_macro", "compat_define",
                                             "kbridge_guard", "wrapper"]
    assert again.summary()["pruned_branches"] == 0


def test_kbridge_guards_use_the_rules() -> None:
    from kbridge.knowledge import rules
    rule = next(r for r in rules.load() if r.since != "unknown")
    text = (f"#if {rule.guard}\nnew_api();\n#else\nold_api();\n#endif\n"
            f"#ifdef {rule.guard}\nx();\n#endif\n")
    spots, _ = cs.audit_text(text, "g.c", env=pr.make_env(min_kernel=rule.since, use_rules=False))
    assert [s.kind for s in spots] == ["kbridge_guard", "kbridge_guard"]
    assert spots[0].rule == rule.id and spots[0].api == sorted(rule.api)
    since = pr.parse_kernel(rule.since)
    assert [(k.start, k.end) for k in spots[0].branches[0].kernels or []] == [(since, None)]
    assert [b.dead for b in spots[0].branches] == [False, True]
    assert [b.pruned for b in spots[1].branches] == [False]


def test_real_kernel_drivers(real612: Path) -> None:
    a = cs.audit(real612)
    by_file: dict[str, list[cs.Spot]] = {}
    for s in a.spots:
        by_file.setdefault(s.file, []).append(s)
    floppy = {s.api[0] for s in by_file["drivers/block/floppy.c"] if s.kind == "compat_define"}
    assert {"fd_get_dma_residue", "fd_dma_mem_free", "fd_dma_mem_alloc", "fd_cacheflush",
            "fd_eject"} <= floppy
    ipmi = [s for s in by_file["drivers/char/ipmi/ipmi_watchdog.c"] if s.kind == "feature_macro"]
    # one spot per conditional on HAVE_DIE_NMI in the file as extracted today (a stable
    # update may add or drop one: counted from the source, not written down)
    tests = [ln for ln in (real612 / "drivers/char/ipmi/ipmi_watchdog.c").read_text().splitlines()
             if ln.lstrip().startswith("#") and ln.lstrip()[1:].lstrip().startswith(("if", "elif"))
             and "HAVE_DIE_NMI" in ln]
    assert len(ipmi) == len(tests) > 0 and all(s.symbols == ["HAVE_DIE_NMI"] for s in ipmi)
    proc = [s for s in by_file["drivers/pci/proc.c"] if s.kind == "feature_macro"]
    assert {s.symbols[0] for s in proc} == {"HAVE_PCI_MMAP", "HAVE_ARCH_PCI_GET_UNMAPPED_AREA"}
    assert all(s.api for s in proc)
    # CONFIG_ blocks and include guards are not compat spots
    assert not any(sym.startswith("CONFIG_") for s in a.spots for sym in s.symbols)


def test_cli_json_and_text(real612: Path) -> None:
    proc = run_cli("audit", str(DRIVER), "--json", "--min-kernel", "5.4")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["summary"]["spots"] == 9 and data["summary"]["dead_branches"] == 3
    assert data["spots"][0]["branches"][1]["dead"] is True
    again = run_cli("audit", str(DRIVER), "--json", "--min-kernel", "5.4")
    assert again.stdout == proc.stdout                       # deterministic
    text = run_cli("audit", str(real612 / "drivers/block/floppy.c"))
    assert text.returncode == 0, text.stderr
    assert "floppy.c:263: compat_define  API: fd_get_dma_residue" in text.stdout
    assert "compat spots in 1 of 1 files" in text.stdout


def test_corpus_driver_by_label(corpus: dict) -> None:
    proc = run_cli("audit", "xen-blkfront@6.12", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["files"] == len(
        [f for f in corpus["xen-blkfront@6.12"].files if f.endswith((".c", ".h"))])


def test_bad_input(tmp_path: Path) -> None:
    assert_bad_input(run_cli("audit", str(tmp_path / "missing")), "no such file")
    (tmp_path / "notes.txt").write_text("hi\n")
    assert_bad_input(run_cli("audit", str(tmp_path / "notes.txt")), "not a C source")
    assert_bad_input(run_cli("audit", str(tmp_path)), "no .c or .h files")
    assert_bad_input(run_cli("audit", str(DRIVER), "--min-kernel", "six"), "not a kernel version")
    assert_bad_input(run_cli("audit", str(DRIVER), "--max-kernel", "6.1"), "--min-kernel")
    (tmp_path / "bad.c").write_text("#if A\nx\n")
    assert_bad_input(run_cli("audit", str(tmp_path / "bad.c")), "bad.c:1", "without #endif")


def test_directives_agree_with_prunes_lexer(corpus: dict) -> None:
    """audit finds exactly the conditional directives prune's unifdef-style lexer sees."""
    n = 0
    for entry in corpus.values():
        for rel in entry.files:
            if not rel.endswith((".c", ".h")):
                continue
            text = (entry.path / rel).read_text()
            p = pr._Pruner(text, pr.Env(), rel)
            seen = []
            while (lt := p.parseline()) != pr.LT_EOF:
                if lt != pr.LT_PLAIN:   # a refetched line was appended: the directive is the first
                    seen.append(p.pos - max(p.tline.count("\n") - 1, 0))
            mine = [d.line for d in cs.directives(text) if d.keyword in cs._CONDITIONALS]
            assert mine == seen, f"{entry.label}/{rel}"
            n += len(mine)
    assert n > 100          # the corpus is light on conditionals: 103 of them


def test_real_version_checks_61_perf_bpf_scripts() -> None:
    """The only LINUX_VERSION_CODE conditionals left in Debian's 6.1 sources: perf's BPF
    test scripts refuse to build without it. Audit finds them, prune removes them."""
    root = kernel_source_files("6.1", "tools/perf/tests/bpf-script-*.c")
    a = cs.audit(root, min_kernel="5.4")
    spots = [s for s in a.spots if s.kind == "version"]
    # one spot per script testing LINUX_VERSION_CODE, on its #ifndef line (from the sources)
    scripts = {p.relative_to(root).as_posix(): p.read_text().splitlines()
               for p in sorted((root / "tools/perf/tests").glob("bpf-script-*.c"))}
    ifndef = {f: lines.index("#ifndef LINUX_VERSION_CODE") + 1 for f, lines in scripts.items()
              if "#ifndef LINUX_VERSION_CODE" in lines}
    assert ifndef and sorted((s.file, s.line) for s in spots) == sorted(ifndef.items())
    assert all(s.branches[0].directive == "#ifndef" for s in spots)
    assert all(s.branches[0].kernels == [] and s.branches[0].dead and s.branches[0].pruned
               for s in spots)
    for s in spots:
        text = (root / s.file).read_text()
        out = pr.prune_text(text, min_kernel="5.4")
        assert "# error Need LINUX_VERSION_CODE" in text and "# error" not in out
        assert "int _version SEC(\"version\") = LINUX_VERSION_CODE;" in out or "_version" not in text
