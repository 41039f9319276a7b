"""kbridge run: boot a Debian guest kernel, load a module (building it first), run a test."""

from __future__ import annotations

from pathlib import Path

from kbridge.cli.output import print_json, stdout


def run(*, module: str, kernel: str, test: Path | None, params: list[str], timeout: int,
        log: bool, as_json: bool, qemu_args: list[str], cache_dir: Path | None,
        snapshot: str | None = None, against: str | None = None, tools: bool = False,
        debug: bool = False) -> int:
    from kbridge.actions.guest import runner
    from kbridge.cli.output import stderr
    from kbridge.errors import KbridgeError

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
        for d in build.diagnostics:
            where = f"{d.file}:{d.line}:{d.col}: " if d.file else ""
            stdout.out(f"{where}{d.severity}: {d.message}")
        stdout.out(f"FAIL: {build.driver} does not build on {build.target} "
                   f"({build.errors} errors); nothing to run")
        return 1
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
