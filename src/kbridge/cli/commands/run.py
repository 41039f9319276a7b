"""kbridge run: boot a Debian guest kernel, load a module (building it first), run a test."""

from __future__ import annotations

from pathlib import Path

from kbridge.cli.output import print_json, print_unbuilt, stdout


def run(*, module: str, kernel: str, test: Path | None, params: list[str], timeout: int | None,
        log: bool, as_json: bool, qemu_args: list[str], cache_dir: Path | None,
        snapshot: str | None = None, against: str | None = None, tools: bool = False,
        debug: bool = False, xen: bool = False, xen_version: str | None = None,
        native: bool = False) -> int:
    from kbridge.actions.guest import runner
    from kbridge.cli.output import stderr
    from kbridge.errors import KbridgeError

    if (xen_version or native) and not xen:
        raise KbridgeError("--xen-version and --native go with --xen")
    if xen:
        if snapshot or against or debug:
            raise KbridgeError("--xen runs front-ends in dom0: drop --snapshot, --against and --debug")
        release = runner.guest_release(kernel)
        return _xen(module, release, test, params, timeout, log, as_json, qemu_args, cache_dir,
                    xen_version, native, tools)
    timeout = timeout or 180
    if debug:
        release = runner.debug_release(kernel, cache=cache_dir,
                                       progress=lambda msg: stderr.out(f"debug kernel: {msg}"))
    else:
        release = runner.guest_release(kernel)
    if against and not snapshot:
        raise KbridgeError("--against compares snapshots: give --snapshot block|net too")
    if snapshot:
        if test or params or qemu_args or tools:
            raise KbridgeError("--snapshot runs its own scenario: drop --test, --param, --tools and QEMU args")
        return _snapshot(module, release, snapshot, against, float(timeout), cache_dir)
    build, guest = runner.run(module, release, params=params, test_script=test,
                              timeout=float(timeout), qemu_args=qemu_args, cache=cache_dir,
                              tools=tools)
    if as_json:
        print_json({"build": build.to_json() if build else None,
                    "guest": guest.to_json(with_log=log) if guest else None,
                    "ok": bool(guest and guest.ok)})
        return 0 if guest and guest.ok else 1
    if build is not None and not build.ok:
        return print_unbuilt(build)
    assert guest is not None
    if log:
        stdout.out(guest.console, end="" if guest.console.endswith("\n") else "\n")
    for m in guest.loads:
        state = "loaded" if m.loaded else f"FAILED {m.errno or m.returncode}"
        stdout.out(f"{m.kind:6} {m.name}: {state}")
        if m.kind == "module":
            for line in m.dmesg:
                stdout.out(f"         | {line}")
    if guest.test_returncode is not None:
        stdout.out(f"test exited {guest.test_returncode}")
        for line in guest.test_output.splitlines():
            stdout.out(f"         | {line}")
    verdict = "PASS" if guest.ok else "FAIL"
    stdout.out(f"{verdict} on {guest.release} ({guest.seconds:.1f} s, {guest.accel})")
    for r in guest.reasons:
        stdout.out(f"  - {r}")
    return 0 if guest.ok else 1


def _snapshot(module: str, release: str, kind: str, against: str | None, timeout: float,
              cache_dir: Path | None) -> int:
    from kbridge.actions.guest import snapshot as snap

    cand = snap.snapshot(module, release, kind, cache=cache_dir, timeout=timeout)
    if against is None:
        print_json(cand)
        return 0 if cand["ok"] else 1
    ref = snap.snapshot(against, release, kind, cache=cache_dir, timeout=timeout)
    cmp = snap.compare(cand, ref)
    print_json({"candidate": cand, "reference": ref, "comparison": cmp.to_json(),
                "ok": bool(cand["ok"] and ref["ok"] and cmp.equal)})
    return 0 if cand["ok"] and ref["ok"] and cmp.equal else 1


def _xen(module: str, release: str, test: Path | None, params: list[str], timeout: int | None,
         log: bool, as_json: bool, qemu_args: list[str], cache_dir: Path | None, version: str | None,
         native: bool, tools: bool) -> int:
    from kbridge.actions.guest import xen

    build, res, cmp = xen.run(module, release, native=native, version=version or xen.DEFAULT_VERSION,
                              test_script=test, params=params,
                              timeout=float(timeout or xen.DEFAULT_TIMEOUT),
                              qemu_args=qemu_args, cache=cache_dir, tools=tools)
    ok = bool(res and res.ok and (cmp is None or cmp.equal))
    if as_json:
        print_json({"build": build.to_json() if build else None,
                    "xen": res.to_json(with_log=log) if res else None,
                    "comparison": cmp.to_json() if cmp else None, "ok": ok})
        return 0 if ok else 1
    if build is not None and not build.ok:
        return print_unbuilt(build)
    assert res is not None
    if log:
        stdout.out(res.console, end="" if res.console.endswith("\n") else "\n")
    for s in res.stages:
        stdout.out(f"stage {s.name}:")
        for m in s.loads:
            stdout.out(f"  {m.name}: {'loaded' if m.loaded else f'FAILED {m.errno or m.returncode}'}")
        for kind, rc in s.attach.items():
            what = f" ({s.netif})" if kind == "vif" and s.netif else ""
            stdout.out(f"  {kind}: {'connected' if rc == 0 else f'FAILED (status {rc})'}{what}")
        if s.test_returncode is not None:
            stdout.out(f"  test exited {s.test_returncode}")
            for line in s.test_output.splitlines():
                stdout.out(f"         | {line}")
    if cmp is not None:
        if cmp.equal:
            stdout.out(f"negotiation: native and module agree on {cmp.compared} values")
        for key, (a, b) in cmp.differences.items():
            stdout.out(f"negotiation differs: {key}: native {a!r}, module {b!r}")
    verdict = "PASS" if ok else "FAIL"
    rss = f", QEMU peak {res.peak_rss_kb // 1024} MB" if res.peak_rss_kb else ""
    stdout.out(f"{verdict} under Xen {res.version} with dom0 {res.release} ({res.seconds:.1f} s{rss})")
    for r in res.reasons:
        stdout.out(f"  - {r}")
    if cmp is not None and not cmp.equal:
        stdout.out("  - the module negotiated differently from the kernel's own front-end")
    return 0 if ok else 1
