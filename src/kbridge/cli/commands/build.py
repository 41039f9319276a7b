"""kbridge build: one real kbuild run of a driver against a target."""

from __future__ import annotations

from pathlib import Path

from kbridge.cli.output import print_diagnostics, print_json, stdout


def run(*, driver: str, target: str, as_json: bool, log: bool, cache_dir: Path | None) -> int:
    from kbridge.actions.kbuild import build
    from kbridge.facts import driver as drivers
    from kbridge.facts import targets

    tree = targets.resolve(target)
    drv = drivers.resolve(driver, cache=cache_dir)
    result = build(drv, tree)
    if as_json:
        print_json(result.to_json(with_log=log))
    else:
        if log:
            stdout.out(result.log, end="")
        print_diagnostics(result.diagnostics)
        for sym in result.undefined_symbols:
            stdout.out(f"modpost: undefined symbol {sym}")
        verdict = "ok" if result.ok else "FAILED"
        stdout.out(f"{result.driver} on {result.target}: {verdict}, {result.errors} errors, "
                   f"{result.warnings} warnings, {len(result.undefined_symbols)} undefined symbols "
                   f"({result.seconds:.1f} s)")
    return 0 if result.ok else 1
