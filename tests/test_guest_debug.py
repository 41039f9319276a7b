"""Debug guest kernels: lockdep, DEBUG_ATOMIC_SLEEP and KASAN catch what Debian's kernels let pass.

Debian's kernels have no lockdep, no atomic-sleep checks and no KASAN: a
shim that takes a mutex when the driver calls it from its IRQ handler, under
spin_lock_irqsave, runs silently in their guests.
kbridge.actions.guest.debugkernel builds each series' source with those
checkers (once, cached); `kbridge run --debug` and the `debug_kernel`
fixture boot it, and modules are built against its own tree.

* the detection itself (runner.problem_lines, judge) on the checkers' real
  report lines: fast, always run;
* tests/fixtures/guest/atomic_misuse, a module that sleeps in atomic
  context, inverts a lock order or reads out of bounds on request: silent on
  Debian's kernel, a failed run on the debug kernel, one checker each;
* the shim behaviour modules (test_shims_behaviour) and the null_blk
  differential (test_guest_runtime) on the debug kernels.

The guest tests on the debug kernels carry the ``debugkernel`` mark, which the
default run deselects (pyproject.toml): building a debug kernel takes 6-7 min
of CPU per series on an idle 2-core machine and half an hour on a shared one
(bench/README.md), beyond the suite's budget. They never skip: the
`debug_kernel` fixture builds a kernel that is not in the cache. Run them with
``pytest -m debugkernel`` or bench/bench_debug_guests.py.
"""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, release, run_cli, version
from kbridge.actions.guest import debugkernel, runner
from kbridge.actions.guest.initramfs import KMSG_MARK, MARK
from kbridge.errors import KbridgeError

MISUSE = FIXTURES / "guest" / "atomic_misuse"
SERIES = ("6.1", "6.12")

# What each checker prints (copied from the kernels' own sources:
# kernel/sched/core.c __might_resched, kernel/locking/lockdep.c,
# mm/kasan/report.c), as dmesg shows it with timestamps stripped.
CHECKER_LINES = {
    "sleep": "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580",
    "lockdep": "WARNING: possible circular locking dependency detected",
    "kasan": "BUG: KASAN: slab-out-of-bounds in read_past_object+0x5b/0x90 [atomic_misuse]",
}
OTHER_REPORTS = [
    "BUG: scheduling while atomic: insmod/57/0x00000002",
    "WARNING: inconsistent lock state",
    "WARNING: possible recursive locking detected",
    "WARNING: possible irq lock inversion dependency detected",
    "WARNING: bad unlock balance detected!",
    "[ BUG: Invalid wait context ]",
    "WARNING: suspicious RCU usage",
    "INFO: trying to register non-static key.",
    "turning off the locking correctness validator.",
    "BUG: KASAN: use-after-free in kbt_x+0x1/0x2 [kbt]",
    "list_add corruption. prev->next should be next (ffffffffc0a01000), but was 0000000000000000.",
]
BENIGN = [
    "atomic_misuse: sleep=1 lockdep=0 kasan=0",
    "Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar",
    "... MAX_LOCKDEP_SUBCLASSES:  8",
    "kasan: KernelAddressSanitizer initialized",
    "stackdepot: allocating hash table of 1048576 entries via kvcalloc",
]


def test_problem_lines_catch_every_checker_report():
    lines = list(CHECKER_LINES.values()) + OTHER_REPORTS
    assert runner.problem_lines(lines + BENIGN) == lines


def _console(dmesg: list[str], *, module: str = "atomic_misuse") -> str:
    """A serial log as /init writes it: one module loaded, then the kernel log."""
    return "\n".join([f"{MARK} begin x", f"{MARK} insmod 0 {module} ", f"{MARK} dmesg-begin",
                      *dmesg, f"{MARK} dmesg-end", f"{MARK} end"]) + "\n"


@pytest.mark.parametrize("check", sorted(CHECKER_LINES))
def test_judge_fails_a_run_on_a_checker_report(check):
    dmesg = ["[    0.000000] Linux version x", f"[    1.000000] {KMSG_MARK} insmod atomic_misuse",
             "[    1.100000] atomic_misuse: sleep=1 lockdep=1 kasan=1",
             f"[    1.200000] {CHECKER_LINES[check]}", "[    1.300000] atomic_misuse: done",
             f"[    1.400000] {KMSG_MARK} done"]
    res = runner.judge("6.1.0-kbdebug", _console(dmesg), 9.0, False, "tcg", ["atomic_misuse"])
    assert not res.ok
    assert res.problems == [CHECKER_LINES[check]]
    assert res.reasons == [f"kernel log: {CHECKER_LINES[check]}"]
    # the same module's log without the report passes
    clean = [line for line in dmesg if CHECKER_LINES[check] not in line]
    assert runner.judge("x", _console(clean), 9.0, False, "tcg", ["atomic_misuse"]).ok


def test_judge_fails_a_run_whose_lockdep_was_off_before_the_module():
    # lockdep reports once and switches itself off: a boot-time report leaves the run blind
    dmesg = ["[    0.500000] INFO: trying to register non-static key.",
             "[    0.500001] turning off the locking correctness validator.",
             f"[    1.000000] {KMSG_MARK} insmod atomic_misuse", "[    1.1] atomic_misuse: done"]
    res = runner.judge("x", _console(dmesg), 9.0, False, "tcg", ["atomic_misuse"])
    assert not res.ok
    assert res.problems == []      # before the module: not the module's problem ...
    assert len(res.reasons) == 1 and "lockdep turned itself off before the first module" in res.reasons[0]


def test_fragment_has_the_checkers_and_the_boot_essentials():
    frag = dict(line.split("=", 1) for line in debugkernel.FRAGMENT)
    assert len(frag) == len(debugkernel.FRAGMENT)            # no option twice
    for opt in ("PROVE_LOCKING", "DEBUG_ATOMIC_SLEEP", "KASAN", "KASAN_GENERIC", "DEBUG_LIST",
                "PVH", "XEN_PVH", "SERIAL_8250_CONSOLE", "BLK_DEV_INITRD", "MODULES", "MODVERSIONS",
                "ACPI", "DEVTMPFS", "BINFMT_SCRIPT"):
        assert frag[f"CONFIG_{opt}"] == "y", opt
    for mod in ("BLK_DEV_NULL_BLK", "CONFIGFS_FS", "DRM", "MACVLAN", "IFB", "DUMMY"):
        assert frag[f"CONFIG_{mod}"] == "m", mod
    assert frag["CONFIG_LOCALVERSION"] == f'"{debugkernel.LOCALVERSION}"'


def test_recipe_key_follows_source_and_fragment(monkeypatch):
    rec = debugkernel.recipe("6.1")
    assert rec["source"]["version"].startswith(version("6.1") + "-")     # the package's version
    key = debugkernel.recipe_key(rec)
    assert key == debugkernel.recipe_key(debugkernel.recipe("6.1"))      # stable
    assert key != debugkernel.recipe_key(debugkernel.recipe("6.12"))
    monkeypatch.setattr(debugkernel, "FRAGMENT", debugkernel.FRAGMENT + ("CONFIG_KCSAN=y",))
    assert debugkernel.recipe_key(debugkernel.recipe("6.1")) != key


def test_debug_release_names():
    rel = f"{version('6.1')}{debugkernel.LOCALVERSION}"
    assert debugkernel.is_debug_release(rel)
    assert not debugkernel.is_debug_release(release("6.1"))
    assert debugkernel.series_of("6.12") == "6.12"
    assert debugkernel.series_of(release("6.1")) == "6.1"


def test_unbuilt_debug_kernel_is_one_error_line(tmp_path):
    rel = f"{version('6.1')}{debugkernel.LOCALVERSION}"
    with pytest.raises(KbridgeError, match=r"kbridge debug-kernel 6\.1"):
        debugkernel.require(rel, cache=tmp_path)
    proc = run_cli("--cache-dir", str(tmp_path), "run", str(MISUSE), "--kernel", rel)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "kbridge debug-kernel 6.1" in proc.stderr, proc.stderr
    proc = run_cli("--cache-dir", str(tmp_path), "debug-kernel", "--cached", "--json")
    assert proc.returncode == 1, proc.stderr
    assert [(e["series"], e["built"]) for e in json.loads(proc.stdout)] == [(s, False) for s in SERIES]


# --- guests ------------------------------------------------------------------------------


def _misuse_ko(tmp_path, rel):  # type: ignore[no-untyped-def]
    build, kos = runner.build_for(MISUSE, rel, tmp_path / "build")
    assert build.ok, build.log
    return kos


@pytest.mark.slow
@pytest.mark.parametrize("series", SERIES)
def test_misuse_is_silent_on_debians_kernel(tmp_path, series):
    """All three misuses in one boot of Debian's own kernel: loads, runs to the end, run passes."""
    rel = release(series)
    kos = _misuse_ko(tmp_path, rel)
    g = runner.run_guest(kos, rel, params=["sleep=1", "lockdep=1", "kasan=1"])
    assert g.ok, (g.reasons, g.problems)
    log = g.modules[0].dmesg
    assert "atomic_misuse: sleep=1 lockdep=1 kasan=1" in log and "atomic_misuse: done" in log, log


@pytest.mark.slow
@pytest.mark.parametrize("series", SERIES)
@pytest.mark.debugkernel
def test_debug_kernel_is_a_build_tree_and_boots_clean(tmp_path, series, debug_kernel):
    dk = debug_kernel(series)
    tree = dk.tree()
    assert tree.release == dk.release and tree.release.endswith(debugkernel.LOCALVERSION)
    assert tree.version == version(series)                  # the installed source's version
    assert tree.configured and tree.has_symvers
    config = (tree.path / ".config").read_text()
    for opt in ("PROVE_LOCKING", "DEBUG_ATOMIC_SLEEP", "KASAN", "PVH"):
        assert f"\nCONFIG_{opt}=y\n" in config, opt
    assert (dk.image.modules_dir / "modules.dep").is_file()
    # the module built against the debug tree loads there, doing nothing wrong: no report
    kos = _misuse_ko(tmp_path, dk.release)
    g = runner.run_guest(kos, dk.release, timeout=300)
    assert g.ok, (g.reasons, g.problems)
    assert "atomic_misuse: done" in g.modules[0].dmesg
    assert any("Lock dependency validator" in line for line in g.dmesg)
    assert any("KernelAddressSanitizer initialized" in line for line in g.dmesg)


@pytest.mark.slow
@pytest.mark.parametrize("check", sorted(CHECKER_LINES))
@pytest.mark.parametrize("series", SERIES)
@pytest.mark.debugkernel
def test_misuse_fails_the_run_on_the_debug_kernel(tmp_path, series, check, debug_kernel):
    dk = debug_kernel(series)
    kos = _misuse_ko(tmp_path, dk.release)
    g = runner.run_guest(kos, dk.release, params=[f"{check}=1"], timeout=300)
    assert not g.ok
    want = CHECKER_LINES[check].split(" at ")[0].split(" in ")[0]
    assert g.problems and want in g.problems[0], (want, g.problems)
    assert g.reasons[0].startswith("kernel log: "), g.reasons


@pytest.mark.debugkernel
def test_cli_debug_kernel_reports_the_cached_kernel(debug_kernel):
    dk = debug_kernel("6.1")
    proc = run_cli("debug-kernel", "6.1", "--cached", "--json")
    assert proc.returncode == 0, proc.stderr
    [entry] = json.loads(proc.stdout)
    assert entry["built"] and entry["release"] == dk.release and entry["tree"] == str(dk.tree_path)
    # a built kernel is found again by name, by series and by one of the series' releases
    assert debugkernel.require(dk.release).entry == dk.entry
    assert runner.debug_release("6.1") == runner.debug_release(release("6.1")) == dk.release


@pytest.mark.slow
@pytest.mark.debugkernel
def test_cli_run_debug(debug_kernel):
    dk = debug_kernel("6.1")
    proc = run_cli("run", str(MISUSE), "--kernel", "6.1", "--debug", "--param", "sleep=1",
                   "--timeout", "300", "--json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["guest"]["release"] == dk.release and not data["ok"]
    assert "BUG: sleeping function called from invalid context" in data["guest"]["reasons"][0]


@pytest.mark.slow
@pytest.mark.debugkernel
def test_shim_behaviour_on_the_debug_kernels(tree61, tree612, tmp_path, debug_kernel):
    """test_shims_behaviour's modules, bridged once, each OUT rebuilt against the debug trees
    (its build-time probes ask them), the same assertions on the debug kernels' guests."""
    from test_shims_behaviour import (bridge_behaviour_modules, build_behaviour_modules,
                                      check_behaviour_in_guests)

    d61, d612 = debug_kernel("6.1").tree(), debug_kernel("6.12").tree()
    reports = bridge_behaviour_modules(tree61, tree612, tmp_path)
    kos = build_behaviour_modules(reports, (d61, d612), tmp_path)
    check_behaviour_in_guests(kos, d61, d612)


@pytest.mark.slow
@pytest.mark.parametrize("source,target", [("6.1", "6.12"), ("6.12", "6.1")])
@pytest.mark.debugkernel
def test_null_blk_differential_on_the_debug_kernel(tmp_path, source, target, debug_kernel):
    """null_blk of one series bridged (layer), built against the other's debug tree, looks
    the same to user space as that series' own null_blk on the debug kernel."""
    from kbridge.actions.guest import snapshot
    from kbridge.facts import intree

    rel = debug_kernel(target).release
    out = tmp_path / "out"
    proc = run_cli("bridge", str(intree.find(f"null_blk@{source}").path), "--target", source,
                   "--target", target, "--strategy", "layer", "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cand = snapshot.snapshot(out, rel, "block", timeout=300)
    ref = snapshot.snapshot(intree.find(f"null_blk@{target}").path, rel, "block", timeout=300)
    assert cand["ok"], cand["reasons"]
    assert ref["ok"], ref["reasons"]
    cmp = snapshot.compare(cand, ref)
    assert len(cmp.same) > 40
    assert cmp.equal, f"shim bug: {cmp.different}"


DISCARD_IRQ = FIXTURES / "layer" / "kbtest_discard_irq"
# what 6.1 natively logs: discard and secure erase switched off under the spinlock, write-zeroes
# switched off from a softirq "completion" (sd_done's blk_queue_max_write_zeroes_sectors(q, 0))
DISCARD_IRQ_LOG = {"discard_before": "2048", "discard_after": "0", "secure_erase_after": "0",
                   "write_zeroes_before": "1024", "write_zeroes_in_softirq": "1",
                   "write_zeroes_after": "0"}


@pytest.fixture(scope="module")
def discard_irq_out(tmp_path_factory):  # type: ignore[no-untyped-def]
    """tests/fixtures/layer/kbtest_discard_irq (6.1's block API) bridged with the layer."""
    out = tmp_path_factory.mktemp("discard_irq") / "out"
    proc = run_cli("bridge", str(DISCARD_IRQ), "--target", "6.1", "--target", "6.12", "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def _discard_irq_run(out, rel, tmp_path):  # type: ignore[no-untyped-def]
    build, kos = runner.build_for(out, rel, tmp_path / "build")
    assert build.ok, build.log
    g = runner.run_guest(kos, rel, timeout=300)
    log = {line[4:].split("=")[0]: line.split("=", 1)[1] for line in g.modules[0].dmesg
           if line.startswith("kbq ")} if g.modules else {}
    return g, log


@pytest.mark.slow
@pytest.mark.parametrize("series", SERIES)
def test_discard_refusal_in_atomic_context_is_silent_on_debians_kernels(discard_irq_out, tmp_path,
                                                                        series):
    """xen-blkfront's discard refusal (its IRQ handler switches discard off under a spinlock),
    native on 6.1, through the layer on 6.12: Debian's kernels see nothing wrong."""
    g, log = _discard_irq_run(discard_irq_out, release(series), tmp_path)
    assert g.ok, (g.reasons, g.problems)
    assert log == DISCARD_IRQ_LOG


# Issue #13's finding 2, reproduced: on 6.12 the layer's blk_queue_max_discard_sectors shim
# went through queue_limits_start_update(), which takes q->limits_lock (a mutex) under the
# driver's spinlock -- "BUG: sleeping function called from invalid context" and lockdep's
# "[ BUG: Invalid wait context ]" on the debug kernel (failed so on the code before the
# fix of finding 2; the disabling setters are plain stores since). The same for
# blk_queue_max_write_zeroes_sectors(q, 0) from 6.1's sd softirq completion (sd_done ->
# sd_config_write_same): "sleeping function called from invalid context" on the 6.12 debug
# kernel before its shim took the plain-store path for 0 (review of the block shims, item 1).
@pytest.mark.slow
@pytest.mark.parametrize("series", SERIES)
@pytest.mark.debugkernel
def test_discard_refusal_in_atomic_context_on_the_debug_kernel(discard_irq_out, tmp_path, series,
                                                               debug_kernel):
    """The same on the debug kernels: 6.1's own setters do not sleep; the layer's shims on
    6.12 must not either (a driver calls them from its IRQ handler or softirq completion)."""
    g, log = _discard_irq_run(discard_irq_out, debug_kernel(series).release, tmp_path)
    assert g.ok, (g.reasons, g.problems)
    assert log == DISCARD_IRQ_LOG
