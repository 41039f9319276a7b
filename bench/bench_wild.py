"""The wild set (issue 17 item 4): modules chosen by a rule, sampled with a fixed seed.

    .venv/bin/python bench/bench_wild.py --seed S --count N [--pairs 6.1:6.12,5.10:7.3]
        [--no-drafts] [--json FILE] [--candidates]
    .venv/bin/python bench/bench_wild.py --load-check RESULT.json [--json FILE]

The rule is :mod:`kbridge.facts.wild`'s: every loadable module of the source
packages built from one .c file (plus headers of its directory) in
drivers/{block,net,scsi,virtio,xen,char,input,watchdog} and sound/drivers,
=m in the series' Debian .config. A module both kernels of a pair have is a
candidate for the pair. The candidates are shuffled with random.Random(seed)
and walked in that order: a module that does not build clean (0 errors, 0
warnings, no undefined symbol) on each of its own kernels is dropped with the
reason, until N modules are kept. Each kept module, in each direction (A's
source on B, B's on A): the plain cross build, ``bridge --strategy layer`` then
build, the same with inline; each bridged OUT is also built on the module's own
kernel (nothing may be added there). From each bridge: the hand-written rules
(shims), the drafted bridges (header/macro/inline drafts and functions copied
into the compat object), and kbridge check's prediction of what remains on the
other kernel, counted by what covers it (rule / draft / nothing).
``--candidates`` only prints the candidate counts per pair.

``--load-check RESULT.json`` (issue 17 item 5: drafted and hand-written bridges
go through a guest): for every kept module of a measured run and each
direction whose layer build was clean, bridge it again (layer, drafts on), build
it on the other kernel and load it in that kernel's guest beside the other
kernel's own build of the same module (separate boots: a boot never holds two
modules of one name). The bridged module must end its init the way the
target's own one does (loaded, or the same errno: hardware drivers register and
wait for a device, a few probe for it and give up) and add no BUG/WARNING/Oops
to the log. Software modules (team modes, sound/drivers' dummy and loopback
cards, ...) run their init for real here; hardware drivers prove symbol
resolution, module acceptance and registration. The guest loads each module's
in-kernel dependencies first (modules.dep), as modprobe would.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from kbridge.actions.bridge import bridge, home_tree  # noqa: E402
from kbridge.actions.bridge.predict import predict  # noqa: E402
from kbridge.actions.kbuild import build  # noqa: E402
from kbridge.errors import KbridgeError  # noqa: E402
from kbridge.facts import driver as drv_mod  # noqa: E402
from kbridge.facts import intree, targets, wild  # noqa: E402
from kbridge.facts.corpus import _tarball  # noqa: E402
from kbridge.knowledge import rules as rules_mod  # noqa: E402

STRATEGIES = ("layer", "inline")


def clean(res) -> bool:  # type: ignore[no-untyped-def]
    return bool(res.ok and not res.warnings and not res.undefined_symbols)


def _cell(res) -> str:  # type: ignore[no-untyped-def]
    s = f"{res.errors}e/{res.warnings}w"
    if res.undefined_symbols:
        s += f"/{len(res.undefined_symbols)}u"
    return ("ok " if clean(res) else "") + s


def _brief(res) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"clean": clean(res), "errors": res.errors, "warnings": res.warnings,
            "undefined": list(res.undefined_symbols),
            "first_errors": [f"{d.file}:{d.line}: {d.message}" for d in res.diagnostics
                             if d.severity == "error"][:5]}


def candidates(series: str) -> dict[tuple[str, str], wild.Candidate]:
    tree = targets.resolve(series)
    chosen, _ = wild.candidates(_tarball(series, None), tree.path / ".config")
    return {(c.directory, c.name): c for c in chosen}


def pair_candidates(a: str, b: str) -> list[tuple[str, str]]:
    """(directory, module) of both kernels' candidates, built from the same-named .c in both."""
    ca, cb = candidates(a), candidates(b)
    return sorted(k for k in ca.keys() & cb.keys() if ca[k].source == cb[k].source)


def _bridged(drv, trees, home_t, other_t, strategy, rules, tmp, drafts):  # type: ignore[no-untyped-def]
    out = Path(tmp) / strategy
    rep = bridge(drv, trees, strategy, out, rules=rules, drafts=drafts)
    pred = predict(drv, [other_t], rep, rules, home=home_tree(rep.home, trees))
    bdrv = drv_mod.load(out, label=f"{drv.label}+{strategy}")
    on_other, on_own = build(bdrv, other_t), build(bdrv, home_t)
    left = [r for r in pred.remaining if r.target == other_t.name]
    compat = rep.compat.drafts if rep.compat is not None else []
    header_drafts = rep.drafts.drafts if rep.drafts is not None else []
    return {
        "build": _brief(on_other), "own": _brief(on_own),
        "rules": sorted({str(s["rule"]) for s in rep.shims}),
        "drafted": sorted({d.api for d in header_drafts} | {d.name for d in compat}),
        "not_bridged": dict(Counter(r.covered_by for r in left)),
        "remaining": [{"api": r.api, "covered_by": r.covered_by, "why": r.why,
                       "at": f"{r.file}:{r.line}"} for r in left],
        "check_failed": pred.failed,
    }, on_other, on_own


def run_pair(a: str, b: str, seed: int, count: int, drafts: bool, log,  # type: ignore[no-untyped-def]
             checkpoint=None, strategies: tuple[str, ...] = STRATEGIES,
             resume: dict[str, object] | None = None) -> dict[str, object]:
    """*checkpoint*(partial result), when given, after each module (--json is rewritten).
    *resume*: a partial result of the same pair and seed; its modules are taken as measured
    (with the strategies they were measured with) and the walk goes on after them."""
    trees = {s: targets.resolve(s) for s in (a, b)}
    pool = pair_candidates(a, b)
    source = candidates(a)
    order = list(pool)
    random.Random(seed).shuffle(order)
    rules = rules_mod.load()
    kept: list[dict[str, object]] = []
    dropped: list[dict[str, object]] = []
    done: dict[str, tuple[str, dict[str, object]]] = {}
    before = 0
    if resume is not None:
        if (resume.get("pair"), resume.get("seed")) != (f"{a}:{b}", seed):
            raise KbridgeError(f"--resume: the file holds pair {resume.get('pair')} seed "
                               f"{resume.get('seed')}, not {a}:{b} seed {seed}")
        ran = list(resume.get("strategies", STRATEGIES))        # type: ignore[call-overload]
        for k in resume.get("kept", []):                        # type: ignore[union-attr]
            done[k["module"]] = ("kept", {"strategies": ran, **k})
        for k in resume.get("dropped", []):                     # type: ignore[union-attr]
            done[k["module"]] = ("dropped", k)
        before = int(resume.get("seconds", 0))                  # type: ignore[call-overload]
    t0 = time.monotonic() - before
    log(f"pair {a}:{b}: {len(pool)} candidates, seed {seed}, count {count}"
        + (f", resuming after {len(done)} measured" if done else ""))
    for directory, name in order:
        if len(kept) >= count:
            break
        if f"{directory}/{name}" in done:
            where, rec0 = done[f"{directory}/{name}"]
            (kept if where == "kept" else dropped).append(rec0)
            continue
        mod = intree.IntreeModule(name, directory, (source[(directory, name)].source,))
        entries = {s: intree.extract(s, (mod,))[name] for s in (a, b)}
        drvs = {s: drv_mod.load(e.path, label=e.label, origin_version=e.version)
                for s, e in entries.items()}
        own = {s: build(drvs[s], trees[s]) for s in (a, b)}
        bad = [f"{s}: {_cell(r)}" for s, r in own.items() if not clean(r)]
        if bad:
            dropped.append({"module": f"{directory}/{name}", "why": "not clean on its own kernel: "
                            + "; ".join(bad)})
            log(f"  drop {directory}/{name}: {'; '.join(bad)}")
            continue
        rec: dict[str, object] = {"module": f"{directory}/{name}", "strategies": list(strategies),
                                  "directions": {}}
        for home, other in ((a, b), (b, a)):
            drv = drvs[home]
            plain = build(drv, trees[other])
            row: dict[str, object] = {"plain": _brief(plain)}
            cells = [_cell(plain)]
            with tempfile.TemporaryDirectory(prefix="kbridge-wild-") as tmp:
                for strategy in strategies:
                    try:
                        info, res, own_res = _bridged(drv, [trees[home], trees[other]], trees[home],
                                                      trees[other], strategy, rules, tmp, drafts)
                    except KbridgeError as exc:     # a refused bridge is a failed cell, recorded
                        row[strategy] = {"refused": str(exc)}
                        cells.append("refused")
                        continue
                    except Exception as exc:  # noqa: BLE001 -- a kbridge bug: recorded as such,
                        # the hours-long run goes on (the summary counts them)
                        row[strategy] = {"crashed": f"{type(exc).__name__}: {exc}",
                                         "traceback": traceback.format_exc()[-2000:]}
                        cells.append("CRASHED")
                        continue
                    row[strategy] = info
                    cells.append(_cell(res) + ("" if clean(own_res) or not clean(own[home])
                                               else f" OWN {_cell(own_res)}"))
            rec["directions"][f"{home}->{other}"] = row      # type: ignore[index]
            lay = row.get("layer", {})
            cells += ["-"] * (3 - len(cells))
            log(f"  {name + '@' + home:<24} on {other:<5} plain {cells[0]:>10}  layer {cells[1]:>14}  "
                f"inline {cells[2]:>14}  rules {len(lay.get('rules', []))} "   # type: ignore[union-attr]
                f"drafted {len(lay.get('drafted', []))} not-bridged {lay.get('not_bridged', {})}")  # type: ignore[union-attr]
        kept.append(rec)
        if checkpoint is not None:
            checkpoint({"pair": f"{a}:{b}", "seed": seed, "count": count, "candidates": len(pool),
                        "kept": kept, "dropped": dropped, "seconds": round(time.monotonic() - t0),
                        "strategies": list(strategies), "partial": True})
    return {"pair": f"{a}:{b}", "seed": seed, "count": count, "candidates": len(pool),
            "kept": kept, "dropped": dropped, "seconds": round(time.monotonic() - t0),
            "strategies": list(strategies)}


def load_check(result: dict[str, object], log) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The guest phase of one measured pair (see the module docstring)."""
    from kbridge.actions.guest import loadcheck
    from kbridge.actions.guest.runner import modules_in, problem_lines

    a, b = str(result["pair"]).split(":")
    trees = {s: targets.resolve(s) for s in (a, b)}
    rules = rules_mod.load()
    rows: list[dict[str, object]] = []
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kbridge-wildload-") as tmp:
        per_target: dict[str, list[tuple[dict[str, object], "loadcheck.Loadable", "loadcheck.Loadable"]]] = {}
        for k in result["kept"]:                    # type: ignore[union-attr]
            directory, name = str(k["module"]).rsplit("/", 1)
            for key, row in k["directions"].items():
                home, other = key.split("->")
                if not row.get("layer", {}).get("build", {}).get("clean"):
                    continue
                src = candidates(home).get((directory, name))
                osrc = candidates(other).get((directory, name))
                if src is None or osrc is None:
                    continue
                e = intree.extract(home, (intree.IntreeModule(name, directory, (src.source,)),))[name]
                oe = intree.extract(other, (intree.IntreeModule(name, directory, (osrc.source,)),))[name]
                drv = drv_mod.load(e.path, label=e.label, origin_version=e.version)
                odrv = drv_mod.load(oe.path, label=oe.label, origin_version=oe.version)
                where = Path(tmp) / key.replace(">", "") / name
                out = where / "out"
                where.mkdir(parents=True, exist_ok=True)
                bridge(drv, [trees[home], trees[other]], "layer", out, rules=rules)
                bres = build(drv_mod.load(out, label=f"{drv.label}+layer"), trees[other], keep=where / "b")
                ores = build(odrv, trees[other], keep=where / "o")
                rec: dict[str, object] = {"module": k["module"], "direction": key}
                if not (clean(bres) and clean(ores)):
                    rec["skipped"] = f"rebuild not clean: bridged {_cell(bres)}, own {_cell(ores)}"
                    rows.append(rec)
                    continue
                bl = loadcheck.Loadable(f"{name}@{home}+layer", tuple(modules_in(where / "b")), home)
                ol = loadcheck.Loadable(f"{name}@{other}", tuple(modules_in(where / "o")), other)
                per_target.setdefault(other, []).append((rec, bl, ol))
                rows.append(rec)
        for other, items in sorted(per_target.items()):
            release = trees[other].release or ""
            log(f"  load check on {release}: {len(items)} bridged modules beside their own")
            loads = loadcheck.load_many([x for _, bl, ol in items for x in (bl, ol)], release,
                                        timeout=600)
            for rec, bl, ol in items:
                bload, _ = loads.get(bl.label, (None, None))
                oload, _ = loads.get(ol.label, (None, None))
                bo = loadcheck.outcome_of(bload) if bload else "no result"
                oo = loadcheck.outcome_of(oload) if oload else "no result"
                bprob = problem_lines(bload.dmesg) if bload else []
                oprob = problem_lines(oload.dmesg) if oload else []
                rec.update({"bridged": bo, "own": oo, "bridged_problems": bprob[:3],
                            "own_problems": oprob[:3],
                            "same": bo == oo and bo != "no result" and not bprob})
                log(f"    {rec['module']:<40} {rec['direction']:<10} bridged {bo:<16} own {oo:<16}"
                    + ("" if rec["same"] else "  DIFFERS") + (f"  {bprob[0]}" if bprob else ""))
    return {"pair": result["pair"], "seed": result.get("seed"), "rows": rows,
            "seconds": round(time.monotonic() - t0)}


def load_summary(res: dict[str, object]) -> list[str]:
    rows = res["rows"]                              # type: ignore[assignment]
    a, b = str(res["pair"]).split(":")
    lines = [f"load check {res['pair']} (seed {res['seed']}), {res['seconds']} s"]
    for key in (f"{a}->{b}", f"{b}->{a}"):
        rs = [r for r in rows if r["direction"] == key]     # type: ignore[index]
        run = [r for r in rs if "same" in r]
        same = [r for r in run if r["same"]]
        outcomes = Counter(str(r["own"]) for r in run)
        lines.append(f"  {key:<12} layer-clean {len(rs):>3} | loaded in the guest {len(run):>3} | "
                     f"same as the target's own {len(same):>3} | own outcomes "
                     + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
        for r in run:
            if not r["same"]:
                lines.append(f"    differs: {r['module']}: bridged {r['bridged']}, own {r['own']}"
                             + (f"; {r['bridged_problems'][0]}" if r["bridged_problems"] else ""))
        for r in rs:
            if "skipped" in r:
                lines.append(f"    skipped: {r['module']}: {r['skipped']}")
    return lines


def summary(result: dict[str, object]) -> list[str]:
    a, b = str(result["pair"]).split(":")
    lines = [f"pair {result['pair']} (seed {result['seed']}): {result['candidates']} candidates, "
             f"{len(result['kept'])} kept, {len(result['dropped'])} dropped "       # type: ignore[arg-type]
             f"(not clean on their own kernel), {result['seconds']} s",
             f"  {'direction':<12} {'n':>3} | {'clean: plain':>12} {'layer':>5} {'inline':>6} | "
             f"{'errors: plain':>13} {'layer':>5} {'inline':>6} | {'own+':>4} | {'rules':>5} "
             f"{'drafted':>7} | not bridged (layer) by cover"]
    reasons: list[tuple[str, dict[str, Counter[str]]]] = []
    for home, other in ((a, b), (b, a)):
        key = f"{home}->{other}"
        rows = [k["directions"][key] for k in result["kept"]]      # type: ignore[index,union-attr]
        cl = {s: sum(bool(r.get(s, {}).get("build", {}).get("clean")) for r in rows)
              for s in STRATEGIES}
        cl["plain"] = sum(bool(r["plain"]["clean"]) for r in rows)
        er = {s: sum(int(r.get(s, {}).get("build", {}).get("errors", 0)) for r in rows)
              for s in STRATEGIES}
        er["plain"] = sum(int(r["plain"]["errors"]) for r in rows)
        failed = Counter(k for r in rows for st in STRATEGIES for k in ("refused", "crashed")
                         if k in r.get(st, {}))
        own_added = sum(1 for r in rows for s in STRATEGIES
                        if not r.get(s, {}).get("own", {"clean": True})["clean"])
        n_rules = sum(len(r.get("layer", {}).get("rules", [])) for r in rows)
        n_drafted = sum(len(r.get("layer", {}).get("drafted", [])) for r in rows)
        nb: Counter[str] = Counter()
        for r in rows:
            nb.update(r.get("layer", {}).get("not_bridged", {}))
        why: dict[str, Counter[str]] = {}
        for r in rows:
            for left in r.get("layer", {}).get("remaining", []):
                why.setdefault(left["covered_by"], Counter())[left["api"]] += 1
        reasons.append((key, why))
        for s in STRATEGIES:        # a strategy the run left out (--strategies) shows as "-",
            n_s = sum(1 for r in rows if s in r)    # one measured on fewer modules as x/n
            if not n_s:
                cl[s] = er[s] = "-"     # type: ignore[assignment]
            elif n_s != len(rows):
                cl[s] = f"{cl[s]}/{n_s}"     # type: ignore[assignment]
        lines.append(f"  {key:<12} {len(rows):>3} | {cl['plain']:>12} {cl['layer']:>5} "
                     f"{cl['inline']:>6} | {er['plain']:>13} {er['layer']:>5} {er['inline']:>6} | "
                     f"{own_added:>4} | {n_rules:>5} {n_drafted:>7} | "
                     f"{', '.join(f'{k} {v}' for k, v in sorted(nb.items())) or '-'}"
                     + "".join(f"; bridges {k}: {v}" for k, v in sorted(failed.items())))
    for key, why in reasons:        # what the layer did not bridge, by what covers it, the APIs
        for cover in sorted(why):
            apis = why[cover].most_common()
            lines.append(f"  {key} not bridged, {cover}: " + ", ".join(
                f"{api}" + (f" x{n}" if n > 1 else "") for api, n in apis[:12])
                + (f", ... {len(apis) - 12} more" if len(apis) > 12 else ""))
    return lines


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--pairs", default="6.1:6.12,5.10:7.3")
    ap.add_argument("--no-drafts", action="store_true")
    ap.add_argument("--strategies", default=",".join(STRATEGIES),
                    help="bridging strategies to measure (default: layer,inline; a re-sample that "
                    "only checks the layer's goal can save a third of the time with 'layer')")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--resume", type=Path, metavar="PARTIAL.json",
                    help="go on with a run that stopped (its --json file; one pair)")
    ap.add_argument("--candidates", action="store_true", help="only count the candidates per pair")
    ap.add_argument("--load-check", type=Path, metavar="RESULT.json",
                    help="load the layer-clean modules of a measured run in the target's guest")
    args = ap.parse_args(argv)
    if args.load_check:
        measured = json.loads(args.load_check.read_text())
        checks = []
        for r in measured:
            checks.append(load_check(r, lambda s: print(s, flush=True)))
            if args.json:
                args.json.write_text(json.dumps(checks, indent=1) + "\n")
        print()
        for c in checks:
            print("\n".join(load_summary(c)))
        return 0
    pairs = [tuple(p.split(":")) for p in args.pairs.split(",") if p]
    strategies = tuple(s for s in args.strategies.split(",") if s)
    if not strategies or any(s not in STRATEGIES for s in strategies):
        print(f"--strategies: a comma-separated subset of {','.join(STRATEGIES)}", file=sys.stderr)
        return 2
    if any(len(p) != 2 for p in pairs):
        print("--pairs: A:B[,C:D...]", file=sys.stderr)
        return 2
    if args.candidates:
        for a, b in pairs:
            both = pair_candidates(a, b)
            per = Counter("/".join(d.split("/")[:2]) for d, _ in both)
            print(f"{a}: {len(candidates(a))}, {b}: {len(candidates(b))}, "
                  f"both ({a}:{b}): {len(both)} ({', '.join(f'{k} {v}' for k, v in sorted(per.items()))})")
        return 0
    results: list[dict[str, object]] = []

    def save(partial: dict[str, object] | None = None) -> None:
        if args.json:
            args.json.write_text(json.dumps(results + ([partial] if partial else []), indent=1) + "\n")

    resume = {r["pair"]: r for r in json.loads(args.resume.read_text())} if args.resume else {}
    for a, b in pairs:
        results.append(run_pair(a, b, args.seed, args.count, not args.no_drafts,
                                lambda s: print(s, flush=True), checkpoint=save, strategies=strategies,
                                resume=resume.get(f"{a}:{b}")))
        save()
    print()
    for r in results:
        print("\n".join(summary(r)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
