"""Feature probes on the real 6.1 and 6.12 trees (and their -rt/-cloud flavours)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kbridge.actions import kbuild_flags
from kbridge.actions import probe as probes
from kbridge.facts import targets
from kbridge.knowledge import rules

from conftest import FIXTURES, assert_bad_input, common_dir, run_cli, version


@pytest.fixture(scope="module")
def library() -> list[rules.Rule]:
    return rules.load()


@pytest.fixture(scope="module")
def answers(tree61, tree612, library, tmp_path_factory) -> dict[str, dict[str, probes.ProbeResult]]:
    cache = tmp_path_factory.mktemp("probe-cache")
    return {name: {r.rule: r for r in probes.probe(tree, library, cache)}
            for name, tree in (("6.1", tree61), ("6.12", tree612))}


def test_every_rule_answers_on_both_kernels_and_most_differ(answers, library) -> None:
    for name in ("6.1", "6.12"):
        broken = [r.rule for r in answers[name].values() if r.result is None]
        assert broken == [], (name, broken)
        assert all(r.method == "compile" and r.evidence for r in answers[name].values())
    differ = [r.id for r in library if answers["6.1"][r.id].result != answers["6.12"][r.id].result]
    assert len(differ) >= 25, differ
    # the library spans 5.10..7.3 now (a change before 6.1 answers new on both, one after
    # 6.12 old on both), but time only moves one way: no rule has the new API on 6.1 and
    # the old one on the later 6.12, and every change made between them differs
    assert not [r.id for r in library if answers["6.1"][r.id].result and not answers["6.12"][r.id].result]
    def key(v: str) -> tuple[int, ...]:
        parts = [int(x) for x in v.split(".")[:3]]
        return tuple(parts + [0] * (3 - len(parts)))
    between = [r.id for r in library if r.since != "unknown"
               and key(version("6.1")) < key(r.since) <= key("6.12")]
    assert between and set(between) <= set(differ), sorted(set(between) - set(differ))


def test_evidence_is_the_compilers_line(answers) -> None:
    r = answers["6.1"]["blk_mq_alloc_disk_takes_limits"]
    assert r.status == "missing"
    assert 'macro "blk_mq_alloc_disk" passed 3 arguments, but takes just 2' in r.evidence
    r = answers["6.1"]["page_pool_types_header"]
    assert r.evidence == "fatal error: net/page_pool/types.h: No such file or directory"
    inverted = answers["6.12"]["queue_flag_virt_removed"]
    assert inverted.result is True and "'QUEUE_FLAG_VIRT' undeclared" in inverted.evidence


def test_header_probes_agree_with_compile_probes(tree61, tree612, library, answers) -> None:
    for name, tree in (("6.1", tree61), ("6.12", tree612)):
        by_header = probes.probe(tree, library, method="header", use_cache=False)
        wrong = [(h.rule, h.evidence) for h in by_header
                 if h.status != "unknown" and h.result != answers[name][h.rule].result]
        assert wrong == [], (name, wrong)
        unknown = [h.rule for h in by_header if h.status == "unknown"]
        assert len(unknown) <= 2, unknown       # only rules without a header pattern


def test_flavours_are_targets_like_any_other(trees, library, tmp_path) -> None:
    """Debian's 6.1 -rt headers already dropped the u64_stats *_irq variants (the
    generic 6.1 tree still has them): the answer must differ between flavours."""
    by_flavour = {t.flavour: t for t in trees if t.series == "6.1" and t.configured}
    assert {"generic", "rt", "cloud"} <= set(by_flavour)
    rule = [r for r in library if r.id == "u64_stats_fetch_irq_removed"]
    got = {f: probes.probe(by_flavour[f], rule, tmp_path)[0].result for f in ("generic", "rt", "cloud")}
    assert got == {"generic": False, "rt": True, "cloud": False}


def test_batch_poisoning_is_detected_and_rerun_alone(tree612) -> None:
    fx = rules.load(FIXTURES / "rules")
    got = {r.rule: r for r in probes.probe(tree612, fx, use_cache=False)}
    # an unbalanced brace swallows the later probes; each is re-run alone
    assert got["fx_a_cascade"].result is None and got["fx_a_cascade"].status == "broken"
    assert (got["fx_b_missing"].result, got["fx_b_missing"].status) == (False, "missing")
    assert (got["fx_c_present"].result, got["fx_c_present"].status) == (True, "present")
    assert got["fx_c_present"].alone
    # a failure for the wrong reason is "broken", never "absent"
    assert got["fx_d_broken"].result is None and "INT_MAXX" in got["fx_d_broken"].evidence
    assert got["fx_e_missing_header"].result is False
    assert got["fx_e_missing_header"].evidence.endswith("kb_no_such_header.h: No such file or directory")


def test_cache_answers_warm_and_is_keyed_on_probe_text(tree612, library, tmp_path) -> None:
    cold = probes.probe(tree612, library, tmp_path)
    warm = probes.probe(tree612, library, tmp_path)
    assert all(r.cached for r in warm) and not any(r.cached for r in cold)
    assert [(r.rule, r.result, r.evidence) for r in cold] == [(r.rule, r.result, r.evidence) for r in warm]
    # a changed snippet is a new question
    import dataclasses
    r0 = library[0]
    changed = dataclasses.replace(r0, probe=dataclasses.replace(r0.probe, code=r0.probe.code + "\n"))
    again = probes.probe(tree612, [changed], tmp_path)
    assert not again[0].cached


def test_compile_command_is_kbuilds_own(tree61, tree612, tmp_path) -> None:
    cache = probes.ProbeCache(tmp_path / "c.sqlite")
    for tree in (tree61, tree612):
        cmd = kbuild_flags.compile_command(tree, cache.db)
        assert "gcc" in cmd.compiler and "-D__KERNEL__" in cmd.argv and "-DMODULE" in cmd.argv
        assert "-Werror=implicit-function-declaration" in cmd.argv
        assert "-c" not in cmd.argv and not any(a.endswith(".c") for a in cmd.argv)
        assert cmd.cwd == tree.path
        assert kbuild_flags.compile_command(tree, cache.db) == cmd     # from the cache


def test_parse_cmd_file_both_spellings() -> None:
    for prefix in ("cmd", "savedcmd"):
        text = (f"{prefix}_/tmp/x/kbprobe.o := gcc -Wp,-MMD,/tmp/x/.kbprobe.o.d -nostdinc "
                "-DKBUILD_MODNAME='\"kbprobe\"' -c -o /tmp/x/kbprobe.o /tmp/x/kbprobe.c   ; "
                "./tools/objtool/objtool --module /tmp/x/kbprobe.o\n")
        assert kbuild_flags.parse_cmd_file(text) == ["gcc", "-nostdinc", '-DKBUILD_MODNAME="kbprobe"']


def test_cli_json_and_deterministic_config_header(tmp_path) -> None:
    env = {"KBRIDGE_CACHE_DIR": str(tmp_path / "cache")}
    out1, out2 = tmp_path / "a.h", tmp_path / "b.h"
    p1 = run_cli("probe", "6.12", "--json", "-o", str(out1), env=env)
    assert p1.returncode == 0, p1.stderr
    p2 = run_cli("probe", "6.12", "-o", str(out2), env=env)
    assert p2.returncode == 0, p2.stderr
    assert out1.read_bytes() == out2.read_bytes()
    text = out1.read_text()
    assert "#define KB_HAVE_BLK_MODE_T 1\n" in text
    import json
    data = json.loads(p1.stdout)
    assert set(data["results"][0]) >= {"rule", "result", "method", "seconds", "evidence"}
    p3 = run_cli("probe", "6.1", "--rule", "blk_mode_t", "-o", str(out1), env=env)
    assert p3.returncode == 0, p3.stderr
    assert "/* #undef KB_HAVE_BLK_MODE_T */" in out1.read_text()


def test_cli_bad_input(tmp_path) -> None:
    env = {"KBRIDGE_CACHE_DIR": str(tmp_path)}
    assert_bad_input(run_cli("probe", "9.9", env=env), "unknown target")
    assert_bad_input(run_cli("probe", "6.12", "--rule", "no_such_rule", env=env), "no_such_rule")
    assert_bad_input(run_cli("probe", "6.12", "-o", str(tmp_path / "nodir" / "kb.h"), env=env), "nodir")


def test_concurrent_runs_share_one_cache(tmp_path, library) -> None:
    # three runs at once on one empty cache: each answers every rule it asked, alike. Forty
    # rules (every n-th of the library: probes of several headers, both answers), not all:
    # the race is on the cache's rows, which forty rules write as all of them would (the
    # whole library cost 54 CPU-s here)
    env = {"KBRIDGE_CACHE_DIR": str(tmp_path)}
    exe = Path(sys.executable).parent / "kbridge"
    import os
    step = max(1, len(library) // 40)
    ids = [r.id for r in library][::step][:40]
    procs = [subprocess.Popen([str(exe), "probe", "6.1", "--json", "--rule", *ids], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
             for _ in range(3)]
    outs = [p.communicate() for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    import json
    answers = [[(r["rule"], r["result"]) for r in json.loads(o[0])["results"]] for o in outs]
    assert answers[0] == answers[1] == answers[2]
    assert sorted(a for a, _ in answers[0]) == sorted(ids)


@pytest.mark.slow
@pytest.mark.parametrize("series", ["6.1", "6.12"])
def test_batched_answers_equal_kbuild_alone(series, trees, library, answers) -> None:
    """Every probe compiled alone by real kbuild (one object each, make -k -j2)
    gives the answer the batched -fsyntax-only run gave."""
    tree = targets.resolve(series, trees=trees)
    reference = probes.kbuild_answers(tree, library, jobs=2)
    mismatch = [(rid, status, answers[series][rid].status) for rid, (status, _ev) in reference.items()
                if status != answers[series][rid].status]
    assert mismatch == [], mismatch


def test_unbuildable_tree_gets_header_probes(tmp_path, library, answers) -> None:
    """A tree without .config (here: a bare tree that includes 6.1's -common
    Makefile, as Debian's flavour trees do) cannot compile; `auto` falls back to
    header probes, which must still give the compile answers."""
    common = common_dir("6.1")
    fake = tmp_path / "linux-headers-bare"
    (fake / "include").mkdir(parents=True)
    (fake / "Makefile").write_text(f"include {common}/Makefile\n")
    tree = targets.inspect(fake)
    assert not tree.configured
    got = probes.probe(tree, library, tmp_path / "cache")
    assert {r.method for r in got} == {"header"}
    wrong = [(r.rule, r.evidence) for r in got
             if r.status != "unknown" and r.result != answers["6.1"][r.rule].result]
    assert wrong == [], wrong
    proc = run_cli("probe", str(fake), "--json", env={"KBRIDGE_CACHE_DIR": str(tmp_path / "c2")})
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("probe", str(fake), "--method", "compile", env={"KBRIDGE_CACHE_DIR": str(tmp_path)})
    assert_bad_input(proc, "not configured")


def test_fingerprint_follows_header_content_not_timestamps(tmp_path, tree612) -> None:
    inc = tmp_path / "include"
    inc.mkdir()
    (inc / "a.h").write_text("int a;\n")
    cache = probes.ProbeCache(tmp_path / "fp.sqlite")
    fp1 = probes.tree_fingerprint(tree612, [inc], cache)
    os.utime(inc / "a.h", (1, 1))                       # touched, same content
    assert probes.tree_fingerprint(tree612, [inc], cache) == fp1
    (inc / "a.h").write_text("int b;\n")                # changed content
    assert probes.tree_fingerprint(tree612, [inc], cache) != fp1


def _build_time_answers(tree, library, work: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Status per rule from OUT's own build-time runner: the files a layer ships
    under compat/ and the probe step of its Kbuild, run by the tree's kbuild
    (``make -n``: kbuild reads Kbuild, which probes, and compiles nothing)."""
    from kbridge.actions.bridge import buildtime
    from kbridge.actions.kbuild import make_env
    compat = work / "compat"
    (compat / "probes").mkdir(parents=True)
    for rel, text in buildtime.runner_files(library).items():
        (compat / rel).write_text(text)
    (work / "Kbuild").write_text("KB_COMPAT := $(src)/compat\n"
                                 + buildtime.kbuild_probe_step("layer", ".") + "obj-m += kbx.o\n")
    (work / "kbx.c").write_text("")
    proc = subprocess.run(["make", "-s", "-C", str(tree.path), f"M={work}", "modules", "-n"],
                          capture_output=True, text=True, env=make_env())
    answers = compat / ".kb_answers"
    assert answers.is_file(), proc.stderr[-2000:]
    assert (compat / "kb_config.h").is_file(), proc.stderr[-2000:]
    return {line.split(" ")[0]: line.split(" ")[1] for line in answers.read_text().splitlines()}


def _build_time_config(work: Path) -> set[str]:
    """The macros the build-time runner defined in OUT's compat/kb_config.h."""
    import re
    return set(re.findall(r"^#define (KB_\w+) 1$", (work / "compat" / "kb_config.h").read_text(), re.M))


@pytest.mark.parametrize("which", ["6.1", "6.12", "6.1-rt"])
def test_kbridge_probe_and_outs_build_time_runner_answer_alike(which, trees, library, answers,
                                                              tmp_path) -> None:
    """`kbridge probe` (the runner with the compile command of kbuild's .cmd file)
    and OUT's build-time probes (the same runner called from Kbuild with kbuild's
    make variables) give every rule the same answer, on both kernels and on the
    -rt flavour (where u64_stats_fetch_irq_removed differs from generic 6.1)."""
    series, _, flavour = which.partition("-")
    tree = next(t for t in trees if t.series == series and t.configured
                and t.flavour == (flavour or "generic"))
    mine = answers[series] if not flavour else \
        {r.rule: r for r in probes.probe(tree, library, tmp_path / "cache")}
    from kbridge.actions.bridge import buildtime
    built = _build_time_answers(tree, library, tmp_path / "out")
    assert set(built) == {s.name for s in buildtime.snippets(library)}
    # the shims' anchors (shim.toml, KB_ANCHOR_*) are no rule's answer: present or missing
    anchors = {rid: built.pop(rid) for rid in list(built) if rid.startswith("anchor.")}
    assert set(anchors.values()) <= {"present", "missing"}, anchors
    mismatch = [(rid, status, mine[rid].status) for rid, status in built.items()
                if "." not in rid and status != mine[rid].status]
    # a two-sided rule's other side: its own line in OUT's answers
    mismatch += [(rid, status, mine[rid.split(".")[0]].other) for rid, status in built.items()
                 if "." in rid and status != mine[rid.split(".")[0]].other[0]]
    assert mismatch == [], mismatch
    assert "broken" not in built.values()
    # the macros OUT's shims are guarded by say what the states say
    defined = _build_time_config(tmp_path / "out")
    for r in library:
        assert (r.guard in defined) == (mine[r.id].state in ("new", "both")), r.id
        if r.probe.two_sided:
            assert (r.old_guard in defined) == (mine[r.id].state in ("old", "both")), r.id
    if flavour:
        assert mine["u64_stats_fetch_irq_removed"].result != answers["6.1"]["u64_stats_fetch_irq_removed"].result
