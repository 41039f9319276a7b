"""What a bridge did not bridge: kbridge check's prediction for each target, less the shims.

``kbridge bridge`` writes OUT and then asks, for every target, what kbridge
check predicts the unbridged driver breaks on there (the indexes alone, no
build; :func:`kbridge.actions.matrix.blame`, the very mapping of findings to
rules the matrix and its report show). A predicted error is bridged when a
rule its API maps to has a shim in OUT; every other one remains, with its
file:line, the API and what covers it:

* ``rule``: a rule knows the change but OUT carries no shim of it (the rule
  has no shim for that direction, the shim is impossible or refuses what the
  driver does: the plan's reason);
* ``draft``: the API is of a kind kbridge drafts from the kernel's own code --
  a header, macro, constant or static inline (:mod:`.draft`), or an exported
  function copied into OUT's compat object (:mod:`.compatobj`) -- but no draft
  was made or used on that target; ``why`` says why (a dependency declared
  differently, a semantic change, gcc's error). An error a draft in OUT covers
  counts as bridged;
* ``nothing``: no rule knows the API.

Check is run against the kernel the driver was written for (bridge's home),
so its findings are the differences that kernel has from each target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kbridge.errors import KbridgeError

COVERS = ("rule", "draft", "nothing")


@dataclass(frozen=True)
class Remaining:
    """One error kbridge check predicts on a target that nothing in OUT bridges."""

    target: str
    file: str
    line: int
    col: int
    kind: str                       # check's finding kind (missing-macro, ops-changed, ...)
    api: str
    message: str
    covered_by: str                 # "rule" | "draft" | "nothing"
    rules: tuple[str, ...] = ()     # the rules the API maps to (covered_by == "rule")
    why: str = ""                   # why the covering rule or draft was not bridged

    def to_json(self) -> dict[str, object]:
        return {"target": self.target, "file": self.file, "line": self.line, "col": self.col,
                "kind": self.kind, "api": self.api, "message": self.message,
                "covered_by": self.covered_by, "rules": list(self.rules), "why": self.why}


@dataclass
class Prediction:
    """Per target: the errors check predicts for the unbridged driver, how many OUT
    bridges, and what remains; ``failed``: targets check could not run on (why)."""

    against: str = ""
    predicted: dict[str, int] = field(default_factory=dict)
    bridged: dict[str, int] = field(default_factory=dict)
    remaining: list[Remaining] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    # target -> findings in code OUT does not compile there (an option configured out)
    configured_out: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.remaining and not self.failed

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "against": self.against, "predicted": self.predicted,
                "bridged": self.bridged, "remaining": [r.to_json() for r in self.remaining],
                "failed": self.failed, "configured_out": self.configured_out}


def classify(target: str, findings: list[dict[str, Any]], shimmed: set[str],
             unbridged: dict[str, str], drafts: dict[str, str] | None = None,
             drafted: Any = None, compat: Any = None) -> tuple[int, list[Remaining]]:
    """(how many of *findings*' errors OUT bridges, the ones it does not).

    *findings*: :func:`kbridge.actions.matrix.blame`'s, each with its ``rules``;
    *shimmed*: the rules OUT carries a shim of; *unbridged*: rule -> why the plan did
    not bridge it; *drafts*: API -> why a draft covering it was not used; *drafted*: the
    bridge's :class:`.draft.DraftPlan` (drafts in OUT, and why others were not made)."""
    drafts = drafts or {}
    done = 0
    left: list[Remaining] = []
    for f in findings:
        if f["severity"] == "warning":
            continue
        ids = tuple(f["rules"])
        if shimmed & set(ids):
            done += 1
            continue
        if compat is not None and compat.covers(target, f["api"]):    # OUT's compat object
            done += 1
            continue
        # a rule goes before a draft, but only a rule the bridge took up for this driver (a
        # shim, or a reason in *unbridged*): an API may map to a rule merely because that
        # rule's shim defines or includes the name (a name the includes no longer reach,
        # RING_FINAL_CHECK_FOR_RESPONSES through ring.h), while the driver uses none of the
        # rule's API; then the draft that makes the name reachable again bridges it
        foreign = not any(i in unbridged for i in ids)
        if foreign and drafted is not None and drafted.covers(target, str(f["api"])):
            done += 1
            continue
        refusal = compat.refusal(target, f["api"]) if compat is not None else None
        not_drafted = drafted.why_not(target, str(f["api"])) if drafted is not None and not ids else None
        if not_drafted is not None:
            covered, why = "draft", f"not drafted: {not_drafted}"
        elif ids:
            covered, why = "rule", "; ".join(unbridged[i] for i in ids if i in unbridged) or \
                f"no shim of {', '.join(ids)} applies to this driver in this direction"
        elif f["api"] in drafts:
            covered, why = "draft", drafts[f["api"]]
        elif refusal is not None:
            covered, why = "draft", refusal
        else:
            note = drafted.note(target, str(f["api"])) if drafted is not None else None
            covered, why = "nothing", "no rule covers this API" + (f"; not drafted: {note}" if note else "")
        left.append(Remaining(target, str(f["file"]), int(f["line"]), int(f["col"]), str(f["kind"]),
                              str(f["api"]), str(f["message"]), covered, ids, why))
    return done, left


def _impossible(findings: list[dict[str, Any]], by_id: dict[str, Any], home: Any, tree: Any) -> dict[str, str]:
    """rule -> its manifest's reason for the direction from *home* to *tree*, for the rules
    *findings* name that cannot be bridged that way: the why of an error the plan did not
    take the rule up for (a member read only check sees -- 7.3's null_blk reads q->disk in
    a TRACE_EVENT argument, which the bridge's scan does not parse -- is reported with the
    reason it cannot be bridged rather than as "no shim applies")."""
    from kbridge.facts.targets import version_tuple
    hv = getattr(home, "version", None)
    tv = getattr(getattr(getattr(tree, "index", None), "tree", None), "version", None) or \
        getattr(tree, "version", None)
    if not hv or not tv or version_tuple(hv) == version_tuple(tv):
        return {}
    d = "new_on_old" if version_tuple(hv) > version_tuple(tv) else "old_on_new"
    out = {}
    for f in findings:
        for i in f.get("rules") or ():
            r = by_id.get(i)
            why = r.manifest.direction(d).impossible if r is not None else None
            if why:
                out[i] = f"cannot be bridged ({d}): {why}"
    return out


def _shim_text(rule: Any, direction: str) -> str:
    """The C text of *rule*'s shim of *direction* ("" when it has none)."""
    if direction not in ("new_on_old", "old_on_new"):
        return ""
    path = rule.shim_dir / f"{direction}.h"
    return path.read_text() if path.is_file() else ""


def predict(driver: Any, trees: list[Any], report: Any, rules: list[Any], *,
            home: Any = None, drafts: dict[str, str] | None = None, cache: Any = None) -> Prediction:
    """kbridge check of *driver* on each of *trees* (against *home*, the tree of the kernel
    it was written for, when kbridge has one), less what *report* (a BridgeReport of
    that driver) bridged. *drafts*: API -> why a drafted bridge of it was not used."""
    from kbridge.actions.matrix import blame

    shimmed = {str(s["rule"]) for s in report.shims}
    by_id = {r.id: r for r in rules}
    reaching = [by_id[i] for i in sorted(shimmed) if i in by_id]
    unbridged: dict[str, str] = {}
    for u in report.unbridged:
        unbridged.setdefault(u.rule, u.why)
    out = Prediction(against=home.name if home is not None else "")
    for tree in trees:
        try:
            chk = blame(driver, tree, rules, against=home, reaching=reaching, cache=cache)
        except KbridgeError as exc:
            out.failed[tree.name] = str(exc)
            continue
        out.against = out.against or str(chk["against"])
        findings = chk["findings"]
        # code the bridge configures out on this target is not compiled there: bridged
        # (a [configured_out] option of a rule the target has neither side of: configout.py)
        outs = [c for rid, names in getattr(report, "configured_out", {}).items() if tree.name in names
                for c in [by_id[rid].manifest.configured_out] if rid in by_id and c is not None]
        if outs:
            from kbridge.actions.bridge import configout
            tests = [configout.compiled(driver, c.config, tree) for c in outs]
            findings = [f for f in findings
                        if all(t(f) for t in tests)]
            out.configured_out[tree.name] = len(chk["findings"]) - len(findings)
        out.predicted[tree.name] = sum(1 for f in chk["findings"] if f["severity"] != "warning")  # type: ignore[union-attr]
        # a shim in OUT that cannot serve this target (its anchors: bridge's shim_gaps) covers nothing here
        gaps = getattr(report, "gaps", {}).get(tree.name, {})
        # nor does a shim of a rule this target has neither side of (bridged for the other
        # targets: kbtest_net_new's dev->change_proto_down for 6.12 -> 6.1 and 5.10 was
        # counted bridged on 5.10 too, and the self-check predicted a clean build there)
        neither = {u.rule for u in report.unbridged if getattr(u, "target", "") == tree.name}
        # code inside an argument a shim's macro never expands is not compiled: bridged
        # (kfree_skb_reason's new_on_old drops the reason: macvlan@7.3's
        # SKB_DROP_REASON_MACVLAN_BROADCAST_BACKLOG on 5.10; discarded.py)
        texts = [t for s in report.shims for r in [by_id.get(str(s["rule"]))]
                 if r is not None and r.id not in gaps and r.id not in neither
                 for t in [_shim_text(r, str(s.get("direction", "")))] if t]
        if texts:
            from kbridge.actions.bridge import discarded
            kept = discarded.not_compiled(driver, texts)
            findings = [f for f in findings if kept(f)]
        # and a finding of such a rule is not bridged by another rule whose shim merely reaches
        # its name (blame's reaching rules: netdev_hwtstamp_ndo's and netdev_lltx's wrappers
        # name every renamed net_device_ops slot, so kbtest_fdb_new's ndo_fdb_add on 6.12 and
        # its ndo_fdb_del on 6.1 were counted bridged and the self-check predicted a clean build)
        findings = [{**f, "rules": [i for i in f["rules"] if i in neither]}
                    if set(f.get("rules") or ()) & neither else f for f in findings]
        done, left = classify(tree.name, findings, shimmed - set(gaps) - neither,  # type: ignore[arg-type]
                              {**_impossible(findings, by_id, home, tree), **unbridged,
                               **{i: f"on {tree.name}: {w}" for i, w in gaps.items()}}, drafts,
                              getattr(report, "drafts", None), getattr(report, "compat", None))
        out.bridged[tree.name] = done + sum(1 for f in chk["findings"] if f["severity"] != "warning") - \
            sum(1 for f in findings if f["severity"] != "warning")
        out.remaining.extend(left)
        # the shim itself stops the build there, whether or not check predicts an error of
        # its API (a driver's .get_ts_info = ethtool_op_get_ts_info compiles on both
        # kernels, yet OUT carries the wrapper): one entry per such rule not yet named
        named = {i for x in left for i in x.rules}
        for rid, why in sorted(gaps.items()):
            if rid in named or rid not in by_id:
                continue
            r = by_id[rid]
            where = next((f"compat/include/{p.relative_to(r.shim_dir / 'include').as_posix()}"
                          for p in r.wrapped_headers), "compat/kb_compat.h")
            out.remaining.append(Remaining(tree.name, where, 0, 0, "shim-cannot-serve", ", ".join(r.api),
                                           f"OUT's shim of {rid} does not fit this kernel", "rule",
                                           (rid,), f"on {tree.name}: {why}"))
    return out
