"""One class of change measured on EVERY module of the wild candidate lists that uses it --
never on a sample (bench/README "Measuring a class"). Sessions 14 and 15 wrote one script per
class (SCSI execute/timeout, mac80211 ops) with the same loop; this is that loop, once.

    .venv/bin/python bench/bench_class.py --uses REGEX --rules ID[,ID...]
        [--pairs 6.1:6.12,5.10:7.3] [--under drivers/net/wireless] [--only NAMES|LIST.json]
        [--no-plain] [--no-before] [--json FILE]

For each pair, every candidate of bench_wild.pair_candidates (under --under, if given) whose
.c/.h on either kernel matches --uses; a module not clean on both of its own kernels is
dropped (the wild set's own rule). Each kept module, in each direction: the plain cross
build; bridge --strategy layer (drafts on) and build on the other kernel AFTER (the whole
library) and BEFORE (the library without --rules; skipped when AFTER applied none of them:
the same bridge); and the bridged OUT on its own kernel ("own+": anything the bridge adds
there). Every error line is kept so that what is left can be classed. Ends with one row per
direction. bench_wild's extract/bridge/build functions; builds one at a time.

Examples (the two classes measured this way before this script existed):
    --uses '\\b(__scsi_execute|scsi_execute(_cmd|_req)?|eh_timed_out|blk_opf_t)\\b'
        --rules scsi_execute_cmd,blk_opf_t_added,scsi_eh_timed_out_action
    --uses '\\bstruct\\s+ieee80211_ops\\b' --under drivers/net/wireless
        --rules ieee80211_ops_stop_suspend,ieee80211_wake_tx_queue_mandatory,ieee80211_chanctx_emulated
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


def uses(path: Path, rx: re.Pattern[str]) -> list[str]:
    found: set[str] = set()
    for f in sorted(path.rglob("*.[ch]")):
        found |= {m.group(0) for m in rx.finditer(f.read_text(errors="replace"))}
    return sorted(found)


def _errs(res) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{Path(d.file).name}:{d.line}: {d.message}" for d in res.diagnostics if d.severity == "error"]


def _cell(res) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"clean": bw.clean(res), "errors": res.errors, "warnings": res.warnings,
            "undefined": len(res.undefined_symbols), "error_lines": _errs(res)}


def _bridged(drv, home, other, rules, class_ids: set[str], name: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory(prefix="kbridge-class-") as tmp:
        o = Path(tmp) / "out"
        try:
            rep = bridge(drv, [home, other], "layer", o, rules=rules, drafts=True)
        except KbridgeError as exc:
            return {"refused": str(exc)[:600]}
        bdrv = drv_mod.load(o, label=f"{name}+layer")
        r_other, r_own = build(bdrv, other), build(bdrv, home)
        return dict(_cell(r_other),
                    own_plus=r_own.errors + r_own.warnings + len(r_own.undefined_symbols),
                    rules=sorted({str(s["rule"]) for s in rep.shims} & class_ids))


def _only(arg: str) -> tuple[set[str], dict[str, list[tuple[str, str]]] | None]:
    """--only: module names, or a JSON file {pair: [[directory, module], ...]} (a grep of
    the pair's sources made beforehand: extracting ~500 candidates to grep them takes hours)."""
    if not arg:
        return set(), None
    p = Path(arg)
    if p.is_file():
        return set(), {k: [tuple(x) for x in v] for k, v in json.loads(p.read_text()).items()}
    return set(filter(None, arg.split(","))), None


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--uses", required=True, help="regex over the module's .c/.h (either kernel)")
    ap.add_argument("--rules", required=True, help="the class's rule ids, comma-separated")
    ap.add_argument("--pairs", default="6.1:6.12,5.10:7.3")
    ap.add_argument("--under", default="", help="only candidates under this directory")
    ap.add_argument("--only", default="", help="module names (comma-separated) or LIST.json")
    ap.add_argument("--no-plain", action="store_true", help="skip the plain cross build")
    ap.add_argument("--no-before", action="store_true", help="skip the BEFORE bridge")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    rx = re.compile(args.uses)
    class_ids = set(filter(None, args.rules.split(",")))
    lib = rules_mod.load()
    unknown = class_ids - {r.id for r in lib}
    if unknown:
        ap.error(f"no such rule: {', '.join(sorted(unknown))}")
    before_lib = [r for r in lib if r.id not in class_ids]
    names, only_lists = _only(args.only)
    out: dict[str, object] = {}
    totals: dict[str, list[int]] = {}
    for pair in args.pairs.split(","):
        a, b = pair.split(":")
        trees = {s: targets.resolve(s) for s in (a, b)}
        source = bw.candidates(a)
        pool = [(d, n) for d, n in bw.pair_candidates(a, b)
                if d.startswith(args.under) and (not names or n in names)]
        if only_lists is not None:
            keep = set(pool)
            pool = [x for x in only_lists.get(pair, []) if x in keep]
        rows: list[dict[str, object]] = []
        for directory, name in pool:
            mod = intree.IntreeModule(name, directory, (source[(directory, name)].source,))
            entries = {s: intree.extract(s, (mod,))[name] for s in (a, b)}
            used = {s: uses(Path(e.path), rx) for s, e in entries.items()}
            if not any(used.values()):
                continue
            drvs = {s: drv_mod.load(e.path, label=e.label, origin_version=e.version)
                    for s, e in entries.items()}
            rec: dict[str, object] = {"module": f"{directory}/{name}", "uses": used}
            bad = [s for s in (a, b) if not bw.clean(build(drvs[s], trees[s]))]
            if bad:
                rec["dropped"] = "not clean on its own kernel: " + ", ".join(bad)
                print(f"{pair} {directory}/{name}: dropped ({rec['dropped']})", flush=True)
                rows.append(rec)
                continue
            for home, other in ((a, b), (b, a)):
                cell: dict[str, object] = {}
                if not args.no_plain:
                    cell["plain"] = _cell(build(drvs[home], trees[other]))
                cell["after"] = after = _bridged(drvs[home], trees[home], trees[other], lib, class_ids, name)
                if not args.no_before:
                    cell["before"] = (dict(after, same_as_after=True) if not after.get("rules")
                                      else _bridged(drvs[home], trees[home], trees[other], before_lib,
                                                    class_ids, name))
                rec[f"{home}->{other}"] = cell
                t = totals.setdefault(f"{home}->{other}", [0] * 7)
                bf = cell.get("before", {})
                t[0] += 1
                t[1] += int(bf.get("errors", 0)) if bf else 0      # type: ignore[call-overload]
                t[2] += int(after.get("errors", 0))                 # type: ignore[call-overload]
                t[3] += int(bool(bf.get("clean"))) if bf else 0
                t[4] += int(bool(after.get("clean")))
                t[5] += int(bool(after.get("own_plus")))
                t[6] += int("refused" in after)
                print(f"{pair} {name}@{home} on {other}: plain {cell.get('plain', {}).get('errors')}e "
                      f"before {bf.get('errors', 'refused' if bf else '-')}e after "
                      f"{after.get('errors', 'refused')}e clean={after.get('clean')} "
                      f"own+={after.get('own_plus')} rules={after.get('rules')}", flush=True)
            rows.append(rec)
            if args.json:
                out[pair] = rows
                args.json.write_text(json.dumps(out, indent=1))
        out[pair] = rows
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    print("direction    n | errors before -> after | clean before -> after | own broken | refused")
    for d, t in totals.items():
        print(f"{d:11} {t[0]:3} | {t[1]:6} -> {t[2]:<6}        | {t[3]:5} -> {t[4]:<5}         | "
              f"{t[5]:10} | {t[6]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
