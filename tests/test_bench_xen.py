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


# ---------------------------------------------------------------- attaches under load

FAKE_XL = r"""#!/bin/sh
# xl for kbridge-xl-attach's tests: each KIND-attach takes the next outcome of
# $FAKE/outcomes (ok, initwait, hotplug, exists); the devices are lines of $FAKE/devs
cmd=$1; echo "$*" >> $FAKE/calls
case $cmd in
  *-list) echo "Idx BE state"; cat $FAKE/devs 2>/dev/null;;
  *-attach)
    o=$(head -n 1 $FAKE/outcomes); sed -i 1d $FAKE/outcomes
    case $cmd in block-*) id=51728 k=vbd;; *) id=$(($(wc -l < $FAKE/devs) + 0)) k=vif;; esac
    [ "$o" = exists ] && { echo "libxl: error: device already exists in xenstore"; exit 1; }
    echo $id >> $FAKE/devs
    case $o in
      ok) exit 0;;
      initwait) echo "libxl: error: libxl_device.c:1194:device_backend_callback: unable to add device with path /local/domain/0/backend/$k/0/$id - rc -9"
                echo "libxl: error: libxl_device.c:1495:device_addrm_aocomplete: Unable to add $k with id $id"; exit 1;;
      hotplug) case $cmd in block-*) s="block add";; *) s="vif-bridge online";; esac
               echo "libxl: error: libxl_aoutils.c:539:async_exec_timeout: killing execution of /etc/xen/scripts/$s because of timeout"; exit 1;;
    esac;;
  *-detach) grep -v "^$3\$" $FAKE/devs > $FAKE/devs.n; mv $FAKE/devs.n $FAKE/devs;;
esac
"""


def _attach(tmp_path: Path, kind: str, outcomes: list[str], state: str = "2"):  # type: ignore[no-untyped-def]
    """Run dom0's /bin/kbridge-xl-attach under the host's busybox (the applets dom0 has)
    against a fake xl whose attaches end as *outcomes* say and a back-end in *state*."""
    import shutil
    fake = tmp_path / "fake"
    bindir = tmp_path / "bin"
    fake.mkdir(parents=True)
    bindir.mkdir()
    busybox = shutil.which("busybox")
    assert busybox, "busybox-static is part of the set-up"
    for applet in ("awk", "sed", "grep", "tr", "head", "cat", "rm", "mv", "sleep", "wc", "echo"):
        (bindir / applet).symlink_to(busybox)
    (bindir / "xl").write_text(FAKE_XL.replace("#!/bin/sh", f"#!{busybox} sh"))
    (bindir / "xenstore-read").write_text(f"#!{busybox} sh\ncat $FAKE/state\n")
    for f in ("xl", "xenstore-read"):
        (bindir / f).chmod(0o755)
    (fake / "outcomes").write_text("".join(o + "\n" for o in outcomes))
    (fake / "devs").write_text("")
    (fake / "state").write_text(state + "\n")
    helper = tmp_path / "kbridge-xl-attach"
    helper.write_text(xen.ATTACH_HELPER)
    spec = "format=raw,vdev=xvdb,access=rw,target=/dev/loop0" if kind == "block" else "bridge=xenbr0"
    log = tmp_path / "retries"
    proc = subprocess.run([busybox, "sh", str(helper), kind, spec], capture_output=True, text=True,
                          env={"PATH": str(bindir), "FAKE": str(fake), "KB_ATTACH_LOG": str(log),
                               "KB_ATTACH_SETTLE": "2"}, timeout=60)
    calls = [c for c in (fake / "calls").read_text().splitlines() if "-list" not in c]
    retries = log.read_text().splitlines() if log.exists() else []
    return proc, calls, retries


def test_an_attach_libxl_timed_out_on_a_slow_back_end_is_tried_again_and_recorded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """libxl's 10 s for a back-end to reach InitWait is real time; a TCG dom0 at load
    25-40 misses it (bench/README.md, the 7.3 dom0's native disk). The back-end got
    there afterwards: merely slow. The failed attempt's device is detached (libxl left
    its nodes) and the attach tried again; the try is recorded."""
    proc, calls, retries = _attach(tmp_path, "block", ["initwait", "ok"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    spec = "format=raw,vdev=xvdb,access=rw,target=/dev/loop0"
    assert calls == [f"block-attach 0 {spec}", "block-detach 0 51728", f"block-attach 0 {spec}"]
    assert len(retries) == 1 and retries[0].startswith("block try=1 rc=1 why=backend-initwait "
                                                       "backend=/local/domain/0/backend/vbd/0/51728 "
                                                       "state=2 "), retries
    assert retries[0].endswith("slow=yes")
    # the hotplug script's 40 s (libxl kills it), on a vif: the same, the new device detached
    proc, calls, retries = _attach(tmp_path / "n", "network", ["hotplug", "ok"], state="4")
    assert proc.returncode == 0 and calls == ["network-attach 0 bridge=xenbr0",
                                              "network-detach 0 0", "network-attach 0 bridge=xenbr0"]
    assert retries and "why=hotplug-script backend=/local/domain/0/backend/vif/0/0 state=4" in retries[0]


def test_an_attach_is_tried_at_most_three_times_and_fails_with_xls_status(tmp_path) -> None:  # type: ignore[no-untyped-def]
    proc, calls, retries = _attach(tmp_path, "block", ["hotplug"] * 5)
    assert proc.returncode == 1
    assert [c.split()[0] for c in calls] == ["block-attach", "block-detach"] * 2 + ["block-attach"]
    assert [r.split()[1] for r in retries] == ["try=1", "try=2", "try=3"]


@pytest.mark.parametrize("outcomes,state,logged", [
    (["initwait", "ok"], "1", 1),     # the back-end never reached InitWait: stuck, not slow
    (["exists", "ok"], "2", 0),       # not libxl's clock: xl's failure as it is
])
def test_an_attach_that_failed_for_a_reason_other_than_load_is_not_tried_again(
        tmp_path, outcomes, state, logged) -> None:  # type: ignore[no-untyped-def]
    """A back-end that never reaches InitWait (e.g. dom0's xenwatch hung in a front-end's
    callback) and any failure that is not one of libxl's time-outs fail at once."""
    proc, calls, retries = _attach(tmp_path, "block", outcomes, state=state)
    assert proc.returncode == 1, proc.stdout
    assert [c.split()[0] for c in calls] == ["block-attach"]
    assert len(retries) == logged and all(r.endswith("slow=no") for r in retries)


def test_a_stages_retries_are_reported_and_an_attach_that_ran_out_of_tries_says_so() -> None:
    """/init prints the helper's lines at the end of the stage ('xen-retry'); the stage
    keeps them (JSON, the bench's report); a stage whose attach succeeded on a later try
    passes, one whose every try timed out fails naming libxl's time-out, not the front-end."""
    init = xen.init_script(deps=[], stages=[("s", ["xen_blkfront"], ("disk",))], version="4.17",
                           has_test=False, test_timeout=10)
    assert "kbridge-xl-attach block " in init and "xl block-attach" not in init
    assert f"xen-retry s $l" in init
    M = "@@KBRIDGE"
    line = "block try=1 rc=1 why=backend-initwait backend=/x state=2 after=3s slow=yes"
    ok = xen.parse_stage("s", "\n".join([f"{M} insmod 0 xen_blkfront ", f"{M} xen-attach s disk 0 ",
                                         f"{M} xen-retry s {line}"]))
    assert ok.ok and ok.retries == [line] and ok.to_json()["retries"] == [line]
    # the corpus column's cell carries its stage's retries too
    from kbridge.actions.guest import xencolumn
    boot = xen.XenResult("r", "4.17", True, [], {}, [], [ok], [], [], [], "", 1.0, False, None)
    cell = xencolumn.judge_cell("xen-blkfront@7.3", "5.10", "xen_blkfront", ok, None, boot)
    assert cell.retries == [line] and cell.to_json()["retries"] == [line]
    bad = xen.parse_stage("s", "\n".join([f"{M} insmod 0 xen_blkfront ", f"{M} xen-attach s disk 1 ",
                                          f"{M} xen-retry s {line}"]))
    assert not bad.ok and "after 1 libxl time-out(s)" in bad.reasons[0], bad.reasons


def test_a_loaded_host_stretches_the_boot_budgets_within_bounds(bench) -> None:  # type: ignore[no-untyped-def]
    assert bench.load_scale(0.5) == bench.load_scale(bench.LOAD_REF) == 1.0
    assert bench.load_scale(2 * bench.LOAD_REF) == 2.0
    assert bench.load_scale(100) == bench.LOAD_MAX_SCALE


def test_a_direction_without_differences_needs_no_own_reference(bench) -> None:  # type: ignore[no-untyped-def]
    """The source's own front-end (native on its own dom0) only explains differences: a
    bridged stage negotiating exactly as the native one passes without it; with a
    difference and no reference it fails. Retries are carried into the verdict's record."""
    native = _stage()
    bridged = _stage()
    line = "block try=1 rc=1 why=hotplug-script backend=/x state=2 after=0s slow=yes"
    bridged.retries = [line]
    res = xen.XenResult("r", "4.20", True, [], {}, [], [native, bridged], [], [], [], "", 1.0, False,
                        None)
    native.name, bridged.name = "native", bench.stage_name("6.1")
    d = bench.Direction("6.1", "7.3", kos=[Path("x.ko")])
    bench.judge_direction(d, res, None, (), 10.0)
    assert d.verdict == "PASS" and d.problems == [] and d.retries == [line], d.problems
    d2 = bench.Direction("6.1", "7.3", kos=[Path("x.ko")])
    res.stages[1] = _stage(persistent="1")
    res.stages[1].name = bench.stage_name("6.1")
    bench.judge_direction(d2, res, None, (), 10.0)
    assert d2.verdict == "FAIL" and any("no native run of 6.1" in p for p in d2.problems)


def test_a_boots_budget_may_grow_while_it_runs_and_never_shrinks() -> None:
    """The --pairs boot's budget follows the host's load while QEMU runs (a boot that
    starts at load 7 and meets load 21 got 1200 s and was killed in its third stage):
    boot() asks a callable budget every poll and keeps the largest answer."""
    t = __import__("time").monotonic()
    b = xen.boot(["sleep", "5"], timeout=lambda: 0.5)
    assert b.timed_out and b.seconds < 3
    answers = iter([0.5, 10.0])
    b = xen.boot(["sleep", "1"], timeout=lambda: next(answers, 0.1))
    assert not b.timed_out and b.returncode == 0, b
    assert __import__("time").monotonic() - t < 8


def test_a_report_the_wrapped_dump_cannot_place_goes_to_the_stage_that_printed_it(bench) -> None:  # type: ignore[no-untyped-def]
    """xen-netfront@5.10 on the 7.3 dom0: 'Bad page state' BUGs wrapped dmesg past the
    marks, so the dump could not say whose they were and every stage of the boot got
    them; dom0's console printed them live between the stage's begin/end marks."""
    M = "@@KBRIDGE"
    bug = "BUG: Bad page state in process xenwatch  pfn:0d052"
    console = "\n".join([
        f"{M} begin 7.3", f"{M} xen-stage native begin", f"{M} xen-stage native end",
        f"{M} xen-stage from-5.10 begin", f"[  874.508781] {bug}", f"{M} xen-stage from-5.10 end",
        f"{M} xen-stage from-6.1 begin", f"{M} xen-stage from-6.1 end",
        f"{M} dmesg-begin", f"[  874.508781] {bug}", "[  876.2] kbridge-guest: rmmod xen_netfront",
        f"{M} dmesg-end", f"{M} end", ""])
    names = ["native", "from-5.10", "from-6.1"]
    res = xen.judge("7.3", "4.20", xen.XenBoot(console, 1.0, False, 0, [], None), names)
    assert res.problems == [bug]
    got = bench.log_problems(res, [["xen_netfront"]] * 3, names)
    assert got == [[], [f"log: {bug}"], []], got
