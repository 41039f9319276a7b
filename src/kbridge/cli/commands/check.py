"""kbridge check: predict a driver's build breakage on a kernel from the indexes alone."""

from __future__ import annotations

from pathlib import Path

import sys

from kbridge.cli.output import print_json


def _line(text: str) -> None:
    # plain lines, never wrapped: gcc-style output is pasted into bug reports and parsed by editors
    sys.stdout.write(text + "\n")


def run(*, driver: str, target: str, against: str | None, as_json: bool, as_sarif: bool,
        cache_dir: Path | None) -> int:
    from kbridge import __version__
    from kbridge.actions.check import KIND_HELP, run_check
    from kbridge.facts import driver as drivers
    from kbridge.facts.index import resolve_target
    from kbridge.reports import sarif

    drv = drivers.resolve(driver, cache=cache_dir)
    tree = resolve_target(target)
    ref = resolve_target(against) if against else None
    result = run_check(drv, tree, ref, cache=cache_dir)
    if as_json:
        print_json(result.to_json())
    elif as_sarif:
        print_json(sarif.render(
            [f.to_json() for f in result.findings], tool_version=__version__,
            driver_root=drv.path, rule_help=KIND_HELP,
            properties={"driver": result.driver, "target": result.target,
                        "against": result.against}))
    else:
        for f in result.findings:
            _line(f.gcc())
            if f.decl_against or f.decl_target:
                _line(f"  note: on {result.against}: {f.decl_against or '(not declared)'}")
                _line(f"  note: on {result.target}: {f.decl_target or '(not declared)'}")
        verdict = "breaks" if result.errors else "builds"
        _line(f"{result.driver} on {result.target} (checked against {result.against}): "
              f"predicted {verdict}, {result.errors} errors, {result.warnings} warnings")
    return 1 if result.errors else 0
