"""Xen runs (issue 14): boot time, run time and memory of Xen + dom0 under QEMU TCG.

    .venv/bin/python bench/bench_xen.py [--series 6.1 --series 6.12] [--xen-version V]... [--full]
    .venv/bin/python bench/bench_xen.py --guest 5.10 --guest 7.2 [--xen-version V]...
    .venv/bin/python bench/bench_xen.py --matrix [--strategy layer|inline] [--xen-version V]
    .venv/bin/python bench/bench_xen.py --pairs all|A:B,... [--xen-version V] [--json F]
        [--dom0 S]... [--keep DIR] [--replay S=CONSOLE]...

Per kernel and Xen version (default: every version of xen.VERSIONS, 4.14 and
4.17), one Xen boot with that kernel as dom0. Default: one stage,
the kernel's own xen-blkfront + xen-netfront, a dd checksum through the PV
disk and a ping through the vif. --full: the scenario of tests/test_xen.py
(native stage, then the other series' front-ends bridged with the layer, fio
verify from the tools disk). Prints: QEMU wall time, when dom0's /init first
spoke, QEMU's peak RSS, the load average; and the time of a warm ensure_xen().
--matrix: `kbridge matrix --strategy S --run --xen --json` over the whole
default corpus (the corpus's Xen column): every front-end with a back-end here
must do I/O under Xen on every target it builds for.
--pairs all|A:B,...: the generations (issue 14, "the same for 5.10 and 7.x"): for
each pair of series (all: every pair of the series table) both directions, A's
xen-blkfront and xen-netfront bridged (layer) onto a B dom0 and B's onto an A
dom0. One boot per dom0 series, under the Xen of its suite (5.10: 4.14, 6.x: 4.17;
a suite without a Debian Xen, sid and experimental, gets the newest, 4.20;
--xen-version overrides): the native stage, then one stage per source series
whose front-ends bridge and build (a front-end the bridge refuses today is
reported BLOCKED with the NOT BRIDGED lines; it runs as soon as the rules
land). Each stage: fio verify + dd checksum through the disk, detach and
re-attach with the data read back, ping both ways (front-end in its own netns
-> dom0's bridge, and back) and a 4 MiB TCP transfer each way (busybox nc,
checksummed: GSO/SG/checksum offload on the wire), the tests/test_xen.py
set-up (two vCPUs, blkfront's 4-page ring); then the differential: the bridged
stage's negotiation against the native one on the same dom0, each difference
explained only if the source series' own front-end, native on its own dom0,
negotiates the bridged value.
Every attach goes through dom0's kbridge-xl-attach (xen.ATTACH_HELPER: an attach
that libxl's real-time clock cut short while the back-end was merely slow is tried
again, at most 3 tries, each reported); the boot's budgets stretch with the host's
load (load_scale). --replay S=CONSOLE judges a saved console of dom0 S instead of
booting it (with --keep: the same builds, so the same stages).
Exit status 1 when a run fails: it is the check that runs on every change to a
rule the Xen front-ends use (bench/README.md).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from kbridge.actions.guest import xen  # noqa: E402
from kbridge.actions.guest.image import ensure_image  # noqa: E402
from kbridge.actions.guest.runner import build_for  # noqa: E402
from kbridge.facts import series as series_mod  # noqa: E402

OTHER = {"6.1": "6.12", "6.12": "6.1"}
FRONTENDS = ("xen-blkfront", "xen-netfront")
QUICK = """set -e
dd if=/dev/urandom of=/tmp/pat bs=1M count=16 2>/dev/null
dd if=/tmp/pat of=$XEN_DISK bs=1M oflag=direct conv=fsync 2>/dev/null
a=$(md5sum < /tmp/pat | cut -d' ' -f1)
b=$(dd if=$XEN_DISK bs=1M count=16 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$a" = "$b" ]
unshare -n sleep 600 & pid=$!; sleep 1
ip link set $XEN_NETIF netns $pid
nsenter -t $pid -n ip addr add $XEN_FRONT_IP/24 dev $XEN_NETIF
nsenter -t $pid -n ip link set $XEN_NETIF up
nsenter -t $pid -n ping -c 3 -W 5 $XEN_BRIDGE_IP; r=$?
kill $pid; exit $r
"""


def matrix_column(strategy: str, version: str | None) -> int:
    import json
    from kbridge.facts import corpus
    # the host series' 24 front-ends on the host kernels (the default matrix is every series')
    labels = [e.label for e in corpus.corpus(series=("6.1", "6.12"))]
    cmd = [sys.executable, "-m", "kbridge.cli.main", "matrix", *labels, "-t", "6.1", "-t", "6.12",
           "--strategy", strategy, "--run", "--xen", "--json",
           *(["--xen-version", version] if version else [])]
    load, t = os.getloadavg()[0], time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - t
    if proc.returncode != 0:
        print(f"FAIL: {' '.join(cmd[2:])}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
        return 1
    cells = json.loads(proc.stdout)
    ran = [c for c in cells if c["xen"]["outcome"] in ("io ok", "io failed")]
    bad = [c for c in ran if not c["xen"]["ok"]]
    print(f"matrix --strategy {strategy} --run --xen: {len(cells)} cells, {len(ran)} under Xen "
          f"{ran[0]['xen']['xen'] if ran else ''}, {len(ran) - len(bad)} io ok; "
          f"{sum(c['load']['ok'] for c in cells)} load ok; {wall:.0f} s, load {load:.1f} -> "
          f"{os.getloadavg()[0]:.1f}")
    for c in bad:
        print(f"  FAIL {c['driver']} on {c['target']}: {'; '.join(c['xen']['reasons'])}")
    for c in ran:
        diffs = c["xen"]["negotiation_differences"]
        if diffs:
            print(f"  {c['driver']} on {c['target']}: negotiation differs from the native "
                  f"front-end on {', '.join(sorted(diffs))}")
    return 1 if bad or not ran else 0


# ---------------------------------------------------------------- the generations (--pairs)

# Each stage of --pairs: the disk (fio verify, dd checksum, detach + re-attach with the
# data read back and the re-negotiation dumped) and the vif (ping and a TCP transfer in
# each direction: "tx" is what the front-end sends, "rx" what it receives). No `set -e`:
# every step reports, a failed one says FAILED and the script exits 1 at the end.
GEN_TEST = r"""r=0
fail() { echo "FAILED $*"; r=1; }
echo "stage=$XEN_STAGE disk=$XEN_DISK netif=$XEN_NETIF"
if [ -n "$XEN_DISK" ]; then
  # the kernel's view beyond the negotiation: the tag set's flags (blk-mq debugfs) and
  # the scheduler, compared like the queue limits
  grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
  echo "view-begin"
  for f in /sys/kernel/debug/block/@VDEV@/hctx*/flags /sys/block/@VDEV@/queue/scheduler; do
    [ -r $f ] && echo "$f = \"$(cat $f)\""
  done
  echo "view-end"
  if fio --name=verify --filename=$XEN_DISK --direct=1 --ioengine=libaio --iodepth=16 \
      --rw=randwrite --bsrange=4k-128k --size=32M --verify=crc32c --verify_fatal=1 \
      --randrepeat=0 --output-format=terse --terse-version=3 > /tmp/fio.out 2>&1; then
    echo "fio $(cut -d';' -f5 /tmp/fio.out)"
  else fail "fio $(tail -3 /tmp/fio.out | tr '\n' ' ')"; fi
  dd if=/dev/urandom of=/tmp/pat bs=1M count=8 2>/dev/null
  dd if=/tmp/pat of=$XEN_DISK bs=1M seek=40 oflag=direct conv=fsync 2>/dev/null || fail "dd write"
  a=$(md5sum < /tmp/pat | cut -d' ' -f1)
  b=$(dd if=$XEN_DISK bs=1M skip=40 count=8 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
  echo "dd-md5 $a $b"; [ "$a" = "$b" ] || fail dd-md5
  xl block-detach 0 @VDEV@ > /tmp/xl.out 2>&1 || fail "block-detach $(cat /tmp/xl.out)"
  w=0; while [ -e /sys/block/@VDEV@ ] && [ $w -lt 30 ]; do sleep 1; w=$((w+1)); done
  [ ! -e /sys/block/@VDEV@ ] || fail "@VDEV@ still there after the detach"
  kbridge-xl-attach block 'format=raw,vdev=@VDEV@,access=rw,target=/dev/loop0' > /tmp/xl.out 2>&1 \
    || fail "block-attach $(cat /tmp/xl.out)"
  w=0; while [ ! -b $XEN_DISK ] && [ $w -lt 60 ]; do sleep 1; w=$((w+1)); done
  c=$(dd if=$XEN_DISK bs=1M skip=40 count=8 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
  echo "reattach-md5 $a $c"; [ "$a" = "$c" ] || fail reattach-md5
  sleep 2
  echo "reattach-xenstore-begin"
  xenstore-ls -f /local/domain/0/device/vbd 2>&1; xenstore-ls -f /local/domain/0/backend/vbd 2>&1
  echo "reattach-xenstore-end"
fi
if [ -n "$XEN_NETIF" ]; then
  unshare -n sleep 600 & pid=$!; sleep 1
  ip link set $XEN_NETIF netns $pid
  nsenter -t $pid -n ip addr add $XEN_FRONT_IP/24 dev $XEN_NETIF
  nsenter -t $pid -n ip link set $XEN_NETIF up
  counts() { sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1 \2/p' "$1"; }
  nsenter -t $pid -n ping -c 5 -W 5 $XEN_BRIDGE_IP > /tmp/ping.out 2>&1
  echo "ping-tx $(counts /tmp/ping.out)"
  ping -c 5 -W 5 $XEN_FRONT_IP > /tmp/ping.out 2>&1
  echo "ping-rx $(counts /tmp/ping.out)"
  dd if=/dev/urandom of=/tmp/npat bs=1M count=4 2>/dev/null
  n=$(stat -c %s /tmp/npat); a=$(md5sum < /tmp/npat | cut -d' ' -f1)
  # busybox nc ends at its stdin's EOF: the sender's stdin stays open until the
  # receiver has every byte (or 60 s), the listener's until it is killed
  upto() { w=0; while [ "$(stat -c %s $1 2>/dev/null || echo 0)" -lt $n ] && [ $w -lt 300 ]; do
           sleep 0.2; w=$((w+1)); done; }
  rm -f /tmp/rx /tmp/tx
  sleep 120 | nsenter -t $pid -n nc -l -p 5001 > /tmp/rx & l=$!
  sleep 1
  { cat /tmp/npat; upto /tmp/rx; } | nc $XEN_FRONT_IP 5001
  kill $l 2>/dev/null
  echo "tcp-rx $a $(md5sum < /tmp/rx | cut -d' ' -f1)"
  sleep 120 | nc -l -p 5002 > /tmp/tx & l=$!
  sleep 1
  { cat /tmp/npat; upto /tmp/tx; } | nsenter -t $pid -n nc $XEN_BRIDGE_IP 5002
  kill $l 2>/dev/null
  echo "tcp-tx $a $(md5sum < /tmp/tx | cut -d' ' -f1)"
  nsenter -t $pid -n ip link set $XEN_NETIF netns 1 || true
  kill $pid
fi
exit $r
""".replace("@VDEV@", xen.DISK_VDEV)
# test_xen's set-up: a 4-page blkfront ring; with two dom0 vCPUs two queues per device
GEN_PARAMS = (("xen-blkfront", "max_ring_page_order=2"),)
GEN_SMP = 2
# time budgets of a --pairs boot: the test script of one stage, and the boot per stage
# (plus one for Xen, dom0 and the set-up); a stage took 40-90 s at load 5-8, about 4x
# that at load 25 on this shared 2-core host (bench/README.md)
TEST_BUDGET = 240
STAGE_BUDGET = 240
# ... sized at load 5-8 (LOAD_REF): a loaded host stretches both by load / LOAD_REF, at most
# LOAD_MAX_SCALE times (the measured 4x at load 25-40). They are the harness's guards
# against a hung dom0, not a check of a driver (nothing is judged on how fast a stage
# ran); the factor is printed and kept in the JSON
LOAD_REF = 8.0
LOAD_MAX_SCALE = 4.0


def load_scale(load: float) -> float:
    """How much a host at *load* (1-min load average) stretches a boot's time budgets."""
    return round(min(LOAD_MAX_SCALE, max(1.0, load / LOAD_REF)), 2)
# the negotiation keys (at either end, and the kernel's view) a stage must show, per
# device kind: tests/test_xen.py's KEYS (test_xen.py is the suite's; its constants
# are read from there so that the two lists cannot drift)
_KIND_PREFIX = {"disk": ("vbd.", "/sys/block/", "/sys/kernel/debug/block/"),
                "vif": ("vif.", "/sys/class/net/")}


def _vtuple(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


def xen_for(series_name: str) -> str:
    """The Xen a dom0 of *series_name* boots under: its suite's own (bullseye 4.14,
    bookworm 4.17, trixie 4.20), else -- sid, experimental: no Xen of the suite in
    xen.VERSIONS -- the newest kbridge runs."""
    suite = series_mod.get(series_name).suite
    for v, x in xen.VERSIONS.items():
        if x.suite == suite:
            return v
    return max(xen.VERSIONS, key=_vtuple)


def parse_pairs(spec: str, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """'all' (every pair of *names*, the series table) or 'A:B,C:D' -> the directions
    (source series, dom0 series): both ways of each pair, in order, once each."""
    if spec == "all":
        pairs = list(itertools.combinations(names, 2))
    else:
        pairs = []
        for item in spec.split(","):
            a, sep, b = item.strip().partition(":")
            if not sep or a not in names or b not in names or a == b:
                raise ValueError(f"pair {item.strip()!r}: write SERIES:SERIES with two different "
                                 f"series of the table ({', '.join(names)}), or 'all'")
            pairs.append((a, b))
    out: list[tuple[str, str]] = []
    for a, b in pairs:
        for d in ((a, b), (b, a)):
            if d not in out:
                out.append(d)
    return out


def stage_name(source: str) -> str:
    return f"from-{source}"


def _pair_lines(text: str, word: str) -> list[list[str]]:
    return [line.split()[1:] for line in text.splitlines() if line.split()[:1] == [word]]


def _section(stage: xen.StageResult, name: str) -> dict[str, str]:
    """The 'path = "value"' lines the test printed between NAME-begin and NAME-end."""
    store: dict[str, str] = {}
    inside = False
    for line in stage.test_output.splitlines():
        if line == f"{name}-begin":
            inside = True
        elif line == f"{name}-end":
            inside = False
        elif inside:
            m = xen._XS_LINE.match(line)
            if m:
                store[m.group(1)] = m.group(2)
    return store


def reattach_store(stage: xen.StageResult) -> dict[str, str]:
    """The vbd keys of both ends as the test dumped them after the re-attach."""
    return _section(stage, "reattach-xenstore")


def negotiation(stage: xen.StageResult) -> dict[str, str]:
    """xen.negotiation and the kernel's view the test printed (blk-mq tag set flags,
    scheduler): per hardware queue, the flags of the first."""
    out = xen.negotiation(stage)
    for path, value in _section(stage, "view").items():
        out[re.sub(r"/hctx\d+/", "/hctx/", path)] = value
    return out


def check_stage(st: xen.StageResult, *, required: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with one stage of GEN_TEST (empty: it passed): loads, attaches,
    unloads, the I/O of each device it attached, Connected at both ends, the queues and
    ring the set-up asks for, the re-attach's negotiation equal to the first one's, and
    each *required* negotiation key of its device kinds present."""
    bad = list(st.reasons)
    kinds = set(st.attach)
    if not kinds:
        bad.append("no device attached")
    out = st.test_output

    def same(word: str, want_n: int = 2) -> None:
        got = _pair_lines(out, word)
        if not got or len(got[-1]) != want_n or len(set(got[-1])) != 1 or not got[-1][0]:
            bad.append(f"{word}: {got[-1] if got else 'no result'}")

    if "disk" in kinds:
        fio = _pair_lines(out, "fio")
        if not fio or fio[-1] != ["0"]:
            bad.append(f"fio: {fio[-1] if fio else 'no result'}")
        same("dd-md5")
        same("reattach-md5")
        vbd = ("/local/domain/0/device/vbd/", "/local/domain/0/backend/vbd/")

        def keep(store: dict[str, str]) -> dict[str, str]:
            return {k: v for k, v in store.items()
                    if k.startswith(vbd) and not xen._VOLATILE.search(k.rsplit("/", 1)[-1])}

        a, b = keep(st.xenstore), keep(reattach_store(st))
        if a != b:
            diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            bad.append(f"re-attach negotiated differently: "
                       f"{', '.join(f'{k}: {a.get(k)} -> {b.get(k)}' for k in diff[:6])}")
        if st.frontend("vbd").get("ring-page-order") != "2":
            bad.append(f"vbd ring-page-order {st.frontend('vbd').get('ring-page-order')!r}, not 2")
    if "vif" in kinds:
        for word in ("ping-tx", "ping-rx"):
            got = _pair_lines(out, word)
            if not got or got[-1] != ["5", "5"]:
                bad.append(f"{word}: {got[-1] if got else 'no result'} (sent, received)")
        same("tcp-rx")
        same("tcp-tx")
        queues = st.xenstore.get("/sys/class/net/netif/queues")
        if queues != "rx-0 rx-1 tx-0 tx-1 ":
            bad.append(f"netif queues {queues!r}")
    for kind in kinds:
        node = "vbd" if kind == "disk" else "vif"
        for end, keys in (("front", st.frontend(node)), ("back", st.backend(node))):
            if keys.get("state") != "4":
                bad.append(f"{node} {end}-end state {keys.get('state')!r}, not Connected (4)")
        if st.frontend(node).get("multi-queue-num-queues") != "2":
            bad.append(f"{node} multi-queue-num-queues "
                       f"{st.frontend(node).get('multi-queue-num-queues')!r}, not 2")
    got = xen.negotiation(st)
    for key in required:
        if any(key.startswith(p) for kind in kinds for p in _KIND_PREFIX[kind]) and key not in got:
            bad.append(f"negotiation key {key} missing")
    return bad


def differential(native: xen.StageResult, bridged: xen.StageResult,
                 own: xen.StageResult | None) -> tuple[xen.Comparison, dict[str, tuple]]:
    """The bridged stage against the native one on the same dom0, over the device kinds
    the bridged stage attached, and the differences its source series' own front-end
    (*own*: native on its own dom0) does not explain -- (native, bridged, own) each."""
    prefixes = tuple(p for kind in bridged.attach for p in _KIND_PREFIX[kind])
    a, b = negotiation(native), negotiation(bridged)
    keys = sorted(k for k in set(a) | set(b) if k.startswith(prefixes))
    diffs = {k: (a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)}
    cmp = xen.Comparison(not diffs, diffs, len(keys))
    ref = negotiation(own) if own is not None else {}
    unexplained = {k: (a, b, ref.get(k)) for k, (a, b) in diffs.items() if ref.get(k) != b}
    return cmp, unexplained


def stage_seconds(console: str, stage_modules: list[list[str]]) -> list[float | None]:
    """Each stage's time on dom0's clock: from its first module's insmod mark to its
    last rmmod mark in dmesg (the marks /init writes to /dev/kmsg, in stage order)."""
    from kbridge.actions.guest.initramfs import KMSG_MARK
    marks: list[tuple[str, float]] = []
    inside = False
    rx = re.compile(r"^\[\s*(\d+\.\d+)\]\s+" + re.escape(KMSG_MARK) + r" (insmod|rmmod) (\S+)")
    for line in console.splitlines():
        if line.endswith("dmesg-begin") and line.startswith("@@KBRIDGE"):
            inside = True
        elif line.endswith("dmesg-end") and line.startswith("@@KBRIDGE"):
            inside = False
        elif inside:
            m = rx.match(line)
            if m and m.group(3) != "dep":
                marks.append((m.group(2), float(m.group(1))))
    ins = [t for what, t in marks if what == "insmod"]
    rms = [t for what, t in marks if what == "rmmod"]
    out: list[float | None] = []
    first = 0
    for mods in stage_modules:
        n = len(mods)
        if first + n <= len(ins) and first + n <= len(rms) and rms[first + n - 1] >= ins[first]:
            out.append(round(rms[first + n - 1] - ins[first], 1))
        else:
            out.append(None)
        first += n
    return out


@dataclass
class Direction:
    """One source series' front-ends bridged onto one dom0 series."""

    source: str
    dom0: str
    kos: list[Path] = field(default_factory=list)
    blocked: dict[str, str] = field(default_factory=dict)   # front-end -> why not run
    bridge_seconds: float = 0.0
    verdict: str = "not run"            # PASS, FAIL, BLOCKED (nothing bridged), PARTIAL
    problems: list[str] = field(default_factory=list)
    differences: dict[str, tuple] = field(default_factory=dict)
    unexplained: dict[str, tuple] = field(default_factory=dict)
    compared: int = 0
    stage_seconds: float | None = None
    retries: list[str] = field(default_factory=list)   # attaches libxl's clock cut short

    def to_json(self) -> dict[str, object]:
        return {"source": self.source, "dom0": self.dom0, "verdict": self.verdict,
                "modules": [p.name for p in self.kos], "blocked": self.blocked,
                "bridge_seconds": round(self.bridge_seconds, 1), "problems": self.problems,
                "compared": self.compared, "stage_seconds": self.stage_seconds,
                "retries": self.retries,
                "differences": {k: list(v) for k, v in self.differences.items()},
                "unexplained": {k: list(v) for k, v in self.unexplained.items()}}


def not_bridged(text: str) -> list[str]:
    """The NOT BRIDGED lines of a bridge's output, shortened to file:line: API (kind)."""
    out = []
    for line in text.splitlines():
        if "NOT BRIDGED" in line:
            out.append(line.split("NOT BRIDGED", 1)[1].strip()[:160])
    return out


def bridge_direction(d: Direction, tmp: Path, keep: bool = False) -> None:
    """Bridge and build the source series' front-ends for the dom0's kernel."""
    rel = series_mod.release(d.dom0)
    t = time.monotonic()
    from kbridge.actions.guest.runner import modules_in
    for name in FRONTENDS:
        out = tmp / f"{name}-{d.source}-to-{d.dom0}"
        done = tmp / f"build-{out.name}"
        refused = tmp / f"blocked-{out.name}.txt"
        if keep and done.is_dir() and modules_in(done):
            d.kos += modules_in(done)          # --keep: bridged and built by an earlier run
            continue
        if keep and refused.is_file():
            d.blocked[name] = refused.read_text()   # --keep: refused by an earlier run
            continue
        proc = subprocess.run([sys.executable, "-m", "kbridge.cli.main", "bridge",
                               f"{name}@{d.source}", "--target", d.dom0, "-o", str(out)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            why = not_bridged(proc.stdout + proc.stderr) or \
                [(proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:][0][:200]
                 if (proc.stderr.strip() or proc.stdout.strip()) else f"exit {proc.returncode}"]
            d.blocked[name] = f"bridge exit {proc.returncode}: " + "; ".join(why[:4])
            if keep:
                refused.write_text(d.blocked[name])
            continue
        build, kos = build_for(str(out), rel, tmp / f"build-{out.name}")
        if not kos:
            errs = [dg.message for dg in build.diagnostics if dg.severity == "error"][:3] \
                if hasattr(build, "diagnostics") else []
            d.blocked[name] = "build failed: " + "; ".join(errs or [str(build.undefined_symbols)[:200]])
            continue
        d.kos += kos
    d.bridge_seconds = time.monotonic() - t


def _untimed(line: str) -> str:
    """A kernel log line without its "[  12.345678] " time stamp."""
    return re.sub(r"^\[\s*\d+\.\d+\]\s*", "", line.strip())


def log_problems(res: xen.XenResult, stage_modules: list[list[str]],
                 names: list[str] | None = None) -> list[list[str]]:
    """The log problems of each stage: dom0's BUG/WARNING/Oops lines while its modules
    were the last loaded (xencolumn's split); a line the dump cannot place (a log that
    wrapped past the stage's marks) goes to the stage (*names*) between whose
    begin/end marks dom0's console printed it; plus, for every stage, what no stage
    owns (Xen's own log, a boot that stopped or timed out)."""
    from kbridge.actions.guest.xencolumn import _stage_problems
    per = _stage_problems(res.dmesg, stage_modules)
    owned = {p for ps in per for p in ps}
    where: dict[str, int] = {}
    if names:
        current = None
        for line in res.console.split("\n"):
            w = line.split()
            if w[:2] == [xen.MARK, "xen-stage"] and len(w) == 4:
                current = names.index(w[2]) if w[3] == "begin" and w[2] in names else None
            elif current is not None:
                where.setdefault(_untimed(line), current)
    for p in res.problems:
        if p not in owned and _untimed(p) in where:
            per[where[_untimed(p)]].append(p)
            owned.add(p)
    common = [f"log: {p.strip()}" for p in res.problems if p not in owned]
    common += [r for r in res.reasons if r.startswith(("time-out", "dom0 stopped"))]
    return [[*(f"log: {p.strip()}" for p in ps), *common] for ps in per]


def judge_direction(d: Direction, res: xen.XenResult, own: xen.StageResult | None,
                    required: tuple[str, ...], seconds: float | None,
                    problems: list[str] = ()) -> None:
    st = next((s for s in res.stages if s.name == stage_name(d.source)), None)
    d.stage_seconds = seconds
    if st is None:
        d.verdict = "FAIL"
        d.problems = [f"stage {stage_name(d.source)} never ran", *res.reasons[:3]]
        return
    d.problems = check_stage(st, required=required) + list(problems)
    d.retries = list(st.retries)
    cmp, d.unexplained = differential(res.stage("native"), st, own)
    d.differences, d.compared = cmp.differences, cmp.compared
    if own is None and d.differences:
        # the source's own front-end is what explains a difference; with none, nothing
        # does (every difference stays unexplained), with no difference none is needed
        d.problems.append(f"no native run of {d.source} on its own dom0 to explain differences")
    if d.unexplained:
        d.problems.append("negotiation differs from the native front-end where the source's own "
                          "does not: " + ", ".join(sorted(d.unexplained)))
    d.verdict = "FAIL" if d.problems else ("PASS" if not d.blocked else "PARTIAL")


def run_pairs(spec: str, xen_override: str | None, json_path: str | None,
              keep_dir: str | None = None, only_dom0: list[str] | None = None,
              replay: dict[str, str] | None = None) -> int:
    import json
    try:
        directions = [Direction(s, d) for s, d in parse_pairs(spec, series_mod.names())]
    except ValueError as exc:
        print(f"bench_xen: error: {exc}", file=sys.stderr)
        return 2
    if only_dom0:
        directions = [d for d in directions if d.dom0 in only_dom0]
    sys.path.insert(0, str(REPO / "tests"))
    import test_xen  # noqa: E402  (the suite's negotiation keys)
    # newest dom0 first; each dom0's incoming directions are bridged right before its boot
    dom0s = sorted(dict.fromkeys(d.dom0 for d in directions), key=_vtuple, reverse=True)
    boots: dict[str, dict[str, object]] = {}
    results: dict[str, xen.XenResult] = {}
    stage_logs: dict[str, dict[str, list[str]]] = {}
    t0 = time.monotonic()
    keep = keep_dir is not None
    with tempfile.TemporaryDirectory(prefix="bench-xen-pairs-") as tmp_s:
        tmp = Path(keep_dir) if keep else Path(tmp_s)
        tmp.mkdir(parents=True, exist_ok=True)
        script = Path(tmp_s) / "t.sh"
        script.write_text(GEN_TEST)
        for dom0 in dom0s:
            incoming = [d for d in directions if d.dom0 == dom0]
            for d in incoming:
                bridge_direction(d, tmp, keep)
                print(f"{', '.join(FRONTENDS)} of {d.source} bridged for {d.dom0}: "
                      f"{len(d.kos)} module(s) built in {d.bridge_seconds:.0f} s"
                      + "".join(f"; {n} BLOCKED: {w}" for n, w in d.blocked.items()), flush=True)
                if not d.kos:
                    d.verdict = "BLOCKED"
            v = xen_override or xen_for(dom0)
            rel = series_mod.release(dom0)
            image = ensure_image(rel)
            stages = [xen.XenStage("native", tuple(xen.native_frontend(image, n) for n in FRONTENDS),
                                   params=GEN_PARAMS)]
            stages += [xen.XenStage(stage_name(d.source), tuple(d.kos), params=GEN_PARAMS)
                       for d in incoming if d.kos]
            load = os.getloadavg()[0]
            scale = load_scale(max(load, os.getloadavg()[1]))
            seen = [scale]

            def budget(n: int = len(stages)) -> float:
                # the boot's budget follows the load while it runs (the largest factor seen)
                seen[0] = max(seen[0], load_scale(os.getloadavg()[0]))
                return STAGE_BUDGET * seen[0] * (1 + n)

            # the library's budget (600 s) is for a stage or two; a stage of GEN_TEST does
            # more (fio, dd, a re-attach, two pings, two TCP transfers): per stage
            if dom0 in (replay or {}):
                # --replay: this dom0's boot is an earlier run's console, judged again
                # (the same stages: the same directions, built with --keep)
                console = Path(replay[dom0]).read_text()
                res = xen.judge(rel, v, xen.XenBoot(console, 0.0, False, 0, [], None),
                                [st.name for st in stages])
            else:
                res = xen.run_xen(stages, rel, test_script=script, image=image, tools=True,
                                  version=v, smp=GEN_SMP, timeout=budget,
                                  test_timeout=int(TEST_BUDGET * scale))
            scale = seen[0]
            results[dom0] = res
            if json_path and dom0 not in (replay or {}):
                Path(f"{json_path}.dom0-{dom0}.console").write_text(res.console)
            mods = [[xen.module_name(k) for k in st.kos] for st in stages]
            secs = stage_seconds(res.console, mods)
            stage_logs[dom0] = dict(zip((st.name for st in stages),
                                        log_problems(res, mods, [st.name for st in stages])))
            boots[dom0] = {"release": rel, "xen": v, "ok": res.ok, "reasons": res.reasons,
                           "seconds": round(res.seconds, 1), "load": [round(load, 1),
                                                                      round(os.getloadavg()[0], 1)],
                           "peak_rss_mb": round(res.peak_rss_kb / 1024) if res.peak_rss_kb else None,
                           "budget_scale": scale,
                           "retries": {s.name: s.retries for s in res.stages if s.retries},
                           "stages": {st.name: s for st, s in zip(stages, secs)}}
            native = next((s for s in res.stages if s.name == "native"), None)
            nbad = (check_stage(native) + stage_logs[dom0]["native"]) if native \
                else ["native stage never ran", *res.reasons[:3]]
            boots[dom0]["native_problems"] = nbad
            print(f"dom0 {dom0} ({rel}), Xen {v}: {len(stages)} stages "
                  f"({', '.join(st.name for st in stages)}), QEMU {res.seconds:.0f} s, "
                  f"load {load:.1f} -> {os.getloadavg()[0]:.1f} (budgets x{scale}); native "
                  f"{'ok' if not nbad else 'FAIL ' + '; '.join(nbad[:4])}"
                  + ("" if res.ok else f"; boot: {'; '.join(res.reasons[:4])}"), flush=True)
            for s in res.stages:
                for r in s.retries:
                    print(f"  {s.name}: attach tried again after libxl's time-out: {r}", flush=True)
    failed = sum(1 for b in boots.values() if b["native_problems"])
    for d in directions:
        if not d.kos:
            continue
        res = results[d.dom0]
        own_res = results.get(d.source)
        own = next((s for s in own_res.stages if s.name == "native"), None) if own_res else None
        required = tuple(set(test_xen.KEYS) - test_xen.TOOLSTACK_LACKS.get(res.version, set()))
        secs = boots[d.dom0]["stages"].get(stage_name(d.source))  # type: ignore[union-attr]
        judge_direction(d, res, own, required, secs,
                        stage_logs[d.dom0].get(stage_name(d.source), []))
    print(f"\n{'source -> dom0':<16} {'Xen':<5} {'verdict':<8} {'stage':>7} {'bridge':>7}  details")
    for d in directions:
        failed += d.verdict == "FAIL"
        xv = boots.get(d.dom0, {}).get("xen", "-")
        print(f"{d.source + ' -> ' + d.dom0:<16} {xv:<5} {d.verdict:<8} "
              f"{(str(d.stage_seconds) + ' s') if d.stage_seconds is not None else '-':>7} "
              f"{d.bridge_seconds:>5.0f} s  "
              f"{d.compared} values compared, {len(d.differences)} differ "
              f"({len(d.unexplained)} unexplained)"
              + "".join(f"; {n} BLOCKED: {w[:120]}" for n, w in d.blocked.items())
              + "".join(f"\n{'':<17}{p}" for p in d.problems[:8])
              + "".join(f"\n{'':<17}retried: {r}" for r in d.retries)
              + "".join(f"\n{'':<17}differs: {k}: native {a!r}, bridged {b!r}"
                        for k, (a, b) in d.differences.items()))
    wall = time.monotonic() - t0
    print(f"\n{len(directions)} directions, {len(dom0s)} boots, {wall:.0f} s; "
          f"{sum(d.verdict == 'PASS' for d in directions)} PASS, "
          f"{sum(d.verdict == 'PARTIAL' for d in directions)} PARTIAL, "
          f"{sum(d.verdict == 'BLOCKED' for d in directions)} BLOCKED, {failed} FAIL")
    if json_path:
        Path(json_path).write_text(json.dumps({"boots": boots, "seconds": round(wall),
                                               "directions": [d.to_json() for d in directions]},
                                              indent=1) + "\n")
    return 1 if failed else 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", action="append", default=None)
    ap.add_argument("--xen-version", action="append", default=None)
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--guest", action="append", default=None, metavar="SERIES",
                    help="instead: dom0 is the newest release of SERIES in its suite's lists "
                         "(5.10, 7.2...: no headers needed), the kernel's own front-ends, "
                         "the quick test")
    ap.add_argument("--matrix", action="store_true")
    ap.add_argument("--strategy", choices=("layer", "inline"), default="layer")
    ap.add_argument("--pairs", metavar="all|A:B,...",
                    help="the generations: each pair's front-ends bridged both ways under Xen")
    ap.add_argument("--json", metavar="FILE", help="--pairs: the results as JSON (and each "
                    "dom0's console as FILE.dom0-SERIES.console)")
    ap.add_argument("--dom0", action="append", metavar="SERIES",
                    help="--pairs: boot only these dom0s (the others' directions are left out)")
    ap.add_argument("--keep", metavar="DIR", help="--pairs: bridge and build into DIR and reuse "
                    "what an earlier run built there")
    ap.add_argument("--replay", action="append", metavar="SERIES=CONSOLE", default=[],
                    help="--pairs: do not boot the SERIES dom0, judge the console an earlier "
                         "run saved (FILE.dom0-SERIES.console; with --keep, the same builds)")
    args = ap.parse_args()
    replay = {}
    for item in args.replay:
        series_name, sep, path = item.partition("=")
        if not sep or not Path(path).is_file():
            print(f"bench_xen: error: --replay {item!r}: write SERIES=CONSOLE of an existing "
                  "console file", file=sys.stderr)
            return 2
        replay[series_name] = path
    if args.pairs:
        return run_pairs(args.pairs, (args.xen_version or [None])[0], args.json, args.keep,
                         args.dom0, replay)
    if args.matrix:
        return matrix_column(args.strategy, (args.xen_version or [None])[0])
    versions = args.xen_version or list(xen.VERSIONS)
    for v in versions:
        t = time.monotonic()
        dist = xen.ensure_xen(v)
        print(f"ensure_xen (warm or cold): {time.monotonic() - t:.2f} s, Xen {dist.version} "
              f"({xen.VERSIONS[v].suite}), {len(dist.packages)} packages")
    failed = 0
    runs: dict[str, dict[str, xen.XenResult]] = {v: {} for v in versions}
    if args.guest:
        from kbridge.actions.guest.image import newest_release
        with tempfile.TemporaryDirectory(prefix="bench-xen-") as tmp:
            script = Path(tmp) / "t.sh"
            script.write_text(QUICK)
            for s in args.guest:
                rel = newest_release(s)
                image = ensure_image(rel)
                stages = [xen.XenStage("native", tuple(xen.native_frontend(image, n)
                                                       for n in FRONTENDS))]
                for v in versions:
                    load = os.getloadavg()[0]
                    res = xen.run_xen(stages, rel, test_script=script, image=image, version=v)
                    failed += not res.ok
                    rss = res.peak_rss_kb // 1024 if res.peak_rss_kb else None
                    print(f"Xen {v}, dom0 {rel}: "
                          f"{'PASS' if res.ok else 'FAIL ' + '; '.join(res.reasons)}  "
                          f"QEMU {res.seconds:.1f} s, /init at {res.init_seconds or 0:.1f} s, "
                          f"peak RSS {rss} MB, load {load:.1f} -> {os.getloadavg()[0]:.1f}",
                          flush=True)
        return 1 if failed else 0
    with tempfile.TemporaryDirectory(prefix="bench-xen-") as tmp:
        script = Path(tmp) / "t.sh"
        if args.full:
            sys.path.insert(0, str(REPO / "tests"))
            import test_xen  # noqa: E402
            script.write_text(test_xen.TEST)
        else:
            script.write_text(QUICK)
        for s in args.series or list(OTHER):
            rel = series_mod.release(s)
            image = ensure_image(rel)
            params = test_xen.PARAMS if args.full else ()
            stages = [xen.XenStage("native", tuple(xen.native_frontend(image, n)
                                                   for n in FRONTENDS), params=params)]
            if args.full:
                kos: list[Path] = []
                for name in FRONTENDS:
                    out = Path(tmp) / f"{name}-{s}"
                    subprocess.run([sys.executable, "-m", "kbridge.cli.main", "bridge",
                                    f"{name}@{OTHER[s]}", "--target", s, "-o", str(out)],
                                   check=True, capture_output=True)
                    _, built = build_for(str(out), rel, Path(tmp) / f"b-{name}-{s}")
                    kos += built
                stages.append(xen.XenStage("bridged", tuple(kos), params=params))
            for v in versions:
                load = os.getloadavg()[0]
                # --full: test_xen's scenario exactly (two dom0 vCPUs, blkfront's 4-page ring)
                res = xen.run_xen(stages, rel, test_script=script, image=image, tools=args.full,
                                  version=v, smp=2 if args.full else 1)
                runs[v][s] = res
                failed += not res.ok
                rss = res.peak_rss_kb // 1024 if res.peak_rss_kb else None
                print(f"Xen {v}, dom0 {rel}: {'PASS' if res.ok else 'FAIL ' + '; '.join(res.reasons)}  "
                      f"QEMU {res.seconds:.1f} s, /init at {res.init_seconds or 0:.1f} s, "
                      f"peak RSS {rss} MB, load {load:.1f} -> {os.getloadavg()[0]:.1f}, "
                      f"stages {[st.name for st in res.stages]}", flush=True)
    if args.full and not args.series:
        # test_xen's assertions, per Xen version: I/O, queues, rings, and native vs
        # bridged negotiation (a difference only where the bridged source's own is)
        for v in versions:
            for s in OTHER:
                for check, args in ((test_xen.test_native_and_bridged_frontends_do_io_under_xen, ()),
                                    (test_xen.test_bridged_frontend_negotiates_like_its_own_source, (v,))):
                    try:
                        check(runs[v], s, *args)
                        verdict = "PASS"
                    except AssertionError as exc:
                        failed += 1
                        verdict = f"FAIL {str(exc)[:300]}"
                    print(f"Xen {v}, dom0 {s}: {check.__name__}: {verdict}", flush=True)
        # the hypervisor axis: what the same kernel's own front-ends negotiate under each
        # Xen, against the default one
        ref = xen.DEFAULT_VERSION
        for s in OTHER:
            for v in versions:
                if v != ref and ref in runs and s in runs[ref] and s in runs[v]:
                    cmp = xen.compare(runs[ref][s].stage("native"), runs[v][s].stage("native"))
                    print(f"dom0 {s}, native under Xen {ref} vs {v}: "
                          f"{cmp.compared} values, differ in {cmp.differences}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
