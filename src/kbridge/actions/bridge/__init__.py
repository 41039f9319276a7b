"""Bridge a driver to other kernels: ``bridge(driver, trees, strategy, out)``.

Two strategies share one rule set (kbridge.knowledge.rules) and one shim
library (knowledge/shims/<rule id>/):

* ``layer`` (:mod:`.layer`): the driver's files byte-identical, a generated
  compat/ component beside them that configures itself at build time;
* ``inline`` (:mod:`.inline`): guarded code in the driver, both variants of
  each spot under ``#ifdef KB_HAVE_X`` or a LINUX_VERSION_CODE test.

The kernel the driver was written for ("home") decides which direction each
shim goes: a corpus driver knows its version; any other driver is built once
on each target and its home is the first target where it builds clean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbridge.actions.bridge import layer
from kbridge.errors import KbridgeError
from kbridge.facts import scan as scan_mod
from kbridge.facts.driver import Driver
from kbridge.facts.kversion import series_of
from kbridge.facts.targets import KernelTree
from kbridge.knowledge import rules as rules_mod
from kbridge.storage import atomic_directory

STRATEGIES = ("layer", "inline")


@dataclass
class BridgeReport:
    driver: str
    strategy: str
    out: Path
    home: str                                   # kernel version the driver was written for
    targets: list[str]
    shims: list[dict[str, object]] = field(default_factory=list)
    unbridged: list[layer.Unbridged] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    driver_files: list[str] = field(default_factory=list)
    guards: str | None = None                   # inline: "feature" | "version"
    spots: list[dict[str, object]] = field(default_factory=list)   # inline: the guarded spots
    drafts: Any = None                          # draft.DraftPlan: headers, macros, inlines drafted
    compat: Any = None                          # compatobj.DraftPlan: exported functions copied
    # target name -> {rule id: why}: shims in OUT that cannot serve that target (anchors missing)
    gaps: dict[str, dict[str, str]] = field(default_factory=dict)
    # rule id -> targets on which OUT builds the driver without the rule's [configured_out] option
    configured_out: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.unbridged

    def to_json(self) -> dict[str, object]:
        return {"driver": self.driver, "strategy": self.strategy, "out": str(self.out),
                "home": self.home, "targets": self.targets, "ok": self.ok,
                "shims": self.shims, "unbridged": [u.to_json() for u in self.unbridged],
                "files": self.files, "driver_files": self.driver_files,
                "drafts": self.drafts.to_json() if self.drafts is not None else [],
                "configured_out": self.configured_out,
                "compat": self.compat.to_json() if self.compat is not None else None,
                **({"guards": self.guards, "spots": self.spots} if self.strategy == "inline" else {})}


def home_version(driver: Driver, trees: list[KernelTree]) -> str:
    """The kernel version *driver* was written for."""
    if driver.origin_version:
        return driver.origin_version
    from kbridge.actions.kbuild import build
    for tree in trees:
        if build(driver, tree).ok and tree.version:
            return tree.version
    raise KbridgeError(f"{driver.label}: builds clean on none of the targets "
                       f"({', '.join(t.name for t in trees)}); add --target for the kernel it was written for")


def _answers(tree: KernelTree | None, version: str, rules: list[rules_mod.Rule]) -> layer.Answers:
    """Each rule's state on a kernel: probed when kbridge has its tree, else from release numbers."""
    if tree is None:
        return layer.version_answers(rules, version)
    from kbridge.actions.probe import probe
    return {res.rule: res.state for res in probe(tree, rules)}


def home_tree(home: str, trees: list[KernelTree]) -> KernelTree | None:
    """A configured tree of the driver's own series: the targets first, then the machine's trees."""
    from kbridge.facts.targets import discover
    for t in [*trees, *sorted(discover(), key=lambda t: t.name)]:
        if t.configured and t.version and (t.version == home or series_of(t.version) == series_of(home)):
            return t
    return None


MAX_ROUNDS = 3      # plannings of bridge(): the driver's own, then what copies need, twice


Wants = tuple[frozenset[str], dict[str, frozenset[str]]]


def _wants(hist_rules: dict[tuple[str, str], set[str]], hist_names: dict[tuple[str, str], set[str]],
           made: set[tuple[str, str]] | None = None) -> Wants:
    """(rule ids, target -> names) the copies need, of those *made* (copy, target) only when given."""
    rules = frozenset(i for k, ids in hist_rules.items() if made is None or k in made for i in ids)
    names: dict[str, set[str]] = {}
    for (who, t), ns in hist_names.items():
        if made is None or (who, t) in made:
            names.setdefault(t, set()).update(ns)
    return rules, {t: frozenset(ns) for t, ns in sorted(names.items())}


def _plan_once(driver: Driver, home: str, trees: list[KernelTree], strategy: str,
               rules: list[rules_mod.Rule], guards: str | None, drafts: bool, cache: Path | None,
               want_rules: frozenset[str], want_names: dict[str, frozenset[str]]):  # type: ignore[no-untyped-def]
    """One planning of OUT: the layer plan, the header drafts, the files, the compat object."""
    # the driver's own version switches: per target, only the code compiled on its home
    # kernel and on that target chooses rules (kbridge.actions.live)
    # (home: its version only -- the home tree's .config is one machine's, not the
    # driver's; a target: its version and its .config, what OUT is built with there)
    from kbridge.actions import live
    h_tree = home_tree(home, trees)
    h_kernel = live.kernel(home)
    t_kernels = [live.kernel(t.version, t) for t in trees]
    pairs = [live.pair_names(driver, h_kernel, k) for k in t_kernels]
    needed = layer.needed_rules(rules, driver, want_rules, scan_mod.Names.union(pairs))
    home_answers = _answers(h_tree, home, needed)
    answers = [_answers(t, t.version or "0", needed) for t in trees]
    p = layer.plan(rules, driver, home_answers, answers, [t.name for t in trees], want_rules, live=pairs)
    # a shim whose anchors a target lacks cannot serve it (netwide510)
    gaps = shim_gaps(p, trees, answers)
    for t in trees:
        for s in p.shims:
            if s.rule.id in gaps.get(t.name, {}):
                p.unbridged.append(layer.Unbridged(s.rule.id, s.rule.api, s.direction,
                                                   f"kernel {t.name}: {gaps[t.name][s.rule.id]}"))
    # inline renames every name but those in a branch the driver switches by version
    # itself (versions only: a name in code another .config compiles is still renamed)
    p.live_rows = live.live_rows(driver, h_kernel, [live.kernel(t.version) for t in trees])
    # drafted bridges: the home kernel's own code for what no rule covers (draft.py)
    from kbridge.actions.bridge import draft
    drafted = (draft.for_bridge(driver, home, trees, p, rules, cache=cache, extra=want_names)
               if drafts else draft.DraftPlan())
    spots: list[dict[str, object]] = []
    if strategy == "inline":
        from kbridge.actions.bridge import inline
        res = inline.files(driver, home, p, guards or "feature", extra=drafted.files)
        content, own, spots = res.content, res.driver_files, [s.to_json() for s in res.spots]
    else:
        content, own = layer.files(driver, home, p)
    content = {**content, **{k: v for k, v in drafted.files.items() if k not in content}}
    # exported functions a target lacks, copied from the source package into a compat object
    # (after the header drafts are in OUT: a copy may need what they supply); the same
    # object, probes and compile check for both strategies (compatobj.apply)
    from kbridge.actions.bridge import compatobj
    compat = (compatobj.apply(driver, home_tree(home, trees), trees, rules, {s.rule.id for s in p.shims},
                              content, strategy=strategy,
                              drafted={(t, n) for d in drafted.drafts for t in d.targets for n in d.provides})
              if drafts else compatobj.DraftPlan(strategy=strategy))
    if strategy == "inline" and compat.drafts:
        # the driver's calls of the copies are spots too: the driver's files, kb_inline.h
        # (which then includes the copies' declarations) and INLINE.md again, with them
        res = inline.files(driver, home, p, guards or "feature", compat, extra=drafted.files)
        content.update({k: v for k, v in res.content.items() if k != "Kbuild"})
        spots = [s.to_json() for s in res.spots]
    return p, drafted, content, own, spots, compat, gaps


def shim_gaps(p: layer.LayerPlan, trees: list[KernelTree], answers: list[layer.Answers]
              ) -> dict[str, dict[str, str]]:
    """Target name -> {rule id: why} for the shims of *p* that apply on that target (its
    answer is the side they bridge from) and cannot serve it: their anchors (shim.toml),
    looked up in the target's index, are missing (:func:`.layer.anchor_gaps`)."""
    from kbridge.facts.index import open_index

    out: dict[str, dict[str, str]] = {}
    for t, ans in zip(trees, answers):
        applying = [(s.rule, s.direction) for s in p.shims if ans.get(s.rule.id) == layer.FROM[s.direction]]
        if not any(r.manifest.direction(d).anchors for r, d in applying):
            continue
        with open_index(t) as ix:
            gaps = layer.anchor_gaps(applying, ix)
        if gaps:
            out[t.name] = gaps
    return out


def bridge(driver: Driver, trees: list[KernelTree], strategy: str, out: Path, *,
           rules: list[rules_mod.Rule] | None = None, home: str | None = None,
           guards: str | None = None, drafts: bool = True, cache: Path | None = None) -> BridgeReport:
    """Write the bridged driver to *out* (atomically, replacing it) and report what was done.

    *guards* (inline only): "feature" (default) or "version". *drafts*: draft bridges from
    the driver's own kernel for what no rule covers -- header drafts (:mod:`.draft`) and the
    compat object's copied functions (:mod:`.compatobj`); false (``--no-drafts``): neither.
    """
    if strategy not in STRATEGIES:
        raise KbridgeError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    if guards is not None and strategy != "inline":
        raise KbridgeError("--guards only applies to --strategy inline; drop it or add --strategy inline")
    if not trees:
        raise KbridgeError("name at least one --target kernel to bridge to")
    out = Path(out)
    if out.resolve() == driver.path or driver.path in out.resolve().parents:
        raise KbridgeError(f"{out}: the output must not be inside the driver directory {driver.path}; "
                           "choose another -o")
    rules = rules_mod.load() if rules is None else rules
    home = home or home_version(driver, trees)
    # a function copied into the compat object may need what the driver does not use itself
    # (a rule's shim for a callee, a header draft of a macro): fed back, and everything planned
    # again, until nothing new is wanted (bounded; both strategies carry the compat object)
    hist_rules: dict[tuple[str, str], set[str]] = {}
    hist_names: dict[tuple[str, str], set[str]] = {}
    used: Wants = (frozenset(), {})
    for _ in range(MAX_ROUNDS):
        planned = used
        p, drafted, content, own, spots, compat, gaps = _plan_once(
            driver, home, trees, strategy, rules, guards, drafts, cache, *used)
        for k, ids in compat.wants_rules.items():
            hist_rules.setdefault(k, set()).update(ids)
        for k, ns in compat.wants_names.items():
            hist_names.setdefault(k, set()).update(ns)
        nxt = _wants(hist_rules, hist_names)
        if nxt == used:
            break
        used = nxt
    # what only copies that were refused in the end wanted is not carried
    kept = _wants(hist_rules, hist_names, {(d.name, t) for d in compat.drafts for t in d.targets})
    if kept != planned:
        p, drafted, content, own, spots, compat, gaps = _plan_once(
            driver, home, trees, strategy, rules, guards, drafts, cache, *kept)
    if out.exists() and not out.is_dir():
        raise KbridgeError(f"{out}: exists and is not a directory; choose another -o")
    with atomic_directory(out) as tmp:
        tmp.chmod(0o755)
        for rel, data in content.items():
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            dest.chmod(0o755 if rel.endswith(".sh") else 0o644)
    return BridgeReport(
        driver=driver.label, strategy=strategy, out=out, home=home,
        targets=[t.name for t in trees],
        shims=[{"rule": s.rule.id, "direction": s.direction, "guard": s.rule.guard,
                "after": s.after, "wrappers": list(s.wrappers),
                # flags OUT's Kbuild adds on a kernel built with a given flag (c_dialect_gnu11)
                **({"cflags_when": {"kernel_flag": w, "cflags": list(f)}}
                   if (w := s.rule.manifest.direction(s.direction).cflags_when) is not None
                   and (f := s.rule.manifest.direction(s.direction).cflags) else {})}
               for s in p.shims if s.rule.subsystem != "draft"],
        unbridged=p.unbridged, files=list(content), driver_files=own,
        guards=(guards or "feature") if strategy == "inline" else None, spots=spots, drafts=drafted,
        compat=compat, gaps=gaps, configured_out=dict(p.configured_out))


def build_layer(driver: Driver, tree: KernelTree, *, targets: list[KernelTree] | None = None,
                rules: list[rules_mod.Rule] | None = None,
                keep: Path | None = None, abi_check: bool = True,
                cache: Path | None = None):  # type: ignore[no-untyped-def]
    """Bridge *driver* as a layer (for *targets*, default just *tree*) and build OUT on *tree*.

    The matrix cell of ``kbridge matrix --strategy layer``: a real kbuild run
    of the generated OUT, with OUT's own build-time probes, then the ABI check
    (:mod:`.abi`: every kernel struct the module describes has *tree*'s kernel
    layout; a difference fails the cell). *keep* receives the build directory
    (``kbridge matrix --run`` loads it in a guest).
    """
    return build_bridged(driver, tree, "layer", targets=targets, rules=rules, keep=keep,
                         abi_check=abi_check, cache=cache)


def build_bridged(driver: Driver, tree: KernelTree, strategy: str, *,
                  targets: list[KernelTree] | None = None, rules: list[rules_mod.Rule] | None = None,
                  guards: str | None = None, keep: Path | None = None, abi_check: bool = True,
                  cache: Path | None = None, refusal_fails_cell: bool = False):  # type: ignore[no-untyped-def]
    """One matrix cell of either strategy: bridge *driver* (for *targets*, default just
    *tree*) into a temporary OUT, build it on *tree* (into *keep* when given), ABI-check
    it; an API not bridged fails the cell, named. *refusal_fails_cell*: a bridge that
    refuses the input (KbridgeError) is a failed cell with that message, not an error."""
    import tempfile

    from kbridge.actions.bridge import abi
    from kbridge.actions.kbuild import BuildResult, Diagnostic, build
    from kbridge.facts import driver as drv_mod

    with tempfile.TemporaryDirectory(prefix=f"kbridge-{strategy}-") as tmp:
        out = Path(tmp) / "out"
        try:
            report = bridge(driver, targets or [tree], strategy, out, rules=rules, guards=guards)
        except KbridgeError as exc:
            if not refusal_fails_cell:
                raise
            return BuildResult(driver.label, tree.name, False, 1, 0, [], 0.0,
                               [Diagnostic("", 0, 0, "error", f"not bridged: {exc}")])
        built = keep or Path(tmp) / "built"
        result = build(drv_mod.load(out, label=driver.label), tree, keep=built)
        if abi_check:
            abi.judge(result, built, tree, driver, rules=[str(s["rule"]) for s in report.shims],
                      cache=cache)
    result.bridge = {"home": report.home, "shims": report.shims,
                     "unbridged": [u.to_json() for u in report.unbridged]}
    if report.unbridged:
        for u in report.unbridged:
            result.diagnostics.append(Diagnostic("", 0, 0, "error", f"not bridged: {u.rule}: {u.why}"))
        result.errors += len(report.unbridged)
        result.ok = False
    return result
