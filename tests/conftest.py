"""Shared fixtures: the real kernel trees and the real corpus (no mocks).

The set-up (scripts/setup.sh) installs Debian's 6.1 and 6.12 headers and
source packages; these fixtures resolve them once per session. The corpus
is extracted into the user's kbridge cache, which CI keeps between runs on
the same machine, so only the first run pays for the extraction.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kbridge.facts import corpus as corpus_mod
from kbridge.facts import series as series_mod
from kbridge.facts import targets

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def release(series: str) -> str:
    """The Debian release of the installed generic tree of *series* ("6.1" -> today's
    6.1.0-NN-amd64): tests derive every release from the installed trees, never write one
    down, because the mirror moves (set-up installs whatever it serves today)."""
    return series_mod.release(series)


def newest_series() -> str:
    """The newest series of the table (7.3 today), by version, not by its place in the table."""
    from kbridge.facts import series as series_mod
    return max(series_mod.names(), key=lambda n: tuple(int(x) for x in n.split(".")))


def host_series() -> tuple[str, ...]:
    """("6.1", "6.12"): the series the host's own toolchain builds (``toolchain = "host"``),
    whose 24 corpus drivers most tests iterate. Since every series is in `kbridge matrix`'s
    defaults (60 drivers x 5 kernels), a test that means these names them: the suite does
    not grow with the table."""
    return tuple(s.name for s in series_mod.all_series() if s.toolchain == "host")


def version(series: str) -> str:
    """The kernel version (VERSION.PATCHLEVEL.SUBLEVEL) of the installed tree of *series*."""
    tree = targets.resolve(series)
    assert tree.version, tree
    return tree.version


def common_dir(series: str) -> Path:
    """The -common headers directory of *series*' installed generic tree (Debian splits the
    arch-independent headers there; the flavour tree's Makefile includes its Makefile)."""
    return targets.source_tree(targets.resolve(series))


@pytest.fixture(scope="session")
def roots_ready() -> dict[str, Path]:
    """The Debian roots of every toolchain-"root" series of the table, by suite: made here on
    first use (mmdebstrap, 1-3 min and ~550 MB each; scripts/setup.sh makes them too), then
    reused from the cache by every later run. Never a skip: a root that cannot be made fails."""
    from kbridge.actions import roots
    return {suite: roots.ensure(suite)[0] for suite in roots.suites()}


@pytest.fixture(scope="session")
def trees(roots_ready) -> list[targets.KernelTree]:
    return targets.discover()


@pytest.fixture(scope="session")
def tree61(trees: list[targets.KernelTree]) -> targets.KernelTree:
    return targets.resolve("6.1", trees=trees)


@pytest.fixture(scope="session")
def tree612(trees: list[targets.KernelTree]) -> targets.KernelTree:
    return targets.resolve("6.12", trees=trees)


@pytest.fixture(scope="session")
def corpus() -> dict[str, corpus_mod.CorpusEntry]:
    """The 24 corpus entries of the host series by label (xen-blkfront@6.12, ...)."""
    return {e.label: e for e in corpus_mod.corpus(series=host_series())}


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `kbridge` console script as a user would."""
    exe = Path(sys.executable).parent / "kbridge"
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=full_env,
                          cwd=cwd, input=input)


def assert_builds_clean(out: Path, tree) -> Path:  # type: ignore[no-untyped-def]
    """A real kbuild of the module directory *out* on *tree*: exit 0, no diagnostic
    (error or warning), no undefined symbol (the shim tests' bar for a bridged OUT)."""
    from kbridge.actions.kbuild import parse_log, run_kbuild
    proc = run_kbuild(out, tree)
    diags, undefined = parse_log(proc.stdout, out)
    assert proc.returncode == 0 and not diags and not undefined, (tree.release, proc.stdout[-3000:])
    return out


def bridge_newest_and_510(fixture: Path, out: Path, direction: str, rules) -> Path:  # type: ignore[no-untyped-def]
    """``kbridge bridge FIXTURE --target NEWEST --target 5.10 -o OUT`` as a user runs it: exit 0,
    each of *rules* shipped in *direction*, and the ABI check ok on both kernels (it builds OUT
    on each)."""
    exe = Path(sys.executable).parent / "kbridge"
    proc = subprocess.run([str(exe), "bridge", str(fixture), "--target", newest_series(), "--target", "5.10",
                           "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    for r in rules:
        assert f"shim {r} ({direction}" in proc.stdout, proc.stdout
    abi_ok = [ln for ln in proc.stdout.splitlines() if ln.startswith("ABI on") and ": ok:" in ln]
    assert len(abi_ok) == 2, proc.stdout
    return out


def probe_states(series: str, rule_ids) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """`kbridge probe SERIES --json --rule ...`: rule id -> the state its probe finds there."""
    import json
    args = ["probe", series, "--json"]
    for rid in rule_ids:
        args += ["--rule", rid]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {r["rule"]: r["state"] for r in json.loads(proc.stdout)["results"]}


def assert_bad_input(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit status 2 and exactly one line on stderr that mentions each needle."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.fixture(scope="session")
def index61(tree61: targets.KernelTree):
    """The API index of the 6.1 tree (kbridge.facts.index.ApiIndex), cached in the user's cache."""
    from kbridge.facts.index import open_index
    return open_index(tree61)


@pytest.fixture(scope="session")
def index612(tree612: targets.KernelTree):
    """The API index of the 6.12 tree, cached in the user's cache."""
    from kbridge.facts.index import open_index
    return open_index(tree612)


def kernel_source_files(series: str, *members: str) -> Path:
    """Files of /usr/src/linux-source-<series>.tar.xz (paths or tar wildcards, relative to the
    tree's top), extracted once into the kbridge cache and returned as the tree's root there.
    For tests that need real kernel sources beyond the corpus; never commit what it returns."""
    import hashlib
    import shutil

    from kbridge.storage import cache_root

    from kbridge.errors import KbridgeError
    try:       # the host's /usr/src, or the Debian root's of a toolchain-"root" series
        tar = corpus_mod._tarball(series, None)
    except KbridgeError as exc:
        pytest.fail(str(exc))
    st = tar.stat()
    key = hashlib.sha256("\0".join(members).encode()).hexdigest()[:12]
    dest = cache_root() / "test-sources" / f"{series}-{st.st_size}-{st.st_mtime_ns}-{key}"
    if dest.is_dir():
        return dest
    tmp = dest.with_name(dest.name + f".{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    top = f"linux-source-{series}"
    subprocess.run(["tar", "-xJf", str(tar), "-C", str(tmp), "--strip-components=1", "--wildcards",
                    *[f"{top}/{m}" for m in members]], check=True)
    try:
        tmp.rename(dest)
    except OSError:          # a concurrent run got there first
        shutil.rmtree(tmp, ignore_errors=True)
    return dest




@pytest.fixture(scope="session")
def debug_kernel():  # type: ignore[no-untyped-def]
    """debug_kernel("6.1") -> the series' debug guest kernel (kbridge.actions.guest.debugkernel).

    Built on first use and cached (`kbridge debug-kernel` builds them too):
    6-7 min of CPU per series, half an hour on two shared cores, so the tests
    that use it carry the ``debugkernel`` mark, which the default run
    deselects (run them with ``pytest -m debugkernel`` or
    bench/bench_debug_guests.py). Never a skip: a kernel that cannot be built
    fails the test.
    """
    from kbridge.actions.guest import debugkernel

    memo: dict[str, object] = {}

    def get(series: str):  # type: ignore[no-untyped-def]
        if series not in memo:
            memo[series] = debugkernel.cached_debug_kernel(series) or debugkernel.build(series)
        return memo[series]

    return get


@pytest.fixture(scope="session")
def inline_corpus(corpus, tree61, tree612, tmp_path_factory):  # type: ignore[no-untyped-def]
    """inline_corpus(guards) -> {label: (OUT, bridge report)}: every corpus driver bridged
    inline (`guards`: "feature" or "version") for the other series, once per session and
    shared, read-only, by test_inline's round trip and test_prune_inline (the same 48 bridges
    each made on its own before)."""
    from kbridge.actions.bridge import bridge
    from kbridge.facts import driver as drv_mod

    memo: dict[str, dict[str, tuple[Path, object]]] = {}

    def get(guards: str) -> dict[str, tuple[Path, object]]:
        if guards not in memo:
            base = tmp_path_factory.mktemp(f"inline-{guards}")
            outs = {}
            for label, e in sorted(corpus.items()):
                other = tree61 if e.series == "6.12" else tree612
                drv = drv_mod.load(e.path, label=e.label, origin_version=e.version)
                outs[label] = (base / label, bridge(drv, [other], "inline", base / label, guards=guards))
            memo[guards] = outs
        return memo[guards]

    return get


# --- the suite's budget (bench/README.md, "Suite budget") -----------------------------------
# Parametrized cells that repeat what another cell of the default run already exercises (the
# same rules, the same strategy, the same kernel) carry the ``sweep`` mark, which the default
# run deselects; bench/bench_suite.py --mark sweep (or `pytest -m sweep`) runs them unchanged.
# Listed here, by node id, rather than in the test files, so that the files' owners keep
# their parametrization as they wrote it. Each entry says which default cell keeps its rules.
SWEEP_CELLS: dict[str, str] = {
    # phy_driver_ack_interrupt_removed on 6.1 (its get_sqi_max anchor and inlined phy_error
    # body): the same fixture and checks as the kept [7.3] cell, bridged for 6.1's kernel
    "tests/test_shims_phylib.py::test_ack_and_did_called_as_on_510[6.1]":
        "[7.3]",
    # 6.12's ifb applies no rule on 6.1 (test_differential_ifb_612_on_61_matches_61s_own runs
    # it unmodified there; [ifb-6.12-6.1-layer] bridges it): the inline cell adds no rule
    "tests/test_guest_runtime.py::test_differential_bridged[ifb-6.12-6.1-inline]":
        "[ifb-6.12-6.1-layer]",
    # 6.1's ifb applies one rule on 6.12, u64_stats_fetch_irq_removed, which
    # [macvlan-6.1-6.12-inline] applies inline in the same guest kernel
    "tests/test_guest_runtime.py::test_differential_bridged[ifb-6.1-6.12-inline]":
        "[ifb-6.1-6.12-layer], [macvlan-6.1-6.12-inline]",
    # fio through bridged null_blk: one strategy per direction stays; the same OUTs' shims
    # (same strategy, same kernel) are snapshotted by test_differential_bridged[null_blk-*]
    "tests/test_guest_tools.py::test_fio_verify_through_bridged_null_blk[6.12-6.1-inline]":
        "[6.12-6.1-layer], test_differential_bridged[null_blk-6.12-6.1-inline]",
    "tests/test_guest_tools.py::test_fio_verify_through_bridged_null_blk[6.1-6.12-layer]":
        "[6.1-6.12-inline], test_differential_bridged[null_blk-6.1-6.12-layer]",
    # --- session 8 (bench/README.md "Suite budget", the second table) ---
    # native cells: the unbridged module on its own kernel runs no shim (it is the test's
    # reference; the expected values are literals the bridged cells assert on their own)
    "tests/test_shims_fb_defio.py::test_old_deferred_io_driver_maps_and_sees_its_pages[5.10]":
        "[6.1], [6.12] (bridged, fb_deferred_io_pagereflist)",
    # 7.2 and 7.3 bridge it with the same two rules (page_index_removed's wrapper, the
    # trampoline's store of the index): [7.3] stays
    "tests/test_shims_fb_defio.py::test_old_deferred_io_driver_maps_and_sees_its_pages[7.2]":
        "[7.3] (bridged, page_index_removed + fb_deferred_io_pagereflist)",
    "tests/test_shims_fb_defio.py::test_new_deferred_io_driver_maps_and_sees_its_pagerefs[6.1]":
        "[5.10] (bridged, fb_deferred_io_pagereflist)",
    "tests/test_shims_fb_defio.py::test_generated_ops_driver_maps_through_the_macros_mmap[6.12]":
        "[5.10] (bridged, fb_gen_default_deferred_sysmem_ops + fb_deferred_io_mmap_exported)",
    "tests/test_shims_vm_flags.py::test_old_driver_writes_vm_flags_in_mmap[6.1]":
        "[6.12], [newest] (bridged, vm_flags_const)",
    "tests/test_shims_strscpy.py::test_bridged_and_native_copy_alike[newest]":
        "[5.10], [6.1] (bridged, strscpy_size_optional)",
    "tests/test_shims_sound.py::test_in_kernel_transfer_of_a_copy_user_only_driver[6.1]":
        "[6.12] (bridged, snd_pcm_ops_copy_iov_iter)",
    "tests/test_shims_drm.py::test_old_drm_driver_keeps_its_date_and_drm_info[6.12]":
        "[7.3] (bridged, drm_driver_date_removed + drm_print_h_not_implied)",
    "tests/test_guest_debug.py::test_discard_refusal_in_atomic_context_is_silent_on_debians_kernels[6.1]":
        "[6.12] (the layer's blk_queue_max_discard_sectors shims from the IRQ handler)",
    "tests/test_shims_net_old.py::test_old_api_module_behaves_in_guest[6.1]":
        "[6.12] (netdev_lltx, netdev_change_proto_down, ethtool_kernel_ts_info); "
        "test_old_api_module_builds_clean_on_612_and_61 checks every guard is off on 6.1",
    # no shim: the misuse module (the debug kernels' control) is silent on Debian's kernels;
    # one kernel keeps the claim in the default run
    "tests/test_guest_debug.py::test_misuse_is_silent_on_debians_kernel[6.1]": "[6.12]",
    # the same module, the same OUT, the same kernel: the Xen boot of the kept test loads it
    # in that kernel as dom0 (its init's ring / not_essential / XENVBD_MAJOR checks fail the
    # insmod, which fails the run) and then binds and removes a device
    "tests/test_shims_xen.py::test_kbtest_xen_behaves_in_guest[old-on-7.3]":
        "test_kbtest_xen_binds_and_removes_under_xen[old-on-7.3-xen4.20]",
    "tests/test_shims_xen.py::test_kbtest_xen_behaves_in_guest[new-on-5.10]":
        "test_kbtest_xen_binds_and_removes_under_xen[new-on-5.10-xen4.14]",
    # 7.3's module on 6.12 applies a subset of the rules it applies on 5.10 (p9_trans_pooled_
    # rbuffers and xdp_init_buff are 6.12's own), same direction, same strategy
    "tests/test_shims_p9net.py::test_kbtest_p9net_behaves_in_guest[new-on-6.12]":
        "[new-on-5.10]; test_kbtest_p9net_bridged_builds_clean[new-on-5.10-6.12-*] builds it on 6.12",
    # the newer home: the same switched drivers, the same claim (no shim, no predicted error
    # for a switched API, clean builds) as the 6.1 home, which builds on all four kernels
    "tests/test_version_switch.py::test_switched_driver_bridges_and_builds_everywhere[kbtest_i2c_vsw-6.12-layer]":
        "[kbtest_i2c_vsw-6.1-layer]",
    "tests/test_version_switch.py::test_switched_driver_bridges_and_builds_everywhere[kbtest_i2c_vsw-6.12-inline]":
        "[kbtest_i2c_vsw-6.1-inline]",
    "tests/test_version_switch.py::test_switched_driver_bridges_and_builds_everywhere[kbtest_plat_vsw-6.12-layer]":
        "[kbtest_plat_vsw-6.1-layer]",
    "tests/test_version_switch.py::test_switched_driver_bridges_and_builds_everywhere[kbtest_plat_vsw-6.12-inline]":
        "[kbtest_plat_vsw-6.1-inline]",
    # the inline delivery of the bus_remove fragment (one fragment for every bus: test_bus_
    # remove_rules_share_one_fragment) stays with i2c; spi, hv and mei keep their rule's
    # layer cells (spi on every kernel)
    "tests/test_shims_bus_remove.py::test_bus_remove_bridged_builds_on_every_kernel[inline-spi-homes1]":
        "[layer-spi-homes1], [inline-i2c-homes0]",
    "tests/test_shims_bus_remove.py::test_bus_remove_bridged_builds_on_every_kernel[inline-hv-homes2]":
        "[layer-hv-homes2], [inline-i2c-homes0]",
    "tests/test_shims_bus_remove.py::test_bus_remove_bridged_builds_on_every_kernel[inline-mei-homes3]":
        "[layer-mei-homes3], [inline-i2c-homes0]",
    # the bare boot of a root series' image: [7.3] stays; 5.10's and 7.2's images are fetched
    # (ensure_image) and booted by the shim tests of those kernels in every run
    "tests/test_guest_series.py::test_series_guest_boots_bare_to_init_and_powers_off[5.10]":
        "[7.3]; test_shims_*'s 5.10 guests",
    "tests/test_guest_series.py::test_series_guest_boots_bare_to_init_and_powers_off[7.2]":
        "[7.3]; test_shims_getgeo, test_shims_sg, test_shims_scsi (7.2 guests)",
    # p9_req_put_client (old_on_new): 6.1's p9_tag_lookup/p9_req_put/p9_tag_remove are 6.12's,
    # and 7.2's net/9p/client.c is 7.3's, byte for byte; the same module and rules
    "tests/test_shims_p9net.py::test_kbtest_p9put_old_puts_as_the_kernel_in_guest[layer-6.1]": "[layer-6.12]",
    "tests/test_shims_p9net.py::test_kbtest_p9put_old_puts_as_the_kernel_in_guest[layer-7.2]": "[layer-7.3]",
    # scsi_host_template_const's copy across reloads: 5.10's writes to the template (module
    # pointer at rmmod, proc counters) are 6.1's, the same code; 6.12 runs the module natively
    # (no shim: the expected values' reference)
    "tests/test_shims_scsi.py::test_const_template_with_proc_survives_reloads_without_leak[5.10]": "[6.1]",
    "tests/test_shims_scsi.py::test_const_template_with_proc_survives_reloads_without_leak[6.12]": "[6.1]",
    # --- session 12 ---
    # every probe compiled alone by kbuild vs the batched answers: [6.1] stays, the host kernel
    # where most probes fail to compile (the answers a poisoned batch would change);
    # test_batch_poisoning_is_detected_and_rerun_alone checks the mechanism on 6.12
    "tests/test_probe.py::test_batched_answers_equal_kbuild_alone[6.12]":
        "[6.1]; test_batch_poisoning_is_detected_and_rerun_alone",
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    for item in items:
        if item.nodeid in SWEEP_CELLS:
            item.add_marker(pytest.mark.sweep)
    _order_by_unit(items)


# --- two workers (pytest-xdist, `-n auto --dist loadscope` in pyproject's addopts) --------------
# The suite is single-threaded almost everywhere (kbuild -j1, a TCG guest is one thread,
# Python), so a 2-core machine runs it in about half the time on two workers. Each test file
# is one unit of work (a module-scoped fixture -- a file's guest boots -- runs once), and the
# files that share a costly session fixture are ONE unit, so it is made once: the shared
# guest boots (tests/sharedboot.py: every file defining shared_boot_entries or asking for
# shared_boot), the plain corpus builds, the inline corpus bridges. Unrelated session
# fixtures (indexes, trees) are cheap or cached on disk, and the cache (kbridge.storage) is
# safe for concurrent runs. The units are found from the files' text (:func:`work_units`),
# because xdist's controller never collects: it schedules node ids (and pytest 9 ignores the
# "@group" suffix xdist's own loadgroup writes into them, so that mode sends a group's tests
# to both workers). Units go dearest first (the `slow` tests each boot or build; the rest
# are fast) so the two workers end together; --no-loadscope-reorder keeps that order.
SHARED_FIXTURES = ("shared_boot", "corpus_plain_builds", "inline_corpus")
_UNIT_RE = re.compile(r"\b(shared_boot_entries|%s)\b" % "|".join(SHARED_FIXTURES))


def work_units(tests_dir: Path) -> dict[str, str]:
    """test file (as node ids name it: tests/test_x.py) -> its unit of work for the workers."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    files = sorted(tests_dir.glob("test_*.py"))
    for f in files:
        rel = f"{tests_dir.name}/{f.name}"
        find(rel)
        for m in _UNIT_RE.finditer(f.read_text(errors="replace")):
            name = "shared_boot" if m.group(1) == "shared_boot_entries" else m.group(1)
            parent[find(rel)] = find(f"<{name}>")
    return {f"{tests_dir.name}/{f.name}": find(f"{tests_dir.name}/{f.name}") for f in files}


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):  # type: ignore[no-untyped-def]
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling
    units = work_units(Path(__file__).parent)

    class UnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            f = nodeid.split("::", 1)[0]
            return units.get(f, f)

    return UnitScheduling(config, log)


def _order_by_unit(items) -> None:  # type: ignore[no-untyped-def]
    """Order *items* unit by unit, dearest unit first (the scheduler sends units in this order)."""
    units = work_units(Path(__file__).parent)

    def unit(item) -> str:  # type: ignore[no-untyped-def]
        f = item.nodeid.split("::", 1)[0]
        return units.get(f, f)

    cost: dict[str, float] = {}
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        u = unit(item)
        cost[u] = cost.get(u, 0.0) + (1.0 if item.get_closest_marker("slow") else 0.02)
        first.setdefault(u, i)
    items.sort(key=lambda it: (-cost[unit(it)], first[unit(it)]))


# --- one boot per kernel for several files' init-time shim tests (tests/sharedboot.py) ----------
def pytest_collection_finish(session):  # type: ignore[no-untyped-def]
    import sharedboot
    sharedboot.register_selected(session.items)


@pytest.fixture(scope="session")
def shared_boot(tmp_path_factory, roots_ready):  # type: ignore[no-untyped-def]
    """shared_boot(entry) -> the entry's view of the one boot of its series that loads every
    selected entry's modules (tests/sharedboot.py)."""
    import sharedboot

    def view(entry):  # type: ignore[no-untyped-def]
        return sharedboot.REGISTRY.view(entry, lambda name: tmp_path_factory.mktemp(name))

    return view


@pytest.fixture(scope="session")
def corpus_plain_builds(corpus, tree61, tree612):  # type: ignore[no-untyped-def]
    """The 24 host-series corpus drivers built plain (no bridge) on both host series -- 48 real
    kbuild runs through `kbridge matrix`'s runner (matrix.run, jobs=2) -- and `kbridge check`
    of each cross cell against its own series, once per session: {"builds": {(label,
    series): BuildResult}, "checks": {label: CheckResult}}. Shared, read-only, by
    test_matrix_baseline (the matrix's verdicts) and test_check_accuracy (gcc's diagnostics of
    the cross builds), which each made the same cross builds and checks before."""
    from kbridge.actions import matrix
    from kbridge.actions.check import run_check
    from kbridge.facts import driver as drivers

    trees = {"6.1": tree61, "6.12": tree612}
    cells = [matrix.Cell(drivers.load(e.path, label=label), tree)
             for label, e in sorted(corpus.items()) for tree in trees.values()]
    builds = {(c.driver.label, c.tree.series): r for c, r in zip(cells, matrix.run(cells, jobs=2))}
    checks = {}
    for label, e in sorted(corpus.items()):
        target = "6.12" if e.series == "6.1" else "6.1"
        checks[label] = run_check(drivers.resolve(label), trees[target], trees[e.series])
    return {"builds": builds, "checks": checks}


# --- where the suite's time goes (bench/README.md "Suite budget") -----------------------------
# KBRIDGE_TEST_TIMES=FILE appends one line per test as it ends, from every xdist worker:
# node id, wall seconds, CPU seconds of the worker and every child it waited for (kbuild, the
# roots' bwrap, QEMU) -- setup, call and teardown together. CPU seconds hardly depend on the
# machine's load, so a run beside other work still tells which tests cost what.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):  # type: ignore[no-untyped-def]
    path = os.environ.get("KBRIDGE_TEST_TIMES")
    if not path:
        yield
        return
    import resource
    import time

    def cpu() -> float:
        s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime

    t0, c0 = time.monotonic(), cpu()
    yield
    line = f"{item.nodeid}\t{time.monotonic() - t0:.1f}\t{cpu() - c0:.1f}\n"
    with open(path, "a") as fh:   # one short write per line: workers' lines do not interleave
        fh.write(line)


# --- one build cache per run (kbridge.actions.buildcache) ------------------------------------
# `kbridge bridge` builds its OUT on every target (the ABI check) and the tests then build
# the same OUT on the same kernel again; with the cache on, a run builds each distinct input
# once. It is this run's own (made here, in the controller, before xdist starts the workers,
# who inherit the variable; removed at the end), so the suite's time stays a cold cache's
# and nothing one run built serves the next. A KBRIDGE_BUILD_CACHE set by the caller is
# used as given and left in place.
SUITE_BUILD_CACHE: str | None = None


def pytest_configure(config):  # type: ignore[no-untyped-def]
    global SUITE_BUILD_CACHE
    import tempfile

    from kbridge.actions import buildcache
    if os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get(buildcache.ENV):
        return
    SUITE_BUILD_CACHE = tempfile.mkdtemp(prefix="kbridge-suite-builds-", dir="/var/tmp")
    os.environ[buildcache.ENV] = SUITE_BUILD_CACHE


def pytest_unconfigure(config):  # type: ignore[no-untyped-def]
    if SUITE_BUILD_CACHE is not None:
        shutil.rmtree(SUITE_BUILD_CACHE, ignore_errors=True)
