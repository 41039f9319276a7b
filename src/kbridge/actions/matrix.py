"""Build every driver against every target, in parallel: the measuring stick.

Each cell is one real kbuild run (:func:`kbridge.actions.kbuild.build`). Cells
run in a thread pool -- the work happens in make and gcc subprocesses -- and a
callback reports each finished cell so that the CLI can draw progress.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from kbridge.actions.kbuild import BuildResult, build
from kbridge.facts.driver import Driver
from kbridge.facts.targets import KernelTree


@dataclass(frozen=True)
class Cell:
    driver: Driver
    tree: KernelTree


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


def run(cells: list[Cell], *, jobs: int | None = None,
        on_done: Callable[[BuildResult], None] | None = None,
        builder: Callable[[Driver, KernelTree], BuildResult] = build) -> list[BuildResult]:
    """Build all *cells*; results come back in the order of *cells*."""
    results: dict[int, BuildResult] = {}
    with ThreadPoolExecutor(max_workers=jobs or default_jobs()) as pool:
        futures = {pool.submit(builder, c.driver, c.tree): i for i, c in enumerate(cells)}
        for fut in as_completed(futures):
            res = fut.result()
            results[futures[fut]] = res
            if on_done:
                on_done(res)
    return [results[i] for i in range(len(cells))]


# --- what one cell records beside its build: blame, probes, shims (JSON for reports) ---------

STRATEGY_ORDER = ("plain", "layer", "inline")


def cell_key(cell: Cell) -> tuple[str, str]:
    """A cell's identity, independent of the order drivers and targets were given in."""
    return cell.driver.label, cell.tree.name


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` (1 <= I <= N) -> (I, N); KbridgeError naming the mistake otherwise."""
    from kbridge.errors import KbridgeError

    head, slash, tail = text.partition("/")
    if not slash or not head.isdigit() or not tail.isdigit():
        raise KbridgeError(f"--shard {text!r}: expected I/N, e.g. 2/4 (shard I of N, counted from 1)")
    i, n = int(head), int(tail)
    if n < 1 or not 1 <= i <= n:
        raise KbridgeError(f"--shard {text!r}: I must be between 1 and N, and N at least 1")
    return i, n


def shard(cells: list[Cell], index: int, count: int) -> list[int]:
    """The positions in *cells* that shard *index* of *count* builds, in *cells*' order.

    The cells are ranked by their identity (driver label, target name), never by
    the order they were given in, and dealt round-robin: every cell lands in
    exactly one shard, shard sizes differ by at most one, and the same cells in
    any order give every shard the same cells.
    """
    ranked = sorted(range(len(cells)), key=lambda i: cell_key(cells[i]))
    mine = {pos for rank, pos in enumerate(ranked) if rank % count == index - 1}
    return [i for i in range(len(cells)) if i in mine]


def _rule_info(rule) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"subsystem": rule.subsystem, "kind": rule.kind, "api": list(rule.api),
            "summary": rule.summary, "since": rule.since, "commit": rule.commit,
            "commit_title": rule.commit_title, "guard": rule.guard}


def shim_defines(rule) -> frozenset[str]:  # type: ignore[no-untyped-def]
    """What a rule's shim C defines, spelled as kbridge check names APIs: macros, functions,
    typedefs, enum constants, ``struct S.m`` of the structs it defines, and the headers its
    wrappers provide (a shim often brings a whole family: queue_limits_features defines
    every BLK_FEAT_* bit, its ``api`` names two). Read with the index's header parser."""
    wrapped = frozenset(p.relative_to(rule.shim_dir / "include").as_posix() for p in rule.wrapped_headers)
    return _defined_in(_shim_files(rule)) | wrapped


def _shim_files(rule) -> tuple[tuple[str, int], ...]:  # type: ignore[no-untyped-def]
    """(path, mtime) of every header a rule's shim ships: its directions' and its wrappers."""
    d = rule.shim_dir
    files = sorted(d.rglob("*.h")) if d.is_dir() else []
    return tuple((str(p), p.stat().st_mtime_ns) for p in files)


@functools.cache
def _shim_includes(files: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    """The kernel headers a shim's files ``#include <...>`` (or ``#include_next``)."""
    import re
    out: set[str] = set()
    for path, _ in files:
        text = open(path, "rb").read().decode("utf-8", "replace")
        out.update(re.findall(r"^\s*#\s*include(?:_next)?\s*<([^>]+)>", text, re.M))
    return tuple(sorted(out))


def _rules_reaching(rules: list, api, name: str) -> list[str]:  # type: ignore[no-untyped-def,type-arg]
    """The rules of *rules* whose shims include a header from which *name*'s declaration on
    the kernel of *api* (an IndexApi) is reachable: what bridges a not-reachable finding
    (a header that stopped including another: the shim includes it again, or wraps the
    header the driver includes)."""
    where = api.declared_in(name)
    out = []
    for r in rules:
        heads = _shim_includes(_shim_files(r))
        if heads and where & (api.reachable(heads) or set()):
            out.append(r.id)
    return out


@functools.cache
def _defined_in(files: tuple[tuple[str, int], ...]) -> frozenset[str]:
    from kbridge.facts.cparse import CondEval, HeaderParser

    parser = HeaderParser(CondEval(known=False))
    out: set[str] = set()
    parsed = [parser.parse(open(path, "rb").read()) for path, _ in files]
    # a rename (#define queue_limits kb_queue_limits): the driver's struct queue_limits is
    # the shim's struct kb_queue_limits, so its members answer for the kernel name too
    renamed: dict[str, list[str]] = {}
    for h in parsed:
        for m in h.macros:
            if m[1] is None and m[3] and m[3].strip() != m[0] and m[3].strip().isidentifier():
                renamed.setdefault(m[3].strip(), []).append(m[0])
    for h in parsed:
        out.update(m[0] for m in h.macros)
        out.update(f[0] for f in h.functions)
        out.update(t[0] for t in h.typedefs)
        for e in h.enums:
            out.update(c[0] for c in e[4])
        for st in h.structs:
            if st[0]:
                for name in (st[0], *renamed.get(st[0], ())):
                    out.update(f"{st[1]} {name}.{m[0]}" for m in st[5])
    return frozenset(out)


def _rules_wrapping(rules: list, api, member: str) -> list[str]:  # type: ignore[no-untyped-def,type-arg]
    """The rules of *rules* whose shims wrap the header that declares the struct of
    *member* ("struct blk_mq_ops.queue_rqs") on the kernel of *api*: what bridges an
    ops-changed finding (rq_list_type retypes queue_rqs while <linux/blk-mq.h> is read)."""
    struct, _, name = member.split(" ", 1)[-1].partition(".")
    files = {st.file for st in api.index.structs(struct)}
    # a wrapper can retype a member only by naming it (a macro for the member, as
    # rq_list_type's `#define queue_rqs`); one that wraps the same header for another
    # member (p9_trans_pooled_rbuffers appends after show_options) bridges nothing here
    word = re.compile(rf"\b{re.escape(name)}\b")
    return [r.id for r in rules
            if any(f"include/{p.relative_to(r.shim_dir / 'include').as_posix()}" in files
                   and word.search(p.read_text(errors="replace"))
                   for p in r.wrapped_headers)]


def _rules_of_api(rules: list, api: str) -> list[str]:  # type: ignore[type-arg]
    """The rules whose ``api`` covers the name *api* as kbridge check spells it
    (``blk_mode_t``, ``struct queue_limits.features``, ``net/page_pool.h``), or whose
    shims define it (:func:`shim_defines`)."""
    out = []
    for r in rules:
        for use in r.uses:
            if use.text == api or (use.form == "name" and api in use.names) or \
                    (use.form == "member" and api == f"struct {use.struct}.{use.member}"):
                out.append(r.id)
                break
        else:
            if api in shim_defines(r):
                out.append(r.id)
    return sorted(out)


def blame(driver: Driver, tree: KernelTree, rules: list, *, against: KernelTree | None = None,  # type: ignore[type-arg]
          reaching: list | None = None, cache=None) -> dict[str, object]:  # type: ignore[no-untyped-def,type-arg]
    """kbridge check of *driver* on *tree* (against *against*, default the kernel it matches
    best), each finding with the ``rules`` of *rules* its API maps to: a cell's blame in
    the matrix and the report, and what ``kbridge bridge`` checks its OUT with. A
    not-reachable finding also maps to the rules of *reaching* (the driver's rules) whose
    shims include a header that reaches the declaration on *tree*. Raises KbridgeError
    when check cannot run."""
    from kbridge.actions.check import open_api, run_check

    chk = run_check(driver, tree, against, cache=cache)
    api = open_api(tree, cache) if reaching else None

    def rules_of(f) -> list[str]:  # type: ignore[no-untyped-def]
        ids = _rules_of_api(rules, f.api)
        if api is not None and f.kind == "not-reachable":
            ids = sorted({*ids, *_rules_reaching(reaching, api, f.api)})
        if api is not None and f.kind == "ops-changed":
            ids = sorted({*ids, *_rules_wrapping(reaching, api, f.api)})
        return ids

    findings = [{**f.to_json(), "rules": rules_of(f)} for f in chk.findings]
    return {"against": chk.against, "errors": chk.errors, "warnings": chk.warnings,
            "findings": findings}


def explain(cells: list[Cell], results: list[BuildResult], *, cache=None,  # type: ignore[no-untyped-def]
            on_done: Callable[[int], None] | None = None) -> list[dict[str, object]]:
    """:func:`details` of every cell; each target is probed once for every rule any of its
    cells' drivers uses (one batched probe run per tree instead of one per cell)."""
    from kbridge.actions.bridge.layer import needed_rules
    from kbridge.actions.probe import probe
    from kbridge.errors import KbridgeError
    from kbridge.knowledge import rules as rules_mod

    rules = rules_mod.load()
    needs: dict[object, list] = {}   # type: ignore[type-arg]   # per driver: it scans the driver
    wanted: dict[object, tuple[object, dict[str, object]]] = {}
    for c in cells:
        if c.driver.path not in needs:
            needs[c.driver.path] = needed_rules(rules, c.driver)
        _, ids = wanted.setdefault(c.tree.path, (c.tree, {}))
        for r in needs[c.driver.path]:
            ids[r.id] = r
    answers: dict[object, dict[str, object] | str] = {}
    for path, (tree, ids) in wanted.items():
        try:
            answers[path] = {p.rule: probe_answer(p) for p in probe(tree, list(ids.values()), cache)}  # type: ignore[arg-type]
        except KbridgeError as exc:
            answers[path] = str(exc)
    out = []
    for k, (c, r) in enumerate(zip(cells, results)):
        out.append(details(c, r, rules=rules, cache=cache, answers=answers[c.tree.path],
                           needed=needs[c.driver.path]))
        if on_done:
            on_done(k)
    return out


def details(cell: Cell, result: BuildResult, *, rules: list | None = None,  # type: ignore[type-arg]
            cache=None, answers: dict[str, object] | str | None = None,  # type: ignore[no-untyped-def]
            needed: list | None = None) -> dict[str, object]:  # type: ignore[type-arg]
    """What a report shows of one cell beyond its build: ``check`` (kbridge check's
    findings on the target, each with the rules its API maps to), ``probes`` (the
    target's answer to every rule the driver uses: :func:`probe_answer`), ``rules`` (those rules: subsystem,
    upstream commit, release), ``shims`` (bridged cells: each shim applied, with its
    why). A failure of check or probe is recorded in the cell, never raised."""
    from kbridge.actions.bridge.layer import needed_rules
    from kbridge.errors import KbridgeError
    from kbridge.knowledge import rules as rules_mod

    rules = rules_mod.load() if rules is None else rules
    by_id = {r.id: r for r in rules}
    needed = needed_rules(rules, cell.driver) if needed is None else needed
    named: set[str] = {r.id for r in needed}
    out: dict[str, object] = {}
    try:
        out["check"] = blame(cell.driver, cell.tree, rules, reaching=needed, cache=cache)
        for f in out["check"]["findings"]:  # type: ignore[index]
            named.update(f["rules"])
    except KbridgeError as exc:
        out["check"] = {"error": str(exc)}
    if answers is None:       # not probed for the whole matrix: probe this cell's rules
        try:
            from kbridge.actions.probe import probe
            answers = {p.rule: probe_answer(p) for p in probe(cell.tree, needed, cache)}
        except KbridgeError as exc:
            answers = str(exc)
    if isinstance(answers, str):
        out["probes"] = {"error": answers}
    else:
        out["probes"] = {r.id: answers.get(r.id) for r in needed}
        # a finding whose API several rules name is blamed on those this target lacks the
        # new API of, when some do: blk_mq_alloc_disk's "too many arguments" on 6.1 is the
        # 6.9 arity change (blk_mq_alloc_disk_takes_limits), not the 5.14 arrival of the
        # function (blk_mq_alloc_disk_added), whose probe finds it there
        check = out["check"]
        for f in check.get("findings", []) if isinstance(check, dict) else []:
            lacking = [i for i in f["rules"]
                       if not (isinstance(answers.get(i), dict) and answers[i].get("result") is True)]
            if lacking and len(lacking) < len(f["rules"]):
                f["rules"] = lacking
    if result.bridge is not None:
        shims = []
        probes = out["probes"] if isinstance(out.get("probes"), dict) else {}
        for s in result.bridge.get("shims", []):  # type: ignore[union-attr]
            r = by_id.get(str(s["rule"]))
            why = r.shims[s["direction"]].why if r and s["direction"] in r.shims else ""
            # OUT carries the shims of every kernel it was bridged for; on this target a
            # shim applies where the side it bridges from is there and the side it provides
            # is not: new_on_old on "old", old_on_new on "new" ("neither", "both": off)
            active = shim_applies(probes.get(str(s["rule"])), str(s["direction"]))  # type: ignore[union-attr]
            shims.append({"rule": s["rule"], "direction": s["direction"], "why": why,
                          "applies": active})
            named.add(str(s["rule"]))
        out["shims"] = shims
    out["rules"] = {i: _rule_info(by_id[i]) for i in sorted(named) if i in by_id}
    return out


def _jsonable(value: object) -> object:
    return value if isinstance(value, (bool, int, str, type(None))) else str(value)


def probe_answer(p) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """A cell's probe answer to one rule, as ``kbridge probe --json`` has it: ``result`` (the
    guard KB_HAVE_X: True when the new API is there, None when the probe is broken) and
    ``state`` ("new", "old", and for a two-sided rule "neither" or "both"; None: broken)."""
    return {"result": _jsonable(p.result), "state": p.state}


def shim_applies(answer: object, direction: str) -> bool | None:
    """Whether a shim of *direction* is on for a target that gave *answer* (a
    :func:`probe_answer`; a bare bool from results written before states): ``new_on_old``
    where the state is "old", ``old_on_new`` where it is "new", ``configured_out`` (an
    option the driver is built without) where it is "neither"; None when unanswered."""
    if isinstance(answer, bool):                      # a result saved before probe states
        answer = {"result": answer, "state": "new" if answer else "old"}
    state = answer.get("state") if isinstance(answer, dict) else None
    if state is None:
        return None
    return state == {"new_on_old": "old", "configured_out": "neither"}.get(direction, "new")


def cell_json(cell: Cell, result: BuildResult, *, index: int, strategy: str | None,
              guards: str | None = None, load=None,  # type: ignore[no-untyped-def]
              extra: dict[str, object] | None = None, xen=None) -> dict[str, object]:
    """One cell of ``kbridge matrix --json``: the build's keys as before (``driver``,
    ``target``, ``ok``, ``errors``, ...), ``load`` with --run, ``xen`` with --run --xen
    (:class:`kbridge.actions.guest.xencolumn.XenCell`), then ``cell`` (its
    position in the whole matrix), ``strategy`` (plain, layer, inline), ``guards``
    (inline), ``series`` (the target's) and the report's :func:`details`."""
    out = result.to_json()
    if load is not None:
        out["load"] = load.to_json()
    if xen is not None:
        out["xen"] = xen.to_json()
    out["cell"] = index
    out["strategy"] = strategy or "plain"
    if strategy == "inline":
        out["guards"] = guards or "feature"
    out["series"] = cell.tree.series
    if extra:
        out.update(extra)
    return out


def identity(cell: dict[str, object]) -> tuple[str, str, str, str]:
    return (str(cell.get("strategy", "plain")), str(cell.get("guards") or ""),
            str(cell["driver"]), str(cell["target"]))


def merge(parts: list[tuple[str, object]]) -> list[dict[str, object]]:
    """Join matrix results (``(name, parsed JSON)`` each: a list of cells) into one, in
    the order of one unsharded run: strategy, then each cell's position in its matrix.
    A cell present twice, or a part that is not a matrix result, is a KbridgeError."""
    from kbridge.errors import KbridgeError
    from kbridge.facts.targets import version_tuple

    seen: dict[tuple[str, str, str, str], str] = {}
    cells: list[dict[str, object]] = []
    for name, data in parts:
        if not isinstance(data, list) or not all(
                isinstance(c, dict) and {"driver", "target", "ok"} <= c.keys() for c in data):
            raise KbridgeError(f"{name}: not a kbridge matrix result (a JSON list of cells "
                               "from `kbridge matrix --json`)")
        for c in data:
            key = identity(c)
            if key in seen:
                raise KbridgeError(f"{name}: cell {key[2]} on {key[3]} ({key[0]}) is also in "
                                   f"{seen[key]}; merge each shard once")
            seen[key] = name
            cells.append(c)

    def order(c: dict[str, object]) -> tuple:  # type: ignore[type-arg]
        s = str(c.get("strategy", "plain"))
        rank = STRATEGY_ORDER.index(s) if s in STRATEGY_ORDER else len(STRATEGY_ORDER)
        return (rank, s, str(c.get("guards") or ""), int(c.get("cell", 0)),  # type: ignore[arg-type]
                version_tuple(str(c.get("series") or "")), str(c["target"]), str(c["driver"]))
    return sorted(cells, key=order)


def load_results(paths: list) -> list[tuple[str, object]]:  # type: ignore[type-arg]
    """Read saved ``kbridge matrix --json`` results: ``(path, parsed JSON)`` each."""
    import json

    from kbridge.errors import KbridgeError

    out = []
    for p in paths:
        try:
            text = open(p, encoding="utf-8").read()
        except OSError as exc:
            raise KbridgeError(f"{p}: cannot read ({exc.strerror}); give a file written by "
                               "`kbridge matrix --json`") from None
        try:
            out.append((str(p), json.loads(text)))
        except ValueError as exc:
            raise KbridgeError(f"{p}: not JSON ({exc}); give a file written by "
                               "`kbridge matrix --json`") from None
    return out
