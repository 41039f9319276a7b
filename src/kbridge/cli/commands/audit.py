"""kbridge audit: every compat spot of a driver or a tree, and what is dead for a kernel range."""

from __future__ import annotations

from pathlib import Path

from kbridge.cli.output import print_json, stdout


def resolve_path(path: str, cache_dir: Path | None) -> Path:
    """A path, or NAME@SERIES from the bundled corpus."""
    p = Path(path)
    if "@" in path and not p.exists():
        from kbridge.facts import corpus
        return corpus.find(path, cache=cache_dir).path
    return p


def run(*, path: str, as_json: bool, min_kernel: str | None, max_kernel: str | None,
        cache_dir: Path | None) -> int:
    from kbridge.actions.prune import format_code, parse_kernel
    from kbridge.actions.audit import KINDS, audit

    result = audit(resolve_path(path, cache_dir), min_kernel=min_kernel, max_kernel=max_kernel)
    if as_json:
        print_json(result.to_json())
        return 0
    rng = None
    if min_kernel is not None:
        lo = format_code(parse_kernel(min_kernel))
        rng = (f"kernels {lo} .. {format_code(parse_kernel(max_kernel, upper=True))}"
               if max_kernel else f"kernels >= {lo}")
    for s in result.spots:
        head = f"{s.where}: {s.kind}"
        if s.rule:
            head += f" (rule {s.rule})"
        if s.api:
            head += "  API: " + ", ".join(s.api)
        if s.note:
            head += f"  [{s.note}]"
        stdout.out(head)
        for b in s.branches:
            cond = f"{b.directive} {b.condition}".rstrip()
            kernels = ""
            if b.kernels is not None:
                kernels = ("kernels " + ", ".join(k.text() for k in b.kernels)) if b.kernels \
                    else "no mainline kernel"
            dead = ""
            if b.dead:
                dead = f"  DEAD for {rng}" + ("" if b.pruned else " (prune keeps it: edit by hand)")
            stdout.out(f"    {b.line:>5}  {cond:<60} {kernels}{dead}".rstrip())
    summ = result.summary()
    kinds = ", ".join(f"{k} {summ['by_kind'][k]}" for k in KINDS if summ["by_kind"][k])  # type: ignore[index]
    line = (f"{summ['spots']} compat spots in {summ['files_with_spots']} of {summ['files']} files"
            f" ({kinds or 'none'}); {summ['conditional_groups']} conditional groups in all")
    if rng:
        line += (f"; {summ['dead_branches']} branches in {summ['spots_with_dead_branches']} spots "
                 f"dead for {rng}, {summ['pruned_branches']} of them removed by prune")
    stdout.out(line)
    return 0
