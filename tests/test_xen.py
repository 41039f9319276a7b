"""Xen front-ends doing real I/O under a real Xen hypervisor (kbridge.actions.guest.xen).

One Xen boot per kernel: Debian's Xen 4.17 with the kernel as dom0, a PV disk
(on a loop device) and a vif (on a bridge) attached to dom0 itself. Two
stages on the same dom0: the kernel's own xen-blkfront/xen-netfront
("native"), then the other series' front-ends bridged with the layer
("bridged"). Each stage writes data through the grant-table ring and reads it
back (fio verify with libaio direct I/O, and a dd checksum), detaches the
disk and attaches it again with the front-end still loaded (the data read
back once more), and pings the
back-end's bridge from the front-end's interface moved into its own network
namespace (so the packets cross netfront/netback, not the loopback).

The two boots (the ``runs`` fixture, 3-5 min here) carry the ``xenboot`` mark,
deselected by default to keep the suite in its budget: bench/bench_suite.py
--mark xenboot (or ``pytest -m xenboot``) runs these tests as they are, and
bench/bench_xen.py --full runs their assertions under every Xen version.

The negotiation both ends record in xenstore, and what the kernel made of it
(queue limits, MTU, queues, netdev features), is compared between the native
and the bridged front-end. A difference is accepted only where the bridged
driver's own source differs: the same front-end native on its own kernel
(the other boot) must show the bridged value.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import release, run_cli
from kbridge.actions.guest import xen
from kbridge.actions.guest.image import ensure_image
from kbridge.actions.guest.runner import build_for

pytestmark = pytest.mark.slow

OTHER = {"6.1": "6.12", "6.12": "6.1"}
FRONTENDS = ("xen-blkfront", "xen-netfront")
# a multi-page ring (4 pages) and, with two dom0 vCPUs, two queues per device:
# the negotiation the defaults (one page, one vCPU) would leave out
PARAMS = (("xen-blkfront", "max_ring_page_order=2"),)

TEST = """set -e
echo "stage=$XEN_STAGE disk=$XEN_DISK netif=$XEN_NETIF"
[ -b "$XEN_DISK" ] && [ -n "$XEN_NETIF" ]
fio --name=verify --filename=$XEN_DISK --direct=1 --ioengine=libaio --iodepth=16 \\
    --rw=randwrite --bsrange=4k-128k --size=32M --verify=crc32c --verify_fatal=1 \\
    --randrepeat=0 --output-format=terse --terse-version=3 > /tmp/fio.out
echo "fio $(cut -d';' -f5 /tmp/fio.out)"
dd if=/dev/urandom of=/tmp/pat bs=1M count=8 2>/dev/null
dd if=/tmp/pat of=$XEN_DISK bs=1M seek=40 oflag=direct conv=fsync 2>/dev/null
a=$(md5sum < /tmp/pat | cut -d' ' -f1)
b=$(dd if=$XEN_DISK bs=1M skip=40 count=8 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
echo "dd-md5 $a $b"; [ "$a" = "$b" ]
xl block-detach 0 @VDEV@ > /dev/null
w=0; while [ -e /sys/block/@VDEV@ ] && [ $w -lt 30 ]; do sleep 1; w=$((w+1)); done
[ ! -e /sys/block/@VDEV@ ]
kbridge-xl-attach block 'format=raw,vdev=@VDEV@,access=rw,target=/dev/loop0' > /dev/null
w=0; while [ ! -b $XEN_DISK ] && [ $w -lt 60 ]; do sleep 1; w=$((w+1)); done
c=$(dd if=$XEN_DISK bs=1M skip=40 count=8 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
echo "reattach-md5 $a $c"; [ "$a" = "$c" ]
unshare -n sleep 600 & pid=$!; sleep 1
ip link set $XEN_NETIF netns $pid
nsenter -t $pid -n ip addr add $XEN_FRONT_IP/24 dev $XEN_NETIF
nsenter -t $pid -n ip link set $XEN_NETIF up
nsenter -t $pid -n ping -c 5 -W 5 $XEN_BRIDGE_IP > /tmp/ping.out; r=$?
nsenter -t $pid -n ip link set $XEN_NETIF netns 1 || true
kill $pid
grep -E 'transmitted' /tmp/ping.out
exit $r
""".replace("@VDEV@", xen.DISK_VDEV)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, xen.XenResult]:
    """series -> the one Xen boot with that kernel as dom0 (native, then bridged)."""
    tmp = tmp_path_factory.mktemp("xen")
    script = tmp / "test.sh"
    script.write_text(TEST)
    out: dict[str, xen.XenResult] = {}
    for series, other in OTHER.items():
        rel = release(series)
        image = ensure_image(rel)
        bridged: list[Path] = []
        for name in FRONTENDS:
            src = tmp / f"{name}-{other}-to-{series}"
            proc = run_cli("bridge", f"{name}@{other}", "--target", series, "-o", str(src))
            assert proc.returncode == 0, proc.stdout + proc.stderr
            build, kos = build_for(str(src), rel, tmp / f"build-{src.name}")
            assert kos, [d.message for d in build.diagnostics][:5]
            bridged += kos
        native = tuple(xen.native_frontend(image, n) for n in FRONTENDS)
        out[series] = xen.run_xen([xen.XenStage("native", native, params=PARAMS),
                                   xen.XenStage("bridged", tuple(bridged), params=PARAMS)],
                                  rel, test_script=script, image=image, tools=True, smp=2)
    return out


@pytest.mark.xenboot   # the two boots: deselected by default (pyproject.toml)
@pytest.mark.parametrize("series", list(OTHER))
def test_native_and_bridged_frontends_do_io_under_xen(runs: dict[str, xen.XenResult],
                                                      series: str):
    res = runs[series]
    marks = [line for line in res.console.splitlines()
             if "xen-rmmod" in line or "xen-detach" in line or "xen-attach" in line]
    assert res.ok, (res.reasons, res.problems, marks, [s.test_output for s in res.stages])
    assert [s.name for s in res.stages] == ["native", "bridged"]
    for s in res.stages:
        assert [m.name for m in s.loads] == ["xen_blkfront", "xen_netfront"], s.loads
        assert s.attach == {"disk": 0, "vif": 0}, s.attach
        assert s.test_returncode == 0, s.test_output
        assert "fio 0" in s.test_output, s.test_output             # fio's error field
        # detached and attached again (same module loaded): the data is still there
        assert any(line.startswith("reattach-md5 ") and len(set(line.split()[1:])) == 1
                   for line in s.test_output.splitlines()), s.test_output
        assert "5 packets transmitted, 5 packets received" in s.test_output, s.test_output
        assert s.rmmod == {"xen_netfront": 0, "xen_blkfront": 0}, s.rmmod
        # the rings really connected: both ends Connected (XenbusStateConnected = 4)
        for kind in ("vbd", "vif"):
            assert s.frontend(kind).get("state") == "4", (kind, s.frontend(kind))
            assert s.backend(kind).get("state") == "4", (kind, s.backend(kind))
            # two queues each, as both ends offered (two vCPUs)
            assert s.frontend(kind).get("multi-queue-num-queues") == "2", s.frontend(kind)
        assert s.frontend("vbd").get("ring-page-order") == "2", s.frontend("vbd")
        assert s.xenstore.get("/sys/class/net/netif/queues") == "rx-0 rx-1 tx-0 tx-1 ", s.xenstore
    # the native stage ran the kernel's own front-ends, the bridged one the others
    assert not res.problems


# negotiation keys the issue names, at either end (front: what the front-end
# wrote; back: what blkback/netback advertised and then read). blkfront writes
# ring-page-order and multi-queue-num-queues only above one page / one ring:
# PARAMS and two vCPUs make it write both.
KEYS = ("vbd.front.feature-persistent", "vbd.back.feature-persistent",
        "vbd.front.ring-page-order", "vbd.back.max-ring-page-order",
        "vbd.back.feature-max-indirect-segments", "vbd.back.feature-discard",
        "vbd.back.feature-flush-cache", "vbd.back.feature-barrier",
        "vbd.front.multi-queue-num-queues", "vbd.back.multi-queue-max-queues",
        "vif.front.multi-queue-num-queues", "vif.back.multi-queue-max-queues",
        "vif.front.mtu", "vif.front.request-rx-copy", "vif.front.feature-sg",
        "vif.front.feature-gso-tcpv4", "vif.front.feature-gso-tcpv6",
        "vif.front.feature-ipv6-csum-offload", "vif.front.feature-rx-notify",
        "/sys/class/net/netif/mtu", "/sys/class/net/netif/queues",
        "/sys/block/xvdb/queue/max_segments", "/sys/block/xvdb/queue/write_cache")
# keys of KEYS that a Xen version's toolstack does not write (measured: libxl of 4.14
# writes no "mtu" in the vif's front-end directory; 4.17's and 4.20's do)
TOOLSTACK_LACKS = {"4.14": {"vif.front.mtu"}}


@pytest.mark.xenboot
@pytest.mark.parametrize("series", list(OTHER))
def test_bridged_frontend_negotiates_like_its_own_source(runs: dict[str, xen.XenResult],
                                                         series: str,
                                                         version: str = xen.DEFAULT_VERSION):
    """Same dom0: bridged == native, except where the bridged driver's source
    itself differs -- then the bridged value is the one that source gives
    natively on its own kernel (the other boot's native stage). *version*: the
    Xen the runs booted (bench/bench_xen.py runs every one)."""
    res, other = runs[series], runs[OTHER[series]]
    native, bridged = res.stage("native"), res.stage("bridged")
    own = xen.negotiation(other.stage("native"))
    got = xen.negotiation(bridged)
    cmp = xen.compare(native, bridged)
    assert cmp.compared > 60, cmp           # both ends of both devices + the kernel's view
    for key in set(KEYS) - TOOLSTACK_LACKS.get(version, set()):
        assert key in got, (key, sorted(got))
    print(f"\n{series}: {cmp.compared} values, native vs bridged differ in {cmp.differences}")
    unexplained = {k: v for k, v in cmp.differences.items() if own.get(k) != v[1]}
    assert not unexplained, (unexplained, cmp.differences)


def test_xen_run_cli_rejects_bad_input():
    proc = run_cli("run", "x.ko", "-k", "6.1", "--xen", "--xen-version", "4")
    assert proc.returncode == 2 and "MAJOR.MINOR" in proc.stderr, proc.stderr
    proc = run_cli("run", "x.ko", "-k", "6.1", "--native")
    assert proc.returncode == 2 and "--xen" in proc.stderr, proc.stderr
    proc = run_cli("run", "x.ko", "-k", "6.1", "--xen", "--snapshot", "block")
    assert proc.returncode == 2 and "--snapshot" in proc.stderr, proc.stderr
    ko = Path(__file__)      # any existing file: the parameter is checked before the suffix
    proc = run_cli("run", str(ko), "-k", "6.1", "--xen", "--param", "novalue")
    assert proc.returncode == 2 and "NAME=VALUE" in proc.stderr, proc.stderr


def _console(xen_tail: str = "", dmesg_tail: str = "", test_rc: int = 0) -> str:
    M = "@@KBRIDGE"
    return "\n".join([
        f"{M} begin 6.1.0-1-amd64", f"{M} dep 0 xen_blkback ",
        f"{M} xen-setup xenstored 0 ", f"{M} xen-setup loop 0 ",
        f"{M} xen-stage native begin", f"{M} insmod 0 xen_blkfront ",
        f"{M} xen-attach native disk 0 ",
        f"{M} xenstore-begin native",
        '/local/domain/0/device/vbd/51728/state = "4"',
        '/local/domain/0/device/vbd/51728/ring-ref = "8"',
        '/local/domain/0/device/vbd/51728/feature-persistent = "1"',
        '/local/domain/0/backend/vbd/0/51728/state = "4"',
        '/sys/block/xvdb/queue/max_segments = "11"',
        f"{M} xenstore-end", f"{M} test {test_rc}", f"{M} test-output-begin", "out",
        f"{M} test-output-end", f"{M} xen-detach native disk 0 ",
        f"{M} xen-rmmod native 0 xen_blkfront ", f"{M} xen-stage native end",
        f"{M} xl-dmesg-begin", "(XEN) Xen version 4.17", "(XEN) Freed 656kB init memory",
        xen_tail, f"{M} xl-dmesg-end",
        f"{M} dmesg-begin", "[    1.0] kbridge-guest: insmod dep xen_blkback", dmesg_tail,
        f"{M} dmesg-end", f"{M} end", ""])


def _boot(console: str) -> xen.XenBoot:
    return xen.XenBoot(console, 1.0, False, 0, [], 1000)


def test_judge_reads_stages_and_xenstore():
    res = xen.judge("6.1.0-1-amd64", "4.17", _boot(_console()), ["native"])
    assert res.ok, res.reasons
    st = res.stage("native")
    assert st.attach == {"disk": 0} and st.rmmod == {"xen_blkfront": 0}
    assert st.frontend("vbd") == {"state": "4", "ring-ref": "8", "feature-persistent": "1"}
    assert st.backend("vbd") == {"state": "4"}
    neg = xen.negotiation(st)
    assert "vbd.front.ring-ref" not in neg            # grant references differ every connect
    assert neg["vbd.front.feature-persistent"] == "1"
    assert neg["/sys/block/xvdb/queue/max_segments"] == "11"


@pytest.mark.parametrize("xen_tail,dmesg_tail", [
    ("(XEN) Assertion 'x' failed at common/grant_table.c:1", ""),
    ("(XEN) Xen WARN at common/grant_table.c:2", ""),
    ("", "[    2.0] WARNING: CPU: 0 PID: 1 at drivers/block/xen-blkfront.c:1"),
    ("", "[    2.0] BUG: unable to handle page fault"),
])
def test_judge_fails_on_xen_or_dom0_problems(xen_tail: str, dmesg_tail: str):
    res = xen.judge("6.1.0-1-amd64", "4.17", _boot(_console(xen_tail, dmesg_tail)), ["native"])
    assert not res.ok and res.problems, res.reasons


def test_judge_fails_on_a_failed_stage_or_a_missing_one():
    res = xen.judge("6.1.0-1-amd64", "4.17", _boot(_console(test_rc=1)), ["native"])
    assert not res.ok and "native: test exited 1" in res.reasons
    res = xen.judge("6.1.0-1-amd64", "4.17", _boot(_console()), ["native", "bridged"])
    assert not res.ok and "stage bridged never ran" in res.reasons


# ---------------------------------------------------------------- Xen versions
# The boots above run bookworm's Xen 4.17; bench/bench_xen.py --full runs the same
# differential scenario under every version of xen.VERSIONS (4.14 too) and is the
# check for a change to a Xen rule. Here, without a boot: each version's packages
# come from its own suite and its dom0 tool stack resolves on the host's libraries.

@pytest.mark.parametrize("version", list(xen.VERSIONS))
def test_each_xen_version_is_fetched_from_its_suite(version: str):
    from kbridge.actions.guest import debarchive
    dist = xen.ensure_xen(version)
    suite = xen.VERSIONS[version].suite
    assert dist.hypervisor.read_bytes()[:4] == b"\x7fELF"
    for pkg in (f"xen-hypervisor-{version}-amd64", f"xen-utils-{version}", "xen-utils-common"):
        assert dist.packages[pkg] == debarchive.versions([pkg], suite)[pkg], (pkg, dist.packages)
    # every libxen* comes from the same suite (the closure), the rest from the host
    # (the host's glibc runs an older suite's binaries) -- but glibc itself from the
    # suite when its tools need a newer one (own_libc: Xen 4.20 needs GLIBC_2.38)
    libs: set[str] = set()
    for exe in ("xl", "xenstored", "xen-init-dom0"):
        for lib in xen._ldd(dist.bin_dir / exe, dist.lib_dir, dist.loader):
            libs.add(str(lib))
    ours = {lib for lib in libs if lib.startswith(str(dist.root))}
    assert {Path(lib).name for lib in ours} >= {"libxenlight.so." + version,
                                               "libxenctrl.so." + version}, ours
    libc = {Path(lib).name: lib for lib in libs}["libc.so.6"]
    assert (libc in ours) == xen.VERSIONS[version].own_libc == (dist.loader is not None), libc
    assert all(Path(lib).name.startswith(("libxen", "libxl", "libyajl", "libc.so", "ld-linux"))
               for lib in ours), ours


def test_xen_without_zstd_gets_the_uncompressed_dom0(tmp_path: Path):
    """Xen 4.14 cannot unpack a zstd bzImage (6.12's): it gets the kernel's ELF;
    a Xen that can keeps the bzImage (the run as tested with 4.17)."""
    from kbridge.actions.guest.image import GuestImage
    for name, zstd in (("z", True), ("x", False)):
        d = tmp_path / name
        d.mkdir()
        (d / "vmlinuz").write_bytes(b"bz")
        (d / "vmlinux").write_bytes(b"\x7fELF")
        (d / "config").write_text("CONFIG_KERNEL_ZSTD=y\n" if zstd else "CONFIG_KERNEL_XZ=y\n")
    old = {v: x for v, x in xen.VERSIONS.items() if not x.zstd_dom0}
    new = {v: x for v, x in xen.VERSIONS.items() if x.zstd_dom0}
    assert old and new
    for v in xen.VERSIONS:
        dist = xen.XenDist(v, tmp_path / "xen", tmp_path, {})
        for name in ("z", "x"):
            img = GuestImage("6.12.1-amd64", "p", "1", tmp_path / name / "vmlinuz", tmp_path)
            want = "vmlinux" if (v in old and name == "z") else "vmlinuz"
            assert xen.dom0_kernel(dist, img).name == want, (v, name)


def test_an_unknown_xen_version_names_the_known_ones():
    proc = run_cli("run", "x.ko", "-k", "6.1", "--xen", "--xen-version", "4.99")
    assert proc.returncode == 2, proc.stderr
    for v, x in xen.VERSIONS.items():
        assert f"{v} ({x.suite})" in proc.stderr, proc.stderr


# ---------------------------------------------------------------- the matrix's Xen column
# `kbridge matrix --strategy layer --run --xen` (xencolumn): one boot per target, a native
# stage, then one stage per built cell. The boots are bench/bench_xen.py --matrix; here
# the verdict of a stage as dom0's console reports it, and the cells that get no boot.

def _cell_console(stage: str, *, state: str = "4", io: str = "disk-io ok",
                  dmesg_tail: str = "") -> str:
    M = "@@KBRIDGE"
    native = _console().split(f"{M} xl-dmesg-begin")[0].split("\n")[4:]
    return "\n".join([
        f"{M} begin 6.1.0-1-amd64", f"{M} dep 0 xen_blkback ",
        f"{M} xen-setup xenstored 0 ", *native,
        f"{M} xen-stage {stage} begin", f"{M} insmod 0 xen_blkfront ",
        f"{M} xen-attach {stage} disk 0 ", f"{M} xenstore-begin {stage}",
        f'/local/domain/0/device/vbd/51728/state = "{state}"',
        '/local/domain/0/device/vbd/51728/feature-persistent = "0"',
        '/local/domain/0/backend/vbd/0/51728/state = "4"',
        '/sys/block/xvdb/queue/max_segments = "11"',
        f"{M} xenstore-end", f"{M} test 0", f"{M} test-output-begin", io,
        f"{M} test-output-end", f"{M} xen-detach {stage} disk 0 ",
        f"{M} xen-rmmod {stage} 0 xen_blkfront ", f"{M} xen-stage {stage} end",
        f"{M} xl-dmesg-begin", "(XEN) Freed 656kB init memory", f"{M} xl-dmesg-end",
        f"{M} dmesg-begin", "[    1.0] kbridge-guest: insmod dep xen_blkback",
        "[    1.1] kbridge-guest: insmod xen_blkfront",
        "[    1.2] kbridge-guest: insmod xen_blkfront", dmesg_tail,
        f"{M} dmesg-end", f"{M} end", ""])


def _column_verdict(console: str):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest import xencolumn
    boot = xen.judge("6.1.0-1-amd64", "4.17", _boot(console), ["native", "cell1"])
    cell = xencolumn.judge_cell("xen-blkfront@6.12", "6.1", "xen_blkfront", boot.stage("cell1"),
                                boot.stage("native"), boot)
    problems = xencolumn._stage_problems(boot.dmesg, [["xen_blkfront"], ["xen_blkfront"]])
    return cell, problems


def test_xen_column_judges_a_cells_stage():
    cell, problems = _column_verdict(_cell_console("cell1"))
    assert cell.outcome == "io ok" and cell.ok, cell.reasons
    # the negotiation differs from the native stage's: reported, not a failure
    assert cell.differences == {"vbd.front.feature-persistent": ("1", "0")}
    assert problems == [[], []]
    for bad, why in (({"state": "3"}, "front-end state '3'"),
                     ({"io": "disk-io FAILED a b"}, "disk I/O")):
        cell, _ = _column_verdict(_cell_console("cell1", **bad))
        assert cell.outcome == "io failed" and any(why in r for r in cell.reasons), cell.reasons


def test_xen_column_blames_a_dom0_warning_on_the_stage_that_ran():
    _, problems = _column_verdict(_cell_console(
        "cell1", dmesg_tail="[    2.0] WARNING: CPU: 0 PID: 1 at drivers/block/xen-blkfront.c:1"))
    assert problems[0] == [] and len(problems[1]) == 1, problems


def test_matrix_xen_needs_run():
    proc = run_cli("matrix", "xen-blkfront@6.1", "--xen")
    assert proc.returncode == 2 and "--run" in proc.stderr, proc.stderr
    proc = run_cli("matrix", "xen-blkfront@6.1", "--run", "--xen", "--xen-version", "4")
    assert proc.returncode == 2 and "MAJOR.MINOR" in proc.stderr, proc.stderr
