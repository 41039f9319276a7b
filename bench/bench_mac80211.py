"""The mac80211 ieee80211_ops class on every module of the wild candidate lists that
uses it (session 15): bench/README "mac80211 ops, session 15".

    .venv/bin/python bench/bench_mac80211.py [--pairs 6.1:6.12,5.10:7.3] [--json FILE]
        [--label before|after]

For each pair, every candidate of bench_wild.pair_candidates whose source names
``struct ieee80211_ops``; each such module, in each direction: the plain cross build,
bridge --strategy layer (drafts on) and build on the other kernel, and the bridged OUT on
its own kernel ("own+": anything the bridge adds there). All error lines are kept so they
can be classed. bench_wild's extract/bridge/build functions.
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

RULE_IDS = {"ieee80211_ops_stop_suspend", "ieee80211_wake_tx_queue_mandatory",
            "ieee80211_chanctx_emulated", "ieee80211_ops_radio_idx"}
USES = re.compile(r"\bstruct\s+ieee80211_ops\b")


def uses(path: Path) -> bool:
    return any(USES.search(f.read_text(errors="replace")) for f in sorted(path.rglob("*.[ch]")))


def _errs(res) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{Path(d.file).name}:{d.line}: {d.message}" for d in res.diagnostics
            if d.severity == "error"]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", default="6.1:6.12,5.10:7.3")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--only", default="", help="comma-separated module names (default: all "
                    "candidates under drivers/net/wireless that name struct ieee80211_ops)")
    ap.add_argument("--no-plain", action="store_true", help="skip the plain cross build")
    ap.add_argument("--before", action="store_true", help="the library without this class's "
                    "rules (RULE_IDS): the BEFORE column")
    args = ap.parse_args(argv)
    only = set(filter(None, args.only.split(",")))
    lib = [r for r in rules_mod.load() if not (args.before and r.id in RULE_IDS)]
    out: dict[str, object] = {}
    for pair in args.pairs.split(","):
        a, b = pair.split(":")
        trees = {s: targets.resolve(s) for s in (a, b)}
        source = bw.candidates(a)
        rows = []
        pool = [(d, n) for d, n in bw.pair_candidates(a, b) if d.startswith("drivers/net/wireless")
                and (not only or n in only)]
        for directory, name in pool:
            mod = intree.IntreeModule(name, directory, (source[(directory, name)].source,))
            entries = {s: intree.extract(s, (mod,))[name] for s in (a, b)}
            if not any(uses(Path(e.path)) for e in entries.values()):
                continue
            drvs = {s: drv_mod.load(e.path, label=e.label, origin_version=e.version)
                    for s, e in entries.items()}
            rec: dict[str, object] = {"module": f"{directory}/{name}"}
            for home, other in ((a, b), (b, a)):
                cell: dict[str, object] = {}
                if not args.no_plain:
                    p = build(drvs[home], trees[other])
                    cell["plain"] = {"clean": bw.clean(p), "errors": p.errors, "warnings": p.warnings,
                                     "error_lines": _errs(p)}
                with tempfile.TemporaryDirectory(prefix="kbridge-mac80211-") as tmp:
                    o = Path(tmp) / "out"
                    try:
                        rep = bridge(drvs[home], [trees[home], trees[other]], "layer", o,
                                     rules=lib, drafts=True)
                    except KbridgeError as exc:
                        cell["layer"] = {"refused": str(exc)[:600]}
                    else:
                        bdrv = drv_mod.load(o, label=f"{name}+layer")
                        r_other, r_own = build(bdrv, trees[other]), build(bdrv, trees[home])
                        cell["layer"] = {
                            "clean": bw.clean(r_other), "errors": r_other.errors,
                            "warnings": r_other.warnings,
                            "undefined": list(r_other.undefined_symbols),
                            "own_plus": r_own.errors + r_own.warnings + len(r_own.undefined_symbols),
                            "rules": sorted({str(s["rule"]) for s in rep.shims}),
                            "error_lines": _errs(r_other)}
                rec[f"{home}->{other}"] = cell
                lay = cell["layer"]
                print(f"{pair} {name}@{home} on {other}: plain "
                      f"{cell.get('plain', {}).get('errors')}e layer {lay.get('errors', 'refused')}e "
                      f"clean={lay.get('clean')} own+={lay.get('own_plus')}", flush=True)
                rows.append(rec) if rec not in rows else None
                if args.json:
                    out[pair] = rows
                    args.json.write_text(json.dumps(out, indent=1))
        out[pair] = rows
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
