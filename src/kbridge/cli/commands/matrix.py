"""kbridge matrix: drivers x targets, built in parallel, shown as a table."""

from __future__ import annotations

from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kbridge.cli.output import print_json, stderr, stdout

def _merged(files: list[Path], *, as_json: bool, html: Path | None) -> int:
    from kbridge.actions import matrix

    cells = matrix.merge(matrix.load_results(files))
    if html is not None:
        _write_html(cells, html)
    if as_json or html is None:
        print_json(cells)
    return 0


def _write_html(cells: list[dict[str, object]], path: Path) -> None:
    from kbridge.reports import html as html_report
    from kbridge.storage import atomic_write

    atomic_write(path, html_report.render(cells))
    stderr.print(f"report: {path} ({len(cells)} cells)")


def run(*, drivers: list[str], targets: list[str] | None, jobs: int | None, as_json: bool,
        cache_dir: Path | None, strategy: str | None = None, run: bool = False,
        guards: str | None = None, shard: tuple[int, int] | None = None,
        merge: list[Path] | None = None, html: Path | None = None, xen: bool = False,
        xen_version: str | None = None) -> int:
    from kbridge.actions import matrix
    from kbridge.errors import KbridgeError

    if merge is not None:
        if drivers or targets or strategy or run or guards or shard:
            raise KbridgeError("--merge joins saved results: give only --merge FILES "
                               "(with --json and/or --html)")
        return _merged(merge, as_json=as_json, html=html)
    if (xen or xen_version) and not run:
        raise KbridgeError("--xen adds a column to the guest runs: add --run")
    if shard is not None and not as_json and html is None:
        raise KbridgeError("--shard builds a share of the cells: add --json (and merge the "
                           "shards with --merge) or --html")
    from kbridge.facts import corpus
    from kbridge.facts import driver as drv_mod
    from kbridge.facts import series as series_mod
    from kbridge.facts import targets as tgt_mod

    pool = tgt_mod.discover()
    trees = [tgt_mod.resolve(t, trees=pool) for t in (targets or series_mod.default_names())]
    if drivers:
        drvs = [drv_mod.resolve(d, cache=cache_dir) for d in drivers]
    else:
        drvs = [drv_mod.load(e.path, label=e.label, origin_version=e.version)
                for e in corpus.corpus(cache=cache_dir)]
    cells = [matrix.Cell(d, t) for d in drvs for t in trees]
    positions = list(range(len(cells)))
    if shard is not None:
        positions = matrix.shard(cells, *shard)
        cells = [cells[i] for i in positions]
    builder = None
    if guards is not None and strategy != "inline":
        from kbridge.errors import KbridgeError
        raise KbridgeError("--guards only applies to --strategy inline; add --strategy inline")
    if strategy == "inline":
        from functools import partial

        from kbridge.actions.bridge.inline import build_inline
        builder = partial(build_inline, guards=guards or "feature", cache=cache_dir)
    elif strategy == "layer":
        from functools import partial

        from kbridge.actions.bridge import build_layer
        builder = partial(build_layer, cache=cache_dir)
    if builder is not None:
        bridged = builder

        def builder(drv, tree, keep=None, **kw):  # type: ignore[no-untyped-def]
            # a driver whose kernel kbridge does not know (not from the corpus) is bridged for
            # every target of the matrix, as `kbridge bridge` with each --target: its home is
            # the first of them it builds clean on (bridged for one target, a cell could only
            # look for its home there)
            if drv.origin_version is None and "targets" not in kw:
                kw["targets"] = trees
            return bridged(drv, tree, keep=keep, **kw)
    kept = None
    if run:   # keep each build, then load the modules in guests of the target kernels
        from kbridge.actions.guest.loadcheck import KeptBuilds
        kept = KeptBuilds(builder)
        builder = kept.builder

    with Progress(TextColumn("building"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=stderr, transient=True,
                  disable=not stderr.is_terminal) as progress:
        task = progress.add_task("", total=len(cells))
        finished = 0

        def done(res):  # type: ignore[no-untyped-def]
            nonlocal finished
            finished += 1
            progress.update(task, advance=1, description=f"{res.driver} on {res.target}")
            if not stderr.is_terminal:   # a log (CI, `2> file`): one plain line per cell
                verdict = "ok" if res.ok else f"{res.errors} errors"
                stderr.out(f"[{finished}/{len(cells)}] {res.driver} on {res.target}: {verdict} "
                           f"({res.seconds:.1f} s)", highlight=False)

        results = (matrix.run(cells, jobs=jobs, on_done=done, builder=builder) if builder
                   else matrix.run(cells, jobs=jobs, on_done=done))

    loads = kept.check(cells, results, cache=cache_dir, keep=xen) if kept else None
    xens = None
    if kept is not None and xen:   # the front-ends with a back-end here do I/O under Xen
        from kbridge.actions.guest.xencolumn import xen_column
        try:
            with stderr.status("Xen: one boot per target kernel"):
                xens = xen_column(kept.items(cells, results), version=xen_version, cache=cache_dir)
        finally:
            kept.close()
    if as_json or html is not None:
        with Progress(TextColumn("explaining"), BarColumn(), MofNCompleteColumn(),
                      console=stderr, transient=True, disable=not stderr.is_terminal) as progress:
            task = progress.add_task("", total=len(cells))
            if not stderr.is_terminal:
                stderr.out(f"explaining {len(cells)} cells (kbridge check, probes)", highlight=False)
            explained = matrix.explain(cells, results, cache=cache_dir,
                                       on_done=lambda _k: progress.update(task, advance=1))
        out = [matrix.cell_json(c, r, index=positions[k], strategy=strategy, guards=guards,
                                load=loads[k] if loads is not None else None, extra=explained[k],
                                xen=xens[k] if xens is not None else None)
               for k, (c, r) in enumerate(zip(cells, results))]
        if html is not None:
            _write_html(out, html)
        if as_json:
            print_json(out)
        return 0
    title = f"Build matrix: {len(drvs)} drivers x {len(trees)} targets"
    if strategy:
        title += f" (bridged: {strategy}{', ' + (guards or 'feature') + ' guards' if strategy == 'inline' else ''})"
    table = Table(title=title)
    table.add_column("driver")
    for t in trees:
        table.add_column(t.name, justify="right")
    if loads is not None:
        for t in trees:
            table.add_column(f"load {t.name}", justify="right")
        by_load = {(c.driver.label, c.tree.name): lo for c, lo in zip(cells, loads)}
    if xens is not None:
        for t in trees:
            table.add_column(f"xen {t.name}", justify="right")
        by_xen = {(c.driver.label, c.tree.name): x for c, x in zip(cells, xens)}
    by_cell = {(c.driver.label, c.tree.name): r for c, r in zip(cells, results)}
    for d in drvs:
        row = [d.label]
        for t in trees:
            r = by_cell[(d.label, t.name)]
            if r.ok:
                text = "[green]ok[/]" + (f" ({r.warnings}w)" if r.warnings else "")
            else:
                text = f"[red]{r.errors} errors[/]"
                if r.undefined_symbols:
                    text += f" {len(r.undefined_symbols)} undef"
            row.append(text)
        if loads is not None:
            for t in trees:
                lo = by_load[(d.label, t.name)]
                color = "green" if lo.ok else ("dim" if lo.outcome == "not built" else "red")
                row.append(f"[{color}]{lo.outcome if lo.outcome != 'not built' else '-'}[/]")
        if xens is not None:
            for t in trees:
                x = by_xen[(d.label, t.name)]
                color = "green" if x.ok else ("red" if x.outcome == "io failed" else "dim")
                row.append(f"[{color}]{x.outcome if x.outcome != 'not built' else '-'}[/]")
        table.add_row(*row)
    stdout.print(table)
    ok = sum(r.ok for r in results)
    stdout.print(f"{ok}/{len(results)} builds succeeded")
    if strategy:
        checked = [r.abi for r in results if r.abi is not None]
        stdout.print(f"ABI: {sum(bool(a.get('ok')) for a in checked)}/{len(checked)} built cells keep every "
                     f"kernel struct's layout ({sum(int(a.get('checked', 0)) for a in checked)} "
                     "struct/union comparisons)")
        for r in results:
            for d in r.diagnostics:
                if d.message.startswith("ABI"):
                    stdout.print(f"  {r.driver} on {r.target}: {d.message}")
    if loads is not None:
        good = sum(lo.ok for lo in loads)
        stdout.print(f"{good}/{sum(lo.outcome != 'not built' for lo in loads)} built modules load "
                     "as the unbridged driver does on its own kernel")
        for lo in loads:
            if not lo.ok and lo.outcome != "not built":
                stdout.print(f"  {lo.driver} on {lo.target}: {'; '.join(lo.reasons)}")
    if xens is not None:
        ran = [x for x in xens if x.outcome in ("io ok", "io failed")]
        stdout.print(f"Xen {ran[0].xen if ran else ''}: {sum(x.ok for x in ran)}/{len(ran)} front-ends "
                     "with a back-end here do verified I/O under Xen")
        for x in xens:
            if x.outcome == "io failed":
                stdout.print(f"  {x.driver} on {x.target}: {'; '.join(x.reasons)}")
        why = sorted({(x.driver.split("@")[0], x.reasons[0]) for x in xens
                      if x.outcome == "no back-end" and x.reasons})
        for name, reason in why:
            stdout.print(f"  {name}: no back-end here ({reason}); load column only")
    return 0
