"""kbridge probe: which API variants a kernel tree has, per rule, and kb_config.h."""

from __future__ import annotations

from pathlib import Path

from kbridge.cli.output import print_json, stdout


def run(*, target: str, rule_ids: list[str] | None, method: str, no_cache: bool,
        output: Path | None, as_json: bool, cache_dir: Path | None) -> int:
    from kbridge.actions import probe as probes
    from kbridge.errors import KbridgeError
    from kbridge.facts import targets
    from kbridge.knowledge import rules as rules_mod
    from kbridge.storage import atomic_write

    tree = targets.resolve(target, configured=method == "compile")
    rules = rules_mod.load()
    if rule_ids:
        known = rules_mod.by_id(rules)
        unknown = [r for r in rule_ids if r not in known]
        if unknown:
            raise KbridgeError(f"unknown rule id(s) {', '.join(unknown)}; "
                               f"see the ids in `kbridge probe {target} --json`")
        rules = [known[r] for r in dict.fromkeys(rule_ids)]
    if output is not None:
        # fail on an unwritable output before spending time on probes
        out_dir = output.parent if str(output.parent) else Path(".")
        if not out_dir.is_dir():
            raise KbridgeError(f"cannot write {output}: directory {out_dir} does not exist")
    results = probes.probe(tree, rules, cache_dir, method=method, use_cache=not no_cache)
    if output is not None:
        atomic_write(output, probes.config_header(results))
    broken = [r for r in results if r.status == "broken"]
    if as_json:
        print_json({"target": tree.name, "results": [r.to_json() for r in results]})
    else:
        width = max((len(r.rule) for r in results), default=4)
        for r in results:
            value = {True: "yes", False: "no"}.get(r.result, r.status.upper())  # type: ignore[arg-type]
            if r.state in ("neither", "both"):      # a two-sided rule: the guard alone does not say it
                value = r.state
            stdout.out(f"{r.rule:<{width}}  {value:<6} {r.method:<7}  {r.evidence}")
        total = sum(r.seconds for r in results)
        stdout.out(f"{tree.name}: {sum(1 for r in results if r.result)} of {len(results)} guards set, "
                   f"{len(broken)} broken probes ({total:.2f} s)")
    return 1 if broken else 0
