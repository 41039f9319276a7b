"""kbridge draft: the drafted bridges of a driver and skeleton rules for what remains, to review."""

from __future__ import annotations

import tempfile
from pathlib import Path

from kbridge.cli.output import print_json, stdout


def run(*, driver: str, targets: list[str], out: Path, as_json: bool, cache_dir: Path | None) -> int:
    from kbridge.actions.bridge import bridge, draft, home_tree
    from kbridge.actions.bridge.predict import predict
    from kbridge.actions.matrix import blame
    from kbridge.facts import driver as drivers
    from kbridge.facts import targets as tgt
    from kbridge.knowledge import rules as rules_mod
    from kbridge.storage import atomic_directory

    pool = tgt.discover()
    trees = [tgt.resolve(t, trees=pool) for t in targets]
    drv = drivers.resolve(driver, cache=cache_dir)
    rules = rules_mod.load()
    with tempfile.TemporaryDirectory(prefix="kbridge-draft-") as tmp:
        report = bridge(drv, trees, "layer", Path(tmp) / "out", rules=rules, cache=cache_dir)
    home = home_tree(report.home, trees)
    pred = predict(drv, trees, report, rules, home=home, cache=cache_dir)
    decls: dict[tuple[str, str], tuple[str, str]] = {}
    for t in trees:       # both declarations of each remaining API, from check's findings
        if not any(r.target == t.name for r in pred.remaining):
            continue
        for f in blame(drv, t, rules, against=home, cache=cache_dir)["findings"]:  # type: ignore[index]
            decls[(t.name, f"{f['file']}:{f['line']}:{f['col']}:{f['api']}")] = (
                str(f.get("declaration_target", "")), str(f.get("declaration_against", "")))
    files = draft.review_files(report, pred, decls)
    with atomic_directory(out) as d:
        d.chmod(0o755)
        for rel, data in files.items():
            p = d / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
    drafts = report.drafts.drafts if report.drafts is not None else []
    if as_json:
        print_json({"driver": report.driver, "home": report.home, "out": str(out),
                    "drafts": [x.to_json() for x in drafts], "files": list(files),
                    "remaining": [r.to_json() for r in pred.remaining]})
    else:
        stdout.out(f"{report.driver} (written for Linux {report.home}) -> {out}: {len(drafts)} drafts, "
                   f"{len({r.api for r in pred.remaining})} APIs left for skeleton rules (rules/skeleton.toml)")
        for x in drafts:
            stdout.out(f"  drafted {x.api} ({x.kind}) from {x.source} for {', '.join(x.targets)}")
        for r in pred.remaining:
            stdout.out(f"  remains {r.target}: {r.file}:{r.line}:{r.col}: {r.api} ({r.kind}): {r.why}")
    return 0
