"""Xen runs (issue 14): boot time, run time and memory of Xen + dom0 under QEMU TCG.

    .venv/bin/python bench/bench_xen.py [--series 6.1 --series 6.12] [--xen-version V]... [--full]
    .venv/bin/python bench/bench_xen.py --guest 5.10 --guest 7.2 [--xen-version V]...
    .venv/bin/python bench/bench_xen.py --matrix [--strategy layer|inline] [--xen-version V]

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
Exit status 1 when a run fails: it is the check that runs on every change to a
rule the Xen front-ends use (bench/README.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
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
    args = ap.parse_args()
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
