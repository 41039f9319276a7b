"""kbridge roots: the Debian roots that hold the toolchains of toolchain-"root" series."""

from __future__ import annotations

from pathlib import Path

from kbridge.cli.output import print_json, stderr, stdout


def run(*, suites: list[str], make: bool, as_json: bool, cache_dir: Path | None) -> int:
    from kbridge.actions import roots
    from kbridge.errors import KbridgeError

    known = roots.suites()
    for s in suites:
        if s not in known:
            raise KbridgeError(f"no series of the series table is built in a root of suite {s!r} "
                               f"(root suites: {', '.join(known) or 'none'})")
    out = []
    for suite in suites or list(known):
        series = ", ".join(s.name for s in known[suite])
        root = roots.root_path(suite, cache_dir)
        changed = False
        if make:
            if not as_json:
                stderr.print(f"root {suite} (series {series}): checking", highlight=False)
            root, changed = roots.ensure(suite, cache=cache_dir)
        st = roots.stamp(root)
        out.append({"suite": suite, "series": [s.name for s in known[suite]], "path": str(root),
                    "ready": st is not None and roots.covers(root, known[suite]),
                    "made_now": changed, "packages": (st or {}).get("packages", []),
                    "seconds": (st or {}).get("seconds")})
    if as_json:
        print_json(out)
        return 0
    for r in out:
        state = ("made now" if r["made_now"] else "ready") if r["ready"] else "missing (kbridge roots --make)"
        stdout.print(f"{r['suite']}: series {', '.join(r['series'])}: {r['path']}: {state}",
                     highlight=False, soft_wrap=True)
    return 0
