"""kbridge diff: what changed in the module-visible API between two kernel trees."""

from __future__ import annotations

from pathlib import Path

from kbridge.cli.output import print_json, stderr, stdout

_SIGN = {"added": "+", "removed": "-", "changed": "~"}


def run(*, a: str, b: str, as_json: bool, kinds: list[str] | None, grep: str | None,
        cache_dir: Path | None) -> int:
    from kbridge.facts import apidiff, index

    trees = [index.resolve_target(a), index.resolve_target(b)]
    idxs = []
    for tree in trees:
        if not as_json and not index.verify(index.db_path_for(tree, cache_dir)):
            stderr.print(f"indexing {tree.name} (once per tree; cached afterwards) ...")
        idxs.append(index.open_index(tree, cache_dir))
    changes = apidiff.diff(idxs[0], idxs[1], kinds=kinds, grep=grep)
    if as_json:
        print_json([c.to_json() for c in changes])
        return 0
    groups: dict[str, list[apidiff.Change]] = {}
    for c in changes:
        groups.setdefault(apidiff.subsystem(c.header), []).append(c)
    out = [f"API diff {trees[0].name} -> {trees[1].name}: {len(changes)} changes "
           f"({_counts(changes)})", ""]
    for group in sorted(groups):
        items = groups[group]
        out.append(f"{group}  ({_counts(items)})")
        for c in sorted(items, key=lambda c: (c.kind, c.name)):
            if c.change == "changed":
                out.append(f"  ~ {c.kind} {c.name}\n      {c.a}\n   -> {c.b}")
            else:
                out.append(f"  {_SIGN[c.change]} {c.kind} {c.name}: {c.b if c.b is not None else c.a}")
        out.append("")
    totals = apidiff.summary(changes)
    out.append("totals: " + "; ".join(f"{k} +{v['added']} -{v['removed']} ~{v['changed']}"
                                      for k, v in totals.items()))
    stdout.print("\n".join(out), markup=False, highlight=False, soft_wrap=True)
    return 0


def _counts(items: list) -> str:
    n = {"added": 0, "removed": 0, "changed": 0}
    for c in items:
        n[c.change] += 1
    return f"+{n['added']} -{n['removed']} ~{n['changed']}"
