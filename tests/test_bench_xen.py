"""bench/bench_xen.py --pairs (issue 14, the generations) without a boot: which directions and
Xen versions the series table gives, and how a stage's output and negotiation are judged.
The boots themselves are the bench's (bench/README.md), never the suite's."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from kbridge.actions.guest import xen
from kbridge.facts import series as series_mod

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_xen.py"


@pytest.fixture(scope="module")
def bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_xen", BENCH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_xen"] = mod          # its dataclasses resolve their module
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop("bench_xen", None)


def test_all_pairs_are_every_direction_of_the_series_table(bench) -> None:  # type: ignore[no-untyped-def]
    names = series_mod.names()
    got = bench.parse_pairs("all", names)
    assert len(got) == len(set(got)) == len(names) * (len(names) - 1)
    assert {(a, b) for a in names for b in names if a != b} == set(got)
    # a pair is run both ways, once, whichever order it is named in
    a, b = names[0], names[-1]
    assert bench.parse_pairs(f"{a}:{b}", names) == [(a, b), (b, a)]
    assert bench.parse_pairs(f"{a}:{b},{b}:{a}", names) == [(a, b), (b, a)]
    for bad in (f"{a}", f"{a}:{a}", f"{a}:9.99", f"{a}-{b}", ""):
        with pytest.raises(ValueError):
            bench.parse_pairs(bad, names)


def test_each_dom0_boots_under_its_suites_xen_else_the_newest(bench) -> None:  # type: ignore[no-untyped-def]
    newest = max(xen.VERSIONS, key=lambda v: tuple(int(x) for x in v.split(".")))
    by_suite = {x.suite: v for v, x in xen.VERSIONS.items()}
    chosen = {s: bench.xen_for(s) for s in series_mod.names()}
    for s, v in chosen.items():
        assert v == by_suite.get(series_mod.get(s).suite, newest), (s, v)
    # the newest series gets the newest Xen, and the runs span more than one version
    top = max(series_mod.names(), key=lambda n: tuple(int(x) for x in n.split(".")))
    assert chosen[top] == newest
    assert len(set(chosen.values())) > 1, chosen


def test_bad_pairs_are_one_error_line_exit_2() -> None:
    proc = subprocess.run([sys.executable, str(BENCH), "--pairs", "6.1:9.99"],
                          capture_output=True, text=True)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "9.99" in proc.stderr, proc.stderr


DISK_OUT = """stage=from-7.3 disk=/dev/xvdb netif=eth1
fio 0
dd-md5 aa aa
reattach-md5 aa aa
reattach-xenstore-begin
/local/domain/0/device/vbd/51728/state = "4"
/local/domain/0/device/vbd/51728/ring-ref0 = "9"
/local/domain/0/device/vbd/51728/ring-page-order = "2"
/local/domain/0/device/vbd/51728/multi-queue-num-queues = "2"
/local/domain/0/backend/vbd/0/51728/state = "4"
reattach-xenstore-end
"""
NET_OUT = """ping-tx 5 5
ping-rx 5 5
tcp-rx bb bb
tcp-tx bb bb
"""


def _stage(*, kinds=("disk", "vif"), out: str | None = None, persistent: str = "0",
           rmmod: int = 0) -> xen.StageResult:
    store = {}
    if "disk" in kinds:
        store.update({
            "/local/domain/0/device/vbd/51728/state": "4",
            "/local/domain/0/device/vbd/51728/ring-ref0": "8",
            "/local/domain/0/device/vbd/51728/ring-page-order": "2",
            "/local/domain/0/device/vbd/51728/multi-queue-num-queues": "2",
            "/local/domain/0/device/vbd/51728/feature-persistent": persistent,
            "/local/domain/0/backend/vbd/0/51728/state": "4",
            "/sys/block/xvdb/queue/max_segments": "11"})
    if "vif" in kinds:
        store.update({
            "/local/domain/0/device/vif/0/state": "4",
            "/local/domain/0/device/vif/0/multi-queue-num-queues": "2",
            "/local/domain/0/backend/vif/0/0/state": "4",
            "/sys/class/net/netif/queues": "rx-0 rx-1 tx-0 tx-1 "})
    if out is None:
        out = (DISK_OUT.replace('feature-persistent = "0"', "") if "disk" in kinds else "") + \
              (NET_OUT if "vif" in kinds else "")
        if "disk" in kinds:
            out = out.replace('reattach-xenstore-end',
                              f'/local/domain/0/device/vbd/51728/feature-persistent = "{persistent}"\n'
                              '/sys/ignored = "x"\nreattach-xenstore-end')
    names = {"disk": "xen_blkfront", "vif": "xen_netfront"}
    return xen.StageResult("from-7.3", rmmod == 0, [] if rmmod == 0 else ["rmmod failed"], [],
                           {k: 0 for k in kinds}, "eth1" if "vif" in kinds else None, store, 0,
                           out, {names[k]: rmmod for k in kinds})


def test_a_stage_passes_with_io_both_ways_and_the_same_renegotiation(bench) -> None:  # type: ignore[no-untyped-def]
    assert bench.check_stage(_stage()) == []
    # a netfront-only stage (5.10's today: its blkfront does not bridge) is judged on the vif
    assert bench.check_stage(_stage(kinds=("vif",))) == []
    assert bench.check_stage(_stage(kinds=("disk",))) == []


@pytest.mark.parametrize("edit,why", [
    (("tcp-tx bb bb", "tcp-tx bb cc"), "tcp-tx"),
    (("tcp-rx bb bb", "tcp-rx bb "), "tcp-rx"),
    (("ping-rx 5 5", "ping-rx 5 0"), "ping-rx"),
    (("ping-tx 5 5\n", ""), "ping-tx"),
    (("fio 0", "fio 84"), "fio"),
    (("reattach-md5 aa aa", "reattach-md5 aa ab"), "reattach-md5"),
    (('ring-page-order = "2"\n/local/domain/0/device/vbd/51728/multi', 'ring-page-order = "0"\n'
      '/local/domain/0/device/vbd/51728/multi'), "re-attach negotiated differently"),
])
def test_a_stage_fails_on_each_broken_step(bench, edit, why) -> None:  # type: ignore[no-untyped-def]
    good = _stage()
    assert edit[0] in good.test_output
    bad = _stage(out=good.test_output.replace(*edit))
    problems = bench.check_stage(bad)
    assert any(why in p for p in problems), problems


def test_a_stage_fails_on_a_missing_key_of_its_own_kinds_only(bench) -> None:  # type: ignore[no-untyped-def]
    st = _stage(kinds=("vif",))
    assert bench.check_stage(st, required=("vbd.front.feature-persistent",)) == []
    assert bench.check_stage(st, required=("vif.front.feature-sg",)) == \
        ["negotiation key vif.front.feature-sg missing"]
    assert bench.check_stage(_stage(rmmod=1)) == ["rmmod failed"]


def test_a_difference_is_explained_only_by_the_sources_own_value(bench) -> None:  # type: ignore[no-untyped-def]
    native, bridged = _stage(persistent="1"), _stage(persistent="0")
    cmp, unexplained = bench.differential(native, bridged, _stage(persistent="0"))
    assert cmp.differences == {"vbd.front.feature-persistent": ("1", "0")} and not unexplained
    cmp, unexplained = bench.differential(native, bridged, _stage(persistent="1"))
    assert unexplained == {"vbd.front.feature-persistent": ("1", "0", "1")}
    _, unexplained = bench.differential(native, bridged, None)
    assert set(unexplained) == {"vbd.front.feature-persistent"}
    # a netfront-only stage is compared on the vif alone
    cmp, unexplained = bench.differential(native, _stage(kinds=("vif",)), None)
    assert cmp.equal and not unexplained and cmp.compared > 0


def test_stage_seconds_from_dmesg_marks(bench) -> None:  # type: ignore[no-untyped-def]
    console = "\n".join([
        "@@KBRIDGE dmesg-begin",
        "[    1.000000] kbridge-guest: insmod dep xen_blkback",
        "[   10.000000] kbridge-guest: insmod xen_blkfront",
        "[   11.000000] kbridge-guest: insmod xen_netfront",
        "[   30.500000] kbridge-guest: rmmod xen_netfront",
        "[   31.000000] kbridge-guest: rmmod xen_blkfront",
        "[   32.000000] kbridge-guest: insmod xen_netfront",
        "[   52.250000] kbridge-guest: rmmod xen_netfront",
        "@@KBRIDGE dmesg-end"])
    assert bench.stage_seconds(console, [["a", "b"], ["c"]]) == [21.0, 20.2]
    assert bench.stage_seconds(console, [["a", "b"], ["c"], ["d"]])[2] is None


def test_the_kernels_view_the_test_prints_joins_the_differential(bench) -> None:  # type: ignore[no-untyped-def]
    """blk-mq's tag set flags (debugfs) are compared like the queue limits: a bridged
    blkfront whose tag set lacks a flag the native one has is a difference."""
    def with_flags(flags: str) -> xen.StageResult:
        st = _stage()
        st.test_output = (f'view-begin\n/sys/kernel/debug/block/xvdb/hctx0/flags = "{flags}"\n'
                          f'/sys/kernel/debug/block/xvdb/hctx1/flags = "{flags}"\nview-end\n'
                          + st.test_output)
        return st
    native, bridged = with_flags("alloc_policy=FIFO SHOULD_MERGE"), with_flags("alloc_policy=FIFO")
    assert bench.negotiation(native)["/sys/kernel/debug/block/xvdb/hctx/flags"] == \
        "alloc_policy=FIFO SHOULD_MERGE"
    cmp, unexplained = bench.differential(native, bridged, with_flags("alloc_policy=FIFO"))
    assert cmp.differences == {"/sys/kernel/debug/block/xvdb/hctx/flags":
                               ("alloc_policy=FIFO SHOULD_MERGE", "alloc_policy=FIFO")}
    assert not unexplained          # the source's own kernel shows the same: explained
    assert bench.check_stage(bridged) == []


def test_under_a_xen_with_its_own_libc_the_test_calls_xl_with_dom0s_libraries() -> None:
    """Xen 4.20's tools need a newer glibc than the host's (own_libc): a test script
    that calls xl (test_xen's re-attach, bench_xen's) must not inherit the tools disk's
    LD_LIBRARY_PATH (its older libc: "version `GLIBC_2.38' not found (required by xl)",
    seen in bench_xen --pairs on the 7.3 dom0); the disk's tools find their libraries
    through their own loader's --library-path instead. Without own libc: as before."""
    from kbridge.actions.guest import tools
    for own in (True, False):
        init = xen.init_script(deps=[], stages=[("s", ["xen_blkfront"], ("disk",))],
                               version="4.20", has_test=True, test_timeout=10, tools=True,
                               own_loader=own)
        cmd = next(line for line in init.splitlines() if "/kbridge/test.sh" in line)
        assert ("LD_LIBRARY_PATH" in cmd) == (not own), cmd
        pre = tools.prelude(own_loader=own)
        assert all((f"--library-path {tools.MOUNT}/{tools.LIBDIR} " in line) == own
                   for line in pre.splitlines()), pre


def test_a_dom0_log_that_wrapped_past_the_marks_still_fails_the_run() -> None:
    """A flood of reports (xen-netfront@5.10 on 6.12: 53 'Bad page state' BUGs with their
    traces) wraps dom0's kernel log past the marks /init wrote before the first module:
    the dump then starts mid-report and its first mark is the last rmmod. Everything in
    such a log came after the modules loaded, so every BUG/WARNING in it fails the run
    (the run passed before: only the lines after that last mark were judged)."""
    M = "@@KBRIDGE"
    console = "\n".join([
        f"{M} begin 6.12.1-amd64", f"{M} xen-setup xenstored 0 ",
        f"{M} xen-stage module begin", f"{M} insmod 0 xen_netfront ",
        f"{M} xen-attach module vif 0 eth0 ", f"{M} test 0",
        f"{M} test-output-begin", "ok", f"{M} test-output-end",
        f"{M} xen-rmmod module 0 xen_netfront tries=1 ", f"{M} xen-stage module end",
        f"{M} xl-dmesg-begin", "(XEN) Freed 656kB init memory", f"{M} xl-dmesg-end",
        f"{M} dmesg-begin",
        "[   25.154622]  ? skb_copy_bits+0x136/0x250",
        "[   25.155090] BUG: Bad page state in process ip  pfn:05d8b",
        "[   25.155100] page dumped because: page_pool leak",
        "[   30.870626] WARNING: CPU: 0 PID: 30 at net/core/dev_addr_lists.c:1 dev_addr_flush+0x12/0x30",
        "[   30.873535] kbridge-guest: rmmod xen_netfront",
        "[   30.950724] kbridge-guest: done", f"{M} dmesg-end", f"{M} end", ""])
    res = xen.judge("6.12.1-amd64", "4.17", xen.XenBoot(console, 1.0, False, 0, [], None),
                    ["module"])
    assert not res.ok, res.reasons
    assert any("Bad page state" in p for p in res.problems), res.problems
    assert any("dev_addr_flush" in p for p in res.problems), res.problems
