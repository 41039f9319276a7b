"""Check's orchestration: scan the driver, pick the reference kernel, compare, report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kbridge.actions.check.adapter import IndexApi, open_api
from kbridge.actions.check.checker import Finding, check, misses
from kbridge.facts.scan import Scan


@dataclass
class CheckResult:
    driver: str
    target: str
    against: str
    findings: list[Finding]
    scan: Scan
    misses: dict[str, int] = field(default_factory=dict)   # candidate kernel -> unresolved uses

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity != "warning")

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    def to_json(self) -> dict[str, object]:
        return {"driver": self.driver, "target": self.target, "against": self.against,
                "errors": self.errors, "warnings": self.warnings,
                "findings": [f.to_json() for f in self.findings],
                "against_candidates": dict(sorted(self.misses.items()))}


def target_conditions(api: IndexApi) -> Any:
    """A preprocessor-condition evaluator for one kernel: its .config (CONFIG_X,
    IS_ENABLED), its version (LINUX_VERSION_CODE, KERNEL_VERSION(a, b, c)) and the
    macros its headers define (``#ifdef SOME_KERNEL_MACRO``); anything else unknown."""
    from dataclasses import replace

    from kbridge.facts import cparse
    from kbridge.facts.kversion import code_of

    tree = api.index.tree
    evaluator = None
    try:
        from kbridge.facts.index import _config_of, source_roots
        evaluator = _config_of(source_roots(tree)) if tree is not None else None
    except Exception:
        evaluator = None
    base = evaluator or cparse.CondEval(known=False)
    version = code_of(tree.version_tuple) if tree is not None and tree.version else None
    return replace(base, version=version, macros=lambda name: api.macro(name) is not None)


def load_driver_scan(driver: Any, oracle: Any = None, cond: Any = None) -> Scan:
    from kbridge.errors import KbridgeError
    from kbridge.facts.scan import scan as scan_driver
    for rel in driver.sources:
        try:
            data = driver.read(rel)
        except OSError as exc:
            raise KbridgeError(f"{driver.path / rel}: cannot read ({exc.strerror})") from None
        if b"\0" in data:
            raise KbridgeError(f"{driver.path / rel}: not a C source (binary data); "
                               "a driver directory holds C sources")
    return scan_driver(driver, oracle=oracle, cond=cond)


def candidate_trees(exclude_paths: tuple[Any, ...] = ()) -> list[Any]:
    """One tree per installed kernel series (its generic flavour), newest first."""
    from kbridge.facts import targets
    trees = targets.discover()
    series = sorted({t.series for t in trees if t.series and t.configured},
                    key=lambda s: targets.version_tuple(s), reverse=True)
    out = []
    for s in series:
        try:
            out.append(targets.resolve(s, trees=trees))
        except Exception:  # a series without a configured generic tree
            continue
    return out


def best_against(scan: Scan, candidates: list[Any], cache: Any = None,
                 prefer_version: str | None = None) -> tuple[Any, IndexApi, dict[str, int]]:
    """The candidate kernel that resolves the most of the driver's uses."""
    from kbridge.errors import KbridgeError
    if not candidates:
        raise KbridgeError("no installed kernel tree to compare with; name one with --against")
    scored = []
    for tree in candidates:
        api = open_api(tree, cache)
        n = misses(scan, api)
        close = tree.version == prefer_version if prefer_version else False
        scored.append((n, not close, tuple(-x for x in tree.version_tuple), tree.name, tree, api))
    scored.sort(key=lambda x: x[:4])
    n, _, _, _, tree, api = scored[0]
    return tree, api, {x[3]: x[0] for x in scored}


def run_check(driver: Any, target: Any, against: Any = None, *, cache: Any = None) -> CheckResult:
    """Scan *driver* and predict its build on *target* (KernelTrees)."""
    t_api = open_api(target, cache)
    misses_by: dict[str, int] = {}
    if against is None:
        plain = load_driver_scan(driver)
        against, a_api, misses_by = best_against(plain, candidate_trees(), cache,
                                                 getattr(driver, "origin_version", None))
        if against.path == target.path:
            a_api = t_api
    else:
        a_api = t_api if against.path == target.path else open_api(against, cache)
    # the lines *target* compiles: the driver's own version switches decided by prune's
    # evaluator (the branch dead there is no error, the one live only there is checked)
    from kbridge.actions import live
    seen = live.for_kernel(driver, live.kernel(getattr(target, "version", None), target))
    full = load_driver_scan(seen, oracle=a_api, cond=target_conditions(t_api))
    findings = check(full, t_api, a_api)
    findings += rerouted_ops(full, findings, target, against, t_api, a_api, cache=cache)
    for api in {id(t_api): t_api, id(a_api): a_api}.values():
        api.save()
    return CheckResult(driver.label, t_api.name, a_api.name, findings, full, misses_by)


def rerouted_ops(scan: Scan, findings: list[Finding], target: Any, against: Any,
                 t_api: Any, a_api: Any, *, cache: Any = None) -> list[Finding]:
    """``.m = fn`` of an ops struct whose member m is declared alike on both kernels (gcc is
    silent) while a rule naming ``struct S.m`` answers differently on them: the kernels'
    cores call the slot differently (5.10's ndo_do_ioctl gets the MII and private ioctls,
    7.3's core never calls it for them). One warning per use, naming the rule; the state
    comes from the rules' header probes (no build)."""
    from kbridge.actions.probe import probe
    from kbridge.knowledge import rules as rules_mod

    found = {(f.file, f.line, f.col) for f in findings}
    uses = [u for u in scan.uses if u.kind == "init" and u.value and (u.file, u.line, u.col) not in found]
    if not uses:
        return []
    by_member: dict[str, list[Any]] = {}
    for r in rules_mod.load():
        if r.probe.header is None:
            continue
        for a in (*r.api, *r.reroutes):
            if a.startswith("struct ") and "." in a:
                by_member.setdefault(a, []).append(r)
    hits = []
    for u in uses:
        owner = u.owner if u.owner.startswith("struct ") else f"struct {u.owner}"
        rs = by_member.get(f"{owner}.{u.name}")
        if not rs:
            continue
        ma, mt = a_api.members(u.owner), t_api.members(u.owner)
        if not ma or not mt or u.name not in ma or u.name not in mt \
                or a_api.canon(ma[u.name]) != t_api.canon(mt[u.name]):
            continue
        hits.append((u, rs, mt[u.name]))
    if not hits:
        return []
    wanted = list({r.id: r for _, rs, _ in hits for r in rs}.values())
    state = {}
    for side, tree in (("t", target), ("a", against)):
        for res in probe(tree, wanted, cache, method="header"):     # the one probe cache
            state[(side, res.rule)] = res.result
    out = []
    for u, rs, decl in hits:
        for r in rs:
            t, a = state.get(("t", r.id)), state.get(("a", r.id))
            if t is None or a is None or t == a:
                continue
            out.append(Finding(u.file, u.line, u.col, "warning", "ops-rerouted",
                               f"{u.owner if u.owner.startswith('struct ') else 'struct ' + u.owner}.{u.name}",
                               f"'{u.name}' is set and builds on {t_api.name}, but its core calls it "
                               f"differently there (rule {r.id}, {r.since}: {r.summary})",
                               t_api.name, a_api.name, f"{u.owner} member {u.name}: {decl}",
                               f"{u.owner} member {u.name}: {decl}"))
    return out


def declared_as(api: IndexApi, name: str) -> str:
    """What *name* is on a kernel: function (static inline or extern), macro, ..."""
    if api.macro(name) is not None:
        m = api.macro(name)
        return "function-like macro" if m.nparams is not None else "macro"
    f = api.function(name)
    if f is not None:
        return "static inline function" if f.inline else "function"
    if api.typedef(name) is not None:
        return "typedef"
    v = api.value(name)
    if v is not None:
        return "enum constant" if v.startswith("enum ") else "exported variable"
    return "unknown"


def run_scan(driver: Any, against: Any = None, *, cache: Any = None) -> tuple[Scan, IndexApi | None, list[str]]:
    """Scan with member types and load-time symbols resolved on *against* (or the best match)."""
    plain = load_driver_scan(driver)
    try:
        if against is None:
            against, api, _ = best_against(plain, candidate_trees(), cache,
                                           getattr(driver, "origin_version", None))
        else:
            api = open_api(against, cache)
    except Exception as exc:   # no kernel at all: the syntactic scan still stands
        from kbridge.errors import KbridgeError
        if isinstance(exc, KbridgeError) and against is not None:
            raise
        return plain, None, []
    full = load_driver_scan(driver, oracle=api)

    def extern(name: str) -> bool:
        f = api.function(name)
        if f is not None and not f.inline and api.macro(name) is None:
            return True
        # a kernel global (jiffies) is known only as an export
        return f is None and api.macro(name) is None and api.exported(name) is True

    symbols = set(full.needed_symbols(extern))
    # a kernel macro the driver uses links to what it expands to
    # (xenbus_register_frontend -> __xenbus_register_frontend, pr_info -> _printk)
    from kbridge.facts.scan import names_in_body
    todo = [u.name for u in full.uses if u.kind in ("call", "ref", "type") and u.name not in full.declared]
    seen: set[str] = set()
    depth = 0
    while todo and depth < 4:
        nxt = []
        for name in todo:
            if name in seen:
                continue
            seen.add(name)
            m = api.index.macro(name)
            if m is None or m.active is False:
                continue
            for inner in names_in_body(m.body):
                # through a macro only what the kernel really exports counts: bodies
                # also name build-time helpers (____wrong_branch_error) and the
                # module's own entry points (init_module)
                if extern(inner) and api.exported(inner) is not False:
                    symbols.add(inner)
                else:
                    nxt.append(inner)
        todo, depth = nxt, depth + 1
    api.save()
    return full, api, sorted(symbols)
