"""kbridge bridge: write a bridged copy of a driver (layer or inline strategy)."""

from __future__ import annotations

from pathlib import Path

from kbridge.cli.output import print_json, stdout


def run(*, driver: str, targets: list[str], strategy: str, out: Path, as_json: bool,
        cache_dir: Path | None, guards: str | None = None, abi_check: bool = True,
        drafts: bool = True) -> int:
    from kbridge.actions.bridge import bridge, home_tree
    from kbridge.actions.bridge.predict import predict
    from kbridge.facts import driver as drivers
    from kbridge.facts import targets as tgt
    from kbridge.knowledge import rules as rules_mod

    pool = tgt.discover()
    trees = [tgt.resolve(t, trees=pool) for t in targets]
    drv = drivers.resolve(driver, cache=cache_dir)
    rules = rules_mod.load()
    report = bridge(drv, trees, strategy, out, rules=rules, guards=guards, drafts=drafts, cache=cache_dir)
    # what kbridge check predicts on each target, less what OUT bridges (with or without the ABI check)
    pred = predict(drv, trees, report, rules, home=home_tree(report.home, trees), cache=cache_dir)
    checks = []
    if abi_check:   # OUT built on each target, every kernel struct compared with its BTF
        from kbridge.actions.bridge.abi import check_out
        checks = check_out(out, trees, drv, rules=[str(s["rule"]) for s in report.shims], cache=cache_dir)
    checked_ok = all(c.ok for c in checks)
    if as_json:
        print_json({**report.to_json(), "ok": report.ok and checked_ok and pred.ok,
                    "prediction": pred.to_json(),
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
            when = s.get("cflags_when")
            where = (f"in Kbuild: {' '.join(when['cflags'])} on a kernel built with {when['kernel_flag']}"
                     if when else "in compat/kb_inline.h" if report.strategy == "inline"
                     else f"after <{s['after']}>" if s["after"] else "in kb_compat.h")
            stdout.out(f"  shim {s['rule']} ({s['direction']}, {s['guard']}) {where}")
        for d in (report.drafts.drafts if report.drafts is not None else []):
            stdout.out(f"  drafted {d.api} ({d.kind}) from {d.source} for {', '.join(d.targets)}"
                       + (f", after <{'>, <'.join(d.after)}>" if d.after else ""))
        for rid, names in report.configured_out.items():
            co = next((s for s in rules if s.id == rid), None)
            opt = co.manifest.configured_out.config if co is not None and co.manifest.configured_out else "?"
            stdout.out(f"  CONFIGURED OUT {rid} on {', '.join(names)}: neither API there; the driver is "
                       f"built as without {opt} (its own code for a kernel without it)")
        for u in report.unbridged:
            stdout.out(f"  NOT BRIDGED {u.rule} ({u.direction}): {', '.join(u.api)}: {u.why}")
        for d in (report.compat.drafts if report.compat is not None else []):
            stdout.out(f"  drafted {d.name} from {d.package}, {d.file}:{d.line} into compat/kb_drafts.c "
                       f"(used on {', '.join(d.targets)})")
        for name, why in pred.failed.items():
            stdout.out(f"  NOT CHECKED on {name}: kbridge check could not run: {why}")
        for name, n in pred.predicted.items():
            left = [r for r in pred.remaining if r.target == name]
            stdout.out(f"check on {name}{' against ' + pred.against if pred.against else ''}: "
                       f"{n} errors predicted for the unbridged driver, {pred.bridged[name]} bridged, "
                       f"{len(left)} not bridged"
                       + (f" ({pred.configured_out[name]} in code configured out there)"
                          if pred.configured_out.get(name) else ""))
            for r in left:
                cover = (f"rule {', '.join(r.rules)} covers it, not bridged: {r.why}" if r.covered_by == "rule"
                         else f"kbridge drafts this kind of change, but not this one: {r.why.removeprefix('not drafted: ')}"
                         if r.covered_by == "draft"
                         else "nothing covers it (no rule, no draft)" + (
                             f": {r.why.split('; not drafted: ', 1)[1]}" if "; not drafted: " in r.why else ""))
                stdout.out(f"  NOT BRIDGED {r.file}:{r.line}:{r.col}: {r.api} ({r.kind}): {cover}")
        if pred.ok:
            stdout.out(f"build it with: make -C <kernel tree> M={report.out.resolve()} modules")
        else:
            stdout.out(f"OUT is written, but kbridge predicts it will not build on "
                       f"{', '.join(sorted({r.target for r in pred.remaining} | set(pred.failed)))}: "
                       f"{len(pred.remaining)} predicted errors not bridged"
                       + (", targets not checked" if pred.failed else ""))
        for c in checks:
            if c.abi is not None and "checked" in c.abi:
                skipped = c.abi["skipped"]
                stdout.out(f"ABI on {c.target}: {'ok' if c.abi['ok'] else 'DIFFERS'}: {c.abi['checked']} "
                           f"kernel structs/unions compared with the kernel's BTF, "
                           f"{c.abi.get('callbacks_compared', 0)} pointers to renamed structs, "
                           f"{len(c.abi['mismatches'])} differ; skipped "
                           f"{skipped['kb_types']} kb_, {skipped['driver_types']} the driver's own, "
                           f"{skipped['not_in_kernel_btf']} not in the kernel's BTF")
            elif not c.ok:
                stdout.out(f"ABI on {c.target}: not checked, OUT does not build there")
            for d in c.diagnostics:
                if d.severity != "warning":
                    stdout.out(f"  {c.target}: {d.file + ':' + str(d.line) + ': ' if d.file else ''}{d.message}")
    return 0 if report.ok and checked_ok and pred.ok else 1
