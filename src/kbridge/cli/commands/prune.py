"""kbridge prune: drop the conditional branches dead for a supported kernel range."""

from __future__ import annotations

import sys
from pathlib import Path

from kbridge.cli.output import print_json, stdout


def run(*, path: str, min_kernel: str, max_kernel: str | None, out: Path | None,
        defines: list[tuple[str, int]], undefs: list[str], no_rules: bool, as_json: bool,
        cache_dir: Path | None) -> int:
    from kbridge.actions import prune
    from kbridge.cli.commands.audit import resolve_path
    from kbridge.errors import KbridgeError

    src = resolve_path(path, cache_dir)

    dmap = dict(defines)
    umap = [u for u in undefs if u not in dmap]
    if not src.exists():
        raise KbridgeError(f"{src}: no such file or directory")
    if out is None:
        if src.is_dir():
            raise KbridgeError(f"{src} is a directory: name the pruned copy with -o OUT")
        env = prune.make_env(min_kernel=min_kernel, max_kernel=max_kernel, defines=dmap,
                             undefs=umap, use_rules=not no_rules)
        _, text = prune.prune_file_text(src, env)
        sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
        sys.stdout.flush()
        return 0
    report = prune.prune_tree(src, out, min_kernel=min_kernel, max_kernel=max_kernel,
                              defines=dmap, undefs=umap, use_rules=not no_rules)
    if as_json:
        print_json(report.to_json())
    else:
        for f in report.files:
            if f.changed:
                stdout.out(f"{f.path}: {f.removed_lines} lines removed")
        stdout.out(f"{report.changed} of {len(report.files)} C files pruned; wrote {report.output}")
    return 0
