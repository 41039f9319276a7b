"""kbridge debug-kernel: build (once) or show the debug guest kernels of the series."""

from __future__ import annotations

from pathlib import Path

from kbridge.cli.output import print_json, stderr, stdout


def run(*, series: list[str], cached: bool, as_json: bool, cache_dir: Path | None) -> int:
    from kbridge.actions.guest import debugkernel
    from kbridge.facts import series as series_mod

    # default: the host's series, whose source packages are in /usr/src (the root series'
    # are inside their roots; name them to try)
    names = [debugkernel.series_of(s) for s in series] or \
        [s.name for s in series_mod.all_series() if s.toolchain == "host"]
    found = []
    for name in names:
        if cached:
            dk = debugkernel.cached_debug_kernel(name, cache=cache_dir)
        else:
            dk = debugkernel.build(name, cache=cache_dir,
                                   progress=lambda msg, n=name: stderr.out(f"{n}: {msg}"))
        found.append((name, dk))
    if as_json:
        print_json([{"series": n, "built": dk is not None, **(dk.to_json() if dk else {})}
                    for n, dk in found])
    else:
        for n, dk in found:
            if dk is None:
                stdout.out(f"{n}: not built (kbridge debug-kernel {n})")
            else:
                stdout.out(f"{n}: {dk.release}  tree {dk.tree_path}  kernel {dk.entry / 'vmlinuz'}")
    return 0 if all(dk is not None for _, dk in found) else 1
