"""kbridge bridge: write a bridged copy of a driver (layer or inline strategy)."""

from __future__ import annotations

from pathlib import Path

from kbridge.cli.output import print_json, stdout


def run(*, driver: str, targets: list[str], strategy: str, out: Path, as_json: bool,
        cache_dir: Path | None, guards: str | None = None, abi_check: bool = True) -> int:
    from kbridge.actions.bridge import bridge
    from kbridge.facts import driver as drivers
    from kbridge.facts import targets as tgt

    pool = tgt.discover()
    trees = [tgt.resolve(t, trees=pool) for t in targets]
    drv = drivers.resolve(driver, cache=cache_dir)
    report = bridge(drv, trees, strategy, out, guards=guards)
    checks = []
    if abi_check:   # OUT built on each target, every kernel struct compared with its BTF
        from kbridge.actions.bridge.abi import check_out
        checks = check_out(out, trees, drv, rules=[str(s["rule"]) for s in report.shims], cache=cache_dir)
    checked_ok = all(c.ok for c in checks)
    if as_json:
        print_json({**report.to_json(), "ok": report.ok and checked_ok,
                    **({"abi": [{"target": c.target, "build_ok": c.ok or c.abi is not None,
                                 **(c.abi or {"ok": False}),
                                 "errors": [d.message for d in c.diagnostics if d.severity != "warning"]}
                                for c in checks]} if abi_check else {})})
    else:
        stdout.out(f"{report.driver} (written for Linux {report.home}) -> {report.out} "
                   f"[{report.strategy}] for {', '.join(report.targets)}")
        if report.strategy == "inline":
            changed = sorted({str(s["file"]) for s in report.spots})
            stdout.out(f"{len(report.spots)} spots guarded ({report.guards} guards) in "
                       f"{', '.join(changed) or 'no file'}; other driver files unchanged")
            for sp in report.spots:
                stdout.out(f"  spot {sp['file']}:{sp['first']}-{sp['last']} "
                           f"{', '.join(sp['names'])} ({', '.join(sp['rules'])})")
        else:
            stdout.out(f"driver files unchanged: {len(report.driver_files)}; generated files: "
                       f"{len(report.files) - len(report.driver_files)}")
        for s in report.shims:
            where = ("in compat/kb_inline.h" if report.strategy == "inline"
                     else f"after <{s['after']}>" if s["after"] else "in kb_compat.h")
            stdout.out(f"  shim {s['rule']} ({s['direction']}, {s['guard']}) {where}")
        for u in report.unbridged:
            stdout.out(f"  NOT BRIDGED {u.rule} ({u.direction}): {', '.join(u.api)}: {u.why}")
        stdout.out(f"build it with: make -C <kernel tree> M={report.out.resolve()} modules")
        for c in checks:
            if c.abi is not None and "checked" in c.abi:
                skipped = c.abi["skipped"]
                stdout.out(f"ABI on {c.target}: {'ok' if c.abi['ok'] else 'DIFFERS'}: {c.abi['checked']} "
                           f"kernel structs/unions compared with the kernel's BTF, "
                           f"{len(c.abi['mismatches'])} differ; skipped "
                           f"{skipped['kb_types']} kb_, {skipped['driver_types']} the driver's own, "
                           f"{skipped['not_in_kernel_btf']} not in the kernel's BTF")
            elif not c.ok:
                stdout.out(f"ABI on {c.target}: not checked, OUT does not build there")
            for d in c.diagnostics:
                if d.severity != "warning":
                    stdout.out(f"  {c.target}: {d.file + ':' + str(d.line) + ': ' if d.file else ''}{d.message}")
    return 0 if report.ok and checked_ok else 1
