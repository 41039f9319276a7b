"""The SCSI execute/timeout class on every module of the wild candidate lists that uses it
(session 14): bench/README "SCSI execute/timeout, session 14".

    .venv/bin/python bench/bench_scsiexec.py [--pairs 6.1:6.12,5.10:7.3] [--json FILE]

For each pair, every candidate of bench_wild.pair_candidates whose source names
scsi_execute* / __scsi_execute / eh_timed_out / blk_opf_t on either kernel; each such
module that builds clean on both its own kernels, in each direction: bridge --strategy
layer and build on the other kernel, once without this session's rules (BEFORE, the
library minus RULE_IDS) and once with them (AFTER), plus the bridged OUT on its own kernel
("own+": anything the bridge adds there). bench_wild's extract/bridge/build functions.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_wild as bw  # noqa: E402

from kbridge.actions.bridge import bridge  # noqa: E402
from kbridge.actions.kbuild import build  # noqa: E402
from kbridge.errors import KbridgeError  # noqa: E402
from kbridge.facts import driver as drv_mod  # noqa: E402
from kbridge.facts import intree, targets  # noqa: E402
from kbridge.knowledge import rules as rules_mod  # noqa: E402

RULE_IDS = {"scsi_execute_cmd", "blk_opf_t_added", "scsi_eh_timed_out_action"}
USES = re.compile(r"\b(__scsi_execute|scsi_execute(_cmd|_req)?|eh_timed_out|blk_opf_t)\b")


def uses(path: Path) -> list[str]:
    found = set()
    for f in sorted(path.rglob("*.[ch]")):
        found |= {m.group(1) for m in USES.finditer(f.read_text(errors="replace"))}
    return sorted(found)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", default="6.1:6.12,5.10:7.3")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--only", type=Path, help="JSON {pair: [[directory, module], ...]}: measure "
                    "these candidates only (a grep of the pair's sources for the class, made "
                    "beforehand: extracting all ~500 candidates to grep them takes hours)")
    args = ap.parse_args(argv)
    only = json.loads(args.only.read_text()) if args.only else None
    lib = rules_mod.load()
    before_rules = [r for r in lib if r.id not in RULE_IDS]
    out: dict[str, object] = {}
    for pair in args.pairs.split(","):
        a, b = pair.split(":")
        trees = {s: targets.resolve(s) for s in (a, b)}
        source = bw.candidates(a)
        rows = []
        pool = bw.pair_candidates(a, b)
        if only is not None:
            pool = [tuple(x) for x in only.get(pair, []) if tuple(x) in set(pool)]   # its order
        for directory, name in pool:
            mod = intree.IntreeModule(name, directory, (source[(directory, name)].source,))
            entries = {s: intree.extract(s, (mod,))[name] for s in (a, b)}
            used = {s: uses(Path(e.path)) for s, e in entries.items()}
            if not any(used.values()):
                continue
            drvs = {s: drv_mod.load(e.path, label=e.label, origin_version=e.version)
                    for s, e in entries.items()}
            own = {s: build(drvs[s], trees[s]) for s in (a, b)}
            rec: dict[str, object] = {"module": f"{directory}/{name}", "uses": used}
            bad = [s for s, r in own.items() if not bw.clean(r)]
            if bad:
                rec["dropped"] = "not clean on its own kernel: " + ", ".join(bad)
                print(f"{pair} {directory}/{name}: dropped ({rec['dropped']})", flush=True)
                rows.append(rec)
                continue
            for home, other in ((a, b), (b, a)):
                cell: dict[str, object] = {}
                for label, rules in (("after", lib), ("before", before_rules)):
                    if label == "before" and "after" in cell and "rules" in cell["after"] \
                            and not cell["after"]["rules"]:       # type: ignore[index]
                        cell["before"] = dict(cell["after"], same_as_after=True)  # type: ignore[call-overload]
                        continue
                    with tempfile.TemporaryDirectory(prefix="kbridge-scsiexec-") as tmp:
                        o = Path(tmp) / "out"
                        try:
                            rep = bridge(drvs[home], [trees[home], trees[other]], "layer", o,
                                         rules=rules, drafts=True)
                        except KbridgeError as exc:
                            cell[label] = {"refused": str(exc)[:300]}
                            continue
                        bdrv = drv_mod.load(o, label=f"{name}+layer")
                        r_other, r_own = build(bdrv, trees[other]), build(bdrv, trees[home])
                        cell[label] = {
                            "clean": bw.clean(r_other), "errors": r_other.errors,
                            "warnings": r_other.warnings, "undefined": len(r_other.undefined_symbols),
                            "own_plus": r_own.errors + r_own.warnings + len(r_own.undefined_symbols),
                            "rules": sorted({str(s["rule"]) for s in rep.shims} & RULE_IDS),
                            "first_errors": [f"{d.file}:{d.line}: {d.message}" for d in r_other.diagnostics
                                             if d.severity == "error"][:4]}
                rec[f"{home}->{other}"] = cell
                bf, af = cell.get("before", {}), cell.get("after", {})
                print(f"{pair} {name}@{home} on {other}: before {bf.get('errors', 'refused')}e "
                      f"clean={bf.get('clean')} after {af.get('errors', 'refused')}e clean={af.get('clean')} "
                      f"own+={af.get('own_plus')} rules={af.get('rules')}", flush=True)
            rows.append(rec)
            if args.json:
                out[pair] = rows
                args.json.write_text(json.dumps(out, indent=1))
        out[pair] = rows
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
