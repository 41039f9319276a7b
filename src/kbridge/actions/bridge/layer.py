"""The layer strategy: the driver's files untouched, a compat/ component beside them.

OUT = the driver's own files byte-identical (its Kbuild, if it has one, moves
to compat/Kbuild.driver, unchanged, because OUT's Kbuild must run first) plus:

* ``Kbuild``: runs the build-time probes (see :mod:`.buildtime`), puts
  ``compat/include`` and ``compat`` in front of the kernel's headers through
  NOSTDINC_FLAGS, includes the driver's build file, and force-includes
  ``compat/kb_compat.h``;
* ``compat/include/<kernel header>``: wrappers that ``#include_next`` the
  kernel's header and then apply the shims that extend it. A shim is applied
  right after the kernel header that declares what it bridges, not at the top
  of every file, so that a driver's own ``#define pr_fmt`` before its includes
  keeps working and a struct rename (``#define queue_limits kb_queue_limits``)
  happens after the kernel has finished using the name;
* ``compat/include/<moved header>``: the shim library's wrappers for headers
  that moved or vanished;
* ``compat/rules/<rule>/<direction>.h``: each shim, verbatim from
  ``knowledge/shims/<rule>/``, included under its guard;
* ``dkms.conf`` and ``compat/RULES.md`` (what was bridged and why it is faithful).

Which rules: the rules whose API the driver uses -- identifiers (and include
paths) found with tree-sitter-c in the driver's files -- plus their ``needs``,
kept when some target lies on the other side of the rule's release from the
kernel the driver was written for. Which direction: the driver written for a
kernel with the new API needs ``new_on_old`` (under ``#ifndef KB_HAVE_X``),
one written for an older kernel needs ``old_on_new`` (under ``#ifdef``).
Everything is generated as sorted text: same input, byte-identical OUT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kbridge.actions.bridge import buildtime
from kbridge.errors import KbridgeError
from kbridge.facts import scan
from kbridge.facts.clex import blank_comments
from kbridge.facts.driver import BUILD_PRODUCTS, Driver
from kbridge.knowledge.rules import DIRECTIONS, FRAGMENTS_DIR, Api, Rule, ShimDirection


@dataclass(frozen=True)
class ShimPlan:
    """One rule bridged in one direction."""

    rule: Rule
    direction: str            # "new_on_old" | "old_on_new"
    after: str | None         # kernel header the shim extends (None: kb_compat.h)
    text: str                 # the shim's C text
    wrappers: tuple[str, ...] = ()   # include/<path> files the rule ships
    generated: tuple[tuple[str, str], ...] = ()   # (header, wrapper text) kbridge writes for it

    @property
    def condition(self) -> str:
        return self.rule.shim_condition(self.direction)


@dataclass(frozen=True)
class Unbridged:
    rule: str
    api: tuple[str, ...]
    direction: str
    why: str
    # the one target kernel this applies to, when the rule is bridged on the others (a
    # target with neither side of it): OUT's shim of the rule covers nothing there
    target: str = ""

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"rule": self.rule, "api": list(self.api), "direction": self.direction,
                                  "why": self.why}
        if self.target:
            out["target"] = self.target
        return out


@dataclass
class LayerPlan:
    shims: list[ShimPlan] = field(default_factory=list)
    unbridged: list[Unbridged] = field(default_factory=list)
    probed: list[Rule] = field(default_factory=list)      # every rule whose guard OUT computes
    live_names: scan.Names | None = None    # what the live code names (plan's *live*, joined)
    live_rows: dict[str, frozenset[int]] | None = None    # per file: rows live on home and a target
    # rule id -> the targets (names) on which the driver is built without the rule's
    # [configured_out] option (they answer "neither": configured_out_wrapper)
    configured_out: dict[str, list[str]] = field(default_factory=dict)


# --- what the driver uses ---------------------------------------------------
#
# Which identifiers, includes and members the driver names comes from one
# walker, kbridge.facts.scan.file_names (macro bodies included), the one the
# inline strategy and audit read too: both strategies pick the same rules.

def driver_names(driver: Driver) -> tuple[frozenset[str], frozenset[str]]:
    """(identifiers, include paths) of the driver's C files and macro bodies, read with tree-sitter-c."""
    n = scan.driver_names(driver)
    return n.names, n.includes


def _api_used(api: Api, names: frozenset[str], includes: frozenset[str]) -> bool:
    """Does a file naming *names* and including *includes* use *api* (its form is the rule's)?"""
    if api.form == "header":
        return api.text in includes
    if api.form == "dialect":
        return True         # every driver is C of its own kernel's dialect
    return bool(api.names) and all(p in names for p in api.names)


def member_uses(driver: Driver) -> tuple[frozenset[str], frozenset[tuple[str | None, str]]]:
    """(members accessed as x.m / x->m, (struct S or None, m) set by a designated initializer).

    A designator counts for struct S when it is inside the initializer of a
    declaration of type struct S (nested initializers included); None when
    the declared type is not spelled ``struct S`` (a typedef: the owner is
    unknown, so it matches any struct).
    """
    n = scan.driver_names(driver)
    return n.fields, n.designated


def _member_used(api: Api, fields: frozenset[str], designated: frozenset[tuple[str | None, str]]) -> bool:
    """``struct S.m`` is used when the driver reads or writes some x.m / x->m, or
    designates .m in an initializer of a struct S (or of a type it cannot name):
    a .release in another struct's initializer (configfs in null_blk) is not a use."""
    s, member = api.struct, api.member
    return member in fields or (s, member) in designated or (None, member) in designated


def rules_named(rules: list[Rule], names: scan.Names) -> list[Rule]:
    """The rules of *rules* whose API *names* (a driver's, or one file's) uses."""
    def used(api: Api) -> bool:
        if not _api_used(api, names.names, names.includes):
            return False
        return api.form != "member" or _member_used(api, names.fields, names.designated)

    return [r for r in rules if any(used(a) for a in r.uses)]


def used_rules(rules: list[Rule], driver: Driver) -> list[Rule]:
    return rules_named(rules, scan.driver_names(driver))


# --- the shim library -------------------------------------------------------

Answers = dict[str, "str | None"]     # rule id -> its state on one kernel ("new", "old", "neither", "both")

# the side of a rule a shim of each direction bridges from: the one state of a target
# kernel where the shim applies (README, "Three states")
FROM = {"new_on_old": "old", "old_on_new": "new", "configured_out": "neither"}


def needed_rules(rules: list[Rule], driver: Driver, extra: frozenset[str] = frozenset(),
                 names: scan.Names | None = None) -> list[Rule]:
    """The rules whose API the driver uses (and the rules *extra* names: those whose API a
    function copied into the compat object uses), plus what they need, in dependency order.
    *names*: what the driver's code live on its kernel and the targets names
    (:func:`kbridge.actions.live.pair_names`, joined); default every branch."""
    by_id = {r.id: r for r in rules}
    chosen: dict[str, Rule] = {}
    used = rules_named(rules, names) if names is not None else used_rules(rules, driver)
    todo = [*used, *(r for r in rules if r.id in extra)]
    while todo:
        r = todo.pop(0)
        if r.id in chosen:
            continue
        chosen[r.id] = r
        todo.extend(by_id[n] for n in r.all_needs if n in by_id)
    return _ordered(chosen)


def plan(rules: list[Rule], driver: Driver, home: Answers, targets: list[Answers],
         names: list[str] | None = None, extra: frozenset[str] = frozenset(),
         live: list[scan.Names] | None = None) -> LayerPlan:
    """The shims *driver* needs on kernels answering *targets* (named *names*), written for a
    kernel answering *home*.

    An answer is a rule's state on that kernel ("new", "old", "neither",
    "both"; :func:`kbridge.knowledge.rules.state_of`), from the probes
    (kbridge.actions.probe) -- never from version numbers, which lie on vendor
    kernels. Home's answer says which API the driver uses ("new": it needs
    new_on_old, "old": old_on_new; anything else: both directions, each under
    its guard). A rule is bridged when some target lacks the side the driver
    uses; a target with neither side gets no shim (there is nothing to bridge
    from) and the rule is reported not bridged there. A rule whose home answer
    is "neither" is not the driver's (it built without either API); it is
    bridged only for the rules whose shims build on it, in their direction.

    *live*: per target, what the driver's code compiled on its own kernel AND on that
    target names (:func:`kbridge.actions.live.pair_names`): a rule is the driver's on a
    target only when such code uses its API; code the driver itself switches by version
    (its own ``#if LINUX_VERSION_CODE`` branches, a callback declared per kernel) is its
    own bridge and chooses nothing. None: every branch counts, for every target.
    """
    out = LayerPlan()
    # *extra*: ids of rules a copied function of the compat object uses, as if the driver did
    if live is not None and len(live) == len(targets):
        used_on = [{r.id for r in rules_named(rules, n)} for n in live]
        joined: scan.Names | None = scan.Names.union(list(live))
    else:
        used_on = [{r.id for r in used_rules(rules, driver)}] * len(targets)
        joined = None
    direct = set().union(*used_on) | set(extra) if used_on else \
        {r.id for r in used_rules(rules, driver)} | set(extra)
    names = names or [f"#{i + 1}" for i in range(len(targets))]
    needed = needed_rules(rules, driver, extra, joined)
    if joined is not None:
        out.live_names = joined
    built_on = {n for x in needed for n in x.all_needs}
    for r in needed:
        home_state = home.get(r.id)
        if home_state == "neither":
            # its own kernel has neither side: the driver uses neither API, and the rule
            # is here only for the shims that build on it, in their direction
            if r.id not in built_on:
                continue
            sides = {home.get(x.id) for x in needed if r.id in x.all_needs}
            home_state = sides.pop() if len(sides) == 1 and sides <= {"new", "old"} else None
        home_new = {"new": True, "old": False}.get(home_state or "")
        if home_new is not None:
            d = "new_on_old" if home_new else "old_on_new"
            # the targets on which the driver's live code uses the rule (a rule only
            # another rule's shim builds on, or a copied function's, serves them all)
            mine = [i for i in range(len(targets))
                    if r.id in used_on[i] or r.id in extra or r.id not in direct]
            if r.id in direct:
                for i in mine:
                    t, name = targets[i], names[i]
                    if t.get(r.id) == "neither" and not _older_rule_bridges(r, needed, home, t):
                        if r.manifest.configured_out is not None:
                            out.configured_out.setdefault(r.id, []).append(name)
                            continue
                        out.unbridged.append(Unbridged(
                            r.id, r.api, d, f"kernel {name} has neither the old nor the new API of rule "
                            f"{r.id} ({r.summary}): no shim can bridge from it", target=name))
            if r.id in out.configured_out:
                co = r.manifest.configured_out
                assert co is not None
                out.shims.append(ShimPlan(r, "configured_out", None, "", (),
                                          tuple((h, configured_out_wrapper(r, h)) for h in co.headers)))
            if targets and not any(targets[i].get(r.id) == FROM[d] for i in mine):
                if r.id in out.configured_out:
                    out.probed.append(r)    # its guards decide "neither" at build time
                    continue
                # no target has just the side the shim bridges from: nothing to do -- but a
                # rule another rule's shim builds on keeps its guard, which that shim reads
                # (netdev_lltx's wrapper tests KB_HAVE_NETDEV_CHANGE_PROTO_DOWN: 5.10 has
                # neither side of change_proto_down, and without the probe the guard was
                # never defined, so a 7.3 driver bridged for 5.10 broke on 7.3 itself)
                if r.id in built_on:
                    out.probed.append(r)
                continue
        directions = [d for d, new in (("new_on_old", True), ("old_on_new", False))
                      if home_new is None or home_new == new]
        for d in directions:
            text_path = r.shim_dir / f"{d}.h"
            # the rule's wrapper headers serve the directions it declares ([rule.shim.<d>]),
            # never another one: rq_list_type's wrapper of <linux/blk-mq.h> retypes 5.17's
            # queue_rqs for a newer driver, and shipped for an old driver whose own kernel
            # answers "old" (5.10's sg, by its member named rq_list) it broke that driver
            # on its own kernel, which has no queue_rqs
            wrappers = tuple(p.relative_to(r.shim_dir / "include").as_posix() for p in r.wrapped_headers
                             ) if d in r.shims else ()
            meta = r.manifest.direction(d)
            if meta.noop is not None:
                continue        # this direction needs nothing (the manifest says why)
            if meta.impossible is not None:
                if _members_elsewhere(r, driver):
                    continue    # the driver's x.m / x->m are members of other structs
                out.unbridged.append(Unbridged(r.id, r.api, d, meta.impossible))
                continue
            if not (text_path.is_file() or wrappers or meta.cflags):
                if home_new is None or r.id not in direct:
                    continue    # direction unknown, or only needed by another rule's shim
                out.unbridged.append(Unbridged(
                    r.id, r.api, d, f"no {d} shim in knowledge/shims/{r.id}: kbridge cannot bridge "
                    f"{', '.join(r.api)} yet ({r.summary})"))
                continue
            refused = _refused_uses(meta, driver, r, joined)
            if refused:
                out.unbridged.append(Unbridged(r.id, r.api, d, f"{meta.refused_why} (the driver {refused})"))
                continue
            # a target where the rule this direction's C builds on has no shim (only_where):
            # the shim cannot serve it, whatever it does on the others
            for other, states in meta.only_where:
                for i, t in enumerate(targets):
                    if t.get(r.id) == FROM[d] and r.id in used_on[i] and t.get(other) not in states:
                        out.unbridged.append(Unbridged(
                            r.id, r.api, d, f"its {d} shim builds on rule {other}'s, which exists only on a "
                            f"kernel answering {' or '.join(states)} for it; kernel {names[i]} answers "
                            f"{t.get(other)}: no shim serves it there", target=names[i]))
            text = text_path.read_text() if text_path.is_file() else ""
            if meta.null_inits and text:
                nulls, mixed = null_inits(meta, driver, r)
                if mixed:
                    out.unbridged.append(Unbridged(
                        r.id, r.api, d, f"the driver designates {', '.join('.' + m for m in mixed)} as NULL "
                        "in one initializer and otherwise in another (or with a value that may be NULL: "
                        "a condition or a macro NULL in one #if branch): the layer's designator macro fills the "
                        "kernel's slot with a trampoline (the core would call it instead of answering "
                        "-EOPNOTSUPP for the NULL table) or leaves it NULL, for every table of the driver alike"))
                    continue
                text = null_init_defines(text, nulls)
            out.shims.append(ShimPlan(r, d, meta.after, text, wrappers))
        if r.kind == "dialect_changed" and not any(s.rule.id == r.id for s in out.shims):
            continue    # every driver "uses" the dialect: probed only where its flags are shipped
        out.probed.append(r)
    return out


def anchor_gaps(shims: list[tuple[Rule, str]], index: Any) -> dict[str, str]:
    """Rule id -> why its shim of the given direction cannot serve the kernel of *index*
    (a :class:`kbridge.facts.index.ApiIndex`): an entry of the direction's ``anchors``
    (the struct members its C hooks in the kernel's header text) none of whose
    alternatives the kernel's struct has. A rule whose shim builds on one that cannot
    serve (``needs``) cannot serve either: its C includes the other's."""
    gaps: dict[str, str] = {}
    for r, d in shims:
        for entry in r.manifest.direction(d).anchors:
            have = False
            for alt in entry:
                if "." in alt:
                    owner, member = alt.split(".", 1)
                    st = index.struct(owner.split(" ", 1)[1])
                    found = st.member(member) if st is not None else None
                else:       # an enum constant or a macro
                    found = index.enum_constant(alt) or index.macro(alt)
                if found is not None and found.active is not False:
                    have = True
                    break
            if not have:
                gaps[r.id] = (f"its {d} shim hooks {' or '.join(entry)} in the kernel's header, "
                              f"which this kernel lacks: the shim knows no variant for it")
                break
    ids = {r.id for r, _ in shims}
    by_id = {r.id: r for r, _ in shims}
    changed = True
    while changed:
        changed = False
        for i in sorted(ids - set(gaps)):
            bad = [n for n in by_id[i].all_needs if n in gaps]
            if bad:
                gaps[i] = f"it builds on {bad[0]}, whose shim cannot serve this kernel ({gaps[bad[0]]})"
                changed = True
    return gaps


def _members_elsewhere(r: Rule, driver: Driver) -> bool:
    """True when every API of *r* is a member ``struct S.m`` and every access or designation
    of each m in *driver* is, by the owner-resolving scan, a member of a struct other than
    S. used_rules() matches members by name (the driver names S somewhere and some x.m);
    that is enough to apply a shim (one that is not needed costs nothing), but a direction
    that cannot be bridged fails the whole bridge, so it is reported only when the driver
    may really use S.m: an owner the scan cannot resolve (no kernel index here) counts as S."""
    members = [a for a in r.uses if a.form == "member"]
    if not members or len(members) != len(r.uses):
        return False
    uses = scan.scan(driver).uses
    for a in members:
        for u in uses:
            if u.kind in ("member", "init") and u.name == a.member:
                owner = u.owner.removeprefix("struct ").strip()
                if not owner or owner == a.struct:
                    return False
    return True


def _older_rule_bridges(r: Rule, needed: list[Rule], home: Answers, target: Answers) -> bool:
    """Whether a kernel answering "neither" for *r* (older than both of its sides) gets r's
    API from another rule: one naming the same API, an earlier change of it (its release
    before r's), whose shim of the driver's direction applies on that kernel -- e.g.
    blk_mq_alloc_disk came in 5.14 (blk_mq_alloc_disk_added) and changed its arity in 6.9
    (blk_mq_alloc_disk_takes_limits): on 5.10, which has neither arity, the 5.14 rule's
    shim gives the driver the call it makes."""
    apis = set(r.api)
    for x in needed:
        if x.id == r.id or not apis & set(x.api) or not _released_before(x, r):
            continue
        d = {"new": "new_on_old", "old": "old_on_new"}.get(home.get(x.id) or "")
        if d is None or target.get(x.id) != FROM[d]:
            continue
        meta = x.manifest.direction(d)
        if meta.noop is None and meta.impossible is None and (x.shim_dir / f"{d}.h").is_file():
            return True
    return False


def _released_before(a: Rule, b: Rule) -> bool:
    return a.since_code is not None and b.since_code is not None and a.since_code < b.since_code


def _refused_uses(meta: ShimDirection, driver: Driver, rule: Rule | None = None,
                  live: scan.Names | None = None) -> str:
    """What the driver does that a shim cannot keep faithful (manifest keys refused_reads:
    members it must not read or write by name, x.m / x->m; refused_includes: headers it
    must not include; refused_unless_includes: headers of which it must include one;
    refused_inits: members it must not set in a designated initializer,
    .m = v; refused_callback_calls: functions the driver's own function designated for .m
    must not call in its body -- one level: a call through another function of the
    driver is not seen), as one phrase; "" when nothing.

    A refused member that *rule* names as ``struct S.m`` is refused only where the
    owner-resolving scan finds it on S, or cannot tell the owner: ``ops->remove()`` on the
    driver's own struct of callbacks is not the platform_driver slot the trampoline holds
    (before, any ``->remove`` in the driver refused platform_driver_remove_void). A member
    the rule does not name keeps the name match."""
    reads, includes, inits = meta.refused_reads, meta.refused_includes, meta.refused_inits
    unless = meta.refused_unless_includes
    if not (reads or includes or inits or unless or meta.refused_callback_calls
            or meta.refused_unless_defined):
        return ""
    callback_calls = _refused_callback_calls(meta, driver) if meta.refused_callback_calls else []
    callback_calls += _undefined_uses(meta, driver) if meta.refused_unless_defined else []
    if not (reads or includes or inits or unless):
        return ", ".join(callback_calls)
    names = live if live is not None else scan.driver_names(driver)
    if unless and not set(unless) & names.includes:
        callback_calls.insert(0, "includes none of " + ", ".join(f"<{h}>" for h in unless))
    if not (reads or includes or inits):
        return ", ".join(callback_calls)
    owners: dict[str, set[str]] = {}
    for a in (rule.uses if rule is not None else ()):
        if a.form == "member":
            owners.setdefault(a.member, set()).add(a.struct)
    sc = scan.scan(driver) if owners and set(owners) & (set(reads) | set(inits)) else None
    uses = sc.uses if sc is not None else []
    # members of the driver's own structs: the scan records no use of them (x->m on them
    # is the driver's business), so a name it did not place may be one of these
    own_members = {m for members in (sc.structs.values() if sc is not None else ()) for m in members}
    if live is not None:        # only the uses the live code makes (by name)
        uses = [u for u in uses if u.name in live.fields or any(m == u.name for _, m in live.designated)]

    def on_the_struct(m: str, kinds: tuple[str, ...], by_name: bool) -> bool:
        if m not in owners or not by_name:
            return by_name
        placed = False
        for u in uses:
            if u.kind in kinds and u.name == m:
                placed = True
                owner = u.owner.removeprefix("const ").removeprefix("struct ").strip()
                if not owner or owner in owners[m]:
                    return True
        # named by the driver, but in no use the scan could place: a member of one of its
        # own structs (not S.m), or x->ops->m through a type the scan cannot resolve
        # without the kernel's index -- which may be S.m, so refused
        return not placed and m not in own_members

    found = [f"reads ->{m}" for m in reads if on_the_struct(m, ("member",), m in names.fields)]
    found += [f"includes <{h}>" for h in includes if h in names.includes]
    designated = {m for _, m in names.designated}
    found += [f"sets .{m} in an initializer" for m in inits
              if on_the_struct(m, ("init",), m in designated)]
    return ", ".join(found + callback_calls)


def null_init_macro(member: str) -> str:
    """The macro the layer defines for a driver that designates *member* only as NULL."""
    return "KB_NULL_INIT_" + re.sub(r"[^A-Za-z0-9]", "_", member).upper()


def _init_value(text: bytes, start: int) -> bytes:
    """The initializer value at *start* (just after ``=``), up to the ``,`` or ``}`` that
    ends it at its own nesting depth."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c in b"([{":
            depth += 1
        elif c in b")]":
            depth -= 1
        elif c == ord("}"):
            if depth == 0:
                return text[start:i]
            depth -= 1
        elif c == ord(",") and depth == 0:
            return text[start:i]
    return text[start:]


_NULL_ATOM = re.compile(rb"NULL|0|0[xX]0+|0[lLuU]+|\(\s*void\s*\*\s*\)\s*0")
_IDENT = re.compile(rb"[A-Za-z_]\w*")
_NULL_TOKEN = re.compile(rb"\bNULL\b|\(\s*void\s*\*\s*\)\s*0\b")


def _macro_bodies(driver: Driver, texts: dict[str, bytes]) -> dict[bytes, list[bytes]]:
    """Every object-like #define of the driver's files: name -> its bodies (one per
    definition: a macro defined in #if branches has several)."""
    out: dict[bytes, list[bytes]] = {}
    for f in (*driver.c_files, *driver.h_files):
        if f not in texts:
            texts[f] = blank_comments(driver.read(f))
        for first, end, _, name, function_like in scan.define_bodies(texts[f]):
            if not function_like:
                out.setdefault(name, []).append(texts[f][first:end].replace(b"\\\n", b" ").strip())
    return out


def _null_kind(value: bytes, macros: dict[bytes, list[bytes]], depth: int = 0) -> str:
    """What an initializer value is for the core's slot test: "null" (NULL, 0, (void *)0,
    in parentheses or not, or a macro of the driver's whose every definition is one),
    "fn" (anything else without a null pointer in it) or "maybe" (a null pointer in one
    definition of a macro and not in another, or an expression with a null pointer in it:
    `cond ? fn : NULL`)."""
    v = value.strip()
    while v.startswith(b"(") and v.endswith(b")") and _balanced(v[1:-1]):
        v = v[1:-1].strip()
    if _NULL_ATOM.fullmatch(v):
        return "null"
    if depth < 8 and _IDENT.fullmatch(v) and v in macros:
        kinds = {_null_kind(b, macros, depth + 1) for b in macros[v]}
        return kinds.pop() if len(kinds) == 1 else "maybe"
    if _NULL_TOKEN.search(v) or (b"?" in v and re.search(rb"(?<![\w.])0(?![\w.])", v)) or (depth < 8 and any(
            _null_kind(n, macros, depth + 1) != "fn" for n in _IDENT.findall(v) if n in macros)):
        return "maybe"
    return "fn"


def _balanced(v: bytes) -> bool:
    depth = 0
    for c in v:
        depth += c in b"([{"
        depth -= c in b")]}"
        if depth < 0:
            return False
    return depth == 0


def null_inits(meta: ShimDirection, driver: Driver, rule: Rule | None = None) -> tuple[list[str], list[str]]:
    """null_inits: (the members the driver designates, on the rule's struct, only as NULL;
    those it designates as NULL in one initializer and as something else in another, or
    with a value that may be NULL).

    The kernel's core tests an ops slot's pointer to decide "not supported" (7.3's
    ethtool_get_ringparam: -EOPNOTSUPP; ethtool_check_ops refuses a device whose set_coalesce
    is set without supported_coalesce_params), and a designator macro cannot see the value
    it precedes: for `.m = NULL` it would still put its trampoline in the kernel's slot. A
    member designated only as NULL gets its macro (:func:`null_init_macro`), under which the
    direction's C renames the slot without a trampoline, so the NULL lands in the kernel's
    slot. The value is read as written, comments blanked, up to the ``,`` or ``}`` that ends
    it: NULL, 0 and (void *)0, parenthesized or not, and a macro of the driver's that is one
    of them in every definition, are NULL; a value with a null pointer in it that is not one
    (`cond ? fn : NULL`, a macro NULL in one #if branch) may be NULL (counted as mixed: the
    slot cannot be both); any other value counts as a function."""
    owners = {(a.struct or "").removeprefix("struct ").strip() for a in (rule.uses if rule is not None else ())
              if a.form == "member"}
    values: dict[str, set[str]] = {}
    texts: dict[str, bytes] = {}
    macros: dict[bytes, list[bytes]] | None = None
    for u in scan.scan(driver).uses:
        if u.kind != "init" or u.name not in meta.null_inits:
            continue
        owner = u.owner.removeprefix("const ").removeprefix("struct ").strip()
        if owners and owner and owner not in owners:
            continue
        if macros is None:
            macros = _macro_bodies(driver, texts)
        if u.file not in texts:
            texts[u.file] = blank_comments(driver.read(u.file))
        text = texts[u.file]
        # the designator on its line (the scan keeps identifiers only; NULL is a literal of
        # its own to tree-sitter): its value as written, to the , or } that ends it
        start = 0
        for _ in range(u.line - 1):
            start = text.find(b"\n", start) + 1
        m = re.compile(rb"\.\s*" + re.escape(u.name.encode()) + rb"\s*=(?!=)").search(text, start)
        kind = _null_kind(_init_value(text, m.end()), macros) if m is not None else "fn"
        values.setdefault(u.name, set()).add("NULL" if kind == "null" else
                                             "maybe" if kind == "maybe" else (u.value or "?"))
    nulls = sorted(m for m, v in values.items() if v == {"NULL"})
    mixed = sorted(m for m, v in values.items() if v & {"NULL", "maybe"} and v != {"NULL"})
    return nulls, mixed


def null_init_defines(text: str, members: list[str]) -> str:
    """*text* (a direction's C) with the null_inits macros of *members* defined after its
    first line (the SPDX line stays first)."""
    if not members:
        return text
    first, _, rest = text.partition("\n")
    defs = "".join(f"#define {null_init_macro(m)} 1\t/* the driver designates .{m} only as NULL */\n"
                   for m in members)
    return f"{first}\n{defs}{rest}"


def _undefined_uses(meta: ShimDirection, driver: Driver) -> list[str]:
    """refused_unless_defined: each of the functions the driver names (calls or takes) without
    defining it, as a phrase -- the shim supplies the kernel's side of the driver's own
    definition, so a mere user of the kernel's function is not what it bridges."""
    sc = scan.scan(driver)
    named = {u.name for u in sc.uses if u.kind in ("call", "ref")}
    found = []
    for f in meta.refused_unless_defined:
        decl = sc.functions.get(f)
        if f in named and not (decl is not None and decl.defined):
            found.append(f"uses {f}() without defining it")
    return found


def _refused_callback_calls(meta: ShimDirection, driver: Driver) -> list[str]:
    """refused_callback_calls: each call of a refused function in the body of a function
    the driver designates for one of the members (``.m = fn``), as a phrase."""
    sc = scan.scan(driver)
    refused = dict(meta.refused_callback_calls)
    callbacks: dict[str, set[str]] = {}
    for u in sc.uses:
        if u.kind == "init" and u.name in refused and u.value:
            callbacks.setdefault(u.value, set()).add(u.name)
    found: list[str] = []
    for u in sorted(sc.uses):
        for m in sorted(callbacks.get(u.func, ()) if u.kind == "call" else ()):
            if u.name in refused[m]:
                phrase = f"calls {u.name}() in its .{m} callback {u.func}() ({u.file}:{u.line})"
                if phrase not in found:
                    found.append(phrase)
    return found


def version_answers(rules: list[Rule], version: str) -> Answers:
    """Answers from the rules' release numbers: only for kernels kbridge cannot probe.
    ``since`` alone says "new" or "old"; a two-sided rule that states its old API's
    releases (``old_since``, ``old_until``) answers "neither" and "both" as its probes
    do (:meth:`Rule.state_at`), so no shim is chosen where there is nothing to bridge from."""
    return {r.id: r.state_at(version) for r in rules}


def _ordered(chosen: dict[str, Rule]) -> list[Rule]:
    """Rules in dependency order (a rule after the rules it needs), ties by id."""
    done: list[Rule] = []
    seen: set[str] = set()

    def visit(r: Rule) -> None:
        if r.id in seen:
            return
        seen.add(r.id)
        for n in sorted(set(r.all_needs)):
            if n in chosen:
                visit(chosen[n])
        done.append(r)

    for rid in sorted(chosen):
        visit(chosen[rid])
    return done


# --- OUT's files --------------------------------------------------------------

def _header_guard(path: str) -> str:
    return "KB_WRAP_" + re.sub(r"[^A-Za-z0-9]", "_", path).upper()


def _shim_block(s: ShimPlan) -> str:
    r = s.rule
    return (f"/* {r.id} ({s.direction}): {r.summary}\n"
            f" * since {r.since}, commit {r.commit} (\"{r.commit_title}\") */\n"
            f"{s.condition}\n#include \"rules/{r.id}/{s.direction}.h\"\n#endif\n")


def _defer_guard(path: str) -> str:
    return "KB_DEFER_" + re.sub(r"[^A-Za-z0-9]", "_", path).upper()


def complete_headers(s: ShimPlan) -> tuple[str, ...]:
    """The kernel headers *s* needs complete when it is read (shim.toml ``complete``)."""
    return next((m.complete for d, m in s.rule.manifest.directions if d == s.direction), ())


def _wrapper(header: str, shims: list[ShimPlan], complete: tuple[str, ...] = ()) -> str:
    # The shims run once, after the outermost inclusion of the kernel header
    # has finished: a header the kernel's header includes may include it
    # again (recursively), and that inner pass must not apply the shims
    # before the kernel's header is complete.
    guard = _header_guard(header)
    body = "\n".join(_shim_block(s) for s in shims if s.text)
    if complete:
        # Read inside a header the shims need complete, which includes this one from its own
        # top before its declarations (5.10's <linux/blk-mq.h> includes <linux/blkdev.h>
        # first): the shims wait for that header's end, where its deferral wrapper applies them.
        inside = " || ".join(f"(defined({_defer_guard(c)}_ENTERED) && !defined({_defer_guard(c)}_DONE))"
                             for c in complete)
        body = (f"#if {inside}\n#define {guard}_DEFERRED\n#else\n{body}\n#endif\n")
    return (f"/* Generated by kbridge: <{header}> as the kernel has it, then the shims that\n"
            f" * extend it (each under the guard the build-time probes computed). */\n"
            f"#ifndef {guard}_ENTERED\n#define {guard}_ENTERED\n"
            f"#include_next <{header}>\n"
            f"#include \"kb_config.h\"\n\n{body}\n"
            f"#else\n#include_next <{header}>\n#endif\n")


DEFER_MARK = "as the kernel has it, then the deferred shims"


def _defer_wrapper(header: str, deferred: dict[str, list[ShimPlan]]) -> str:
    """The outermost wrapper of *header*: once its outermost inclusion is complete, the shims
    of each header in *deferred* that were read inside it and waited (see :func:`_wrapper`)."""
    g = _defer_guard(header)
    parts = []
    for h, shims in sorted(deferred.items()):
        hg = _header_guard(h)
        parts.append(f"#ifdef {hg}_DEFERRED\n#undef {hg}_DEFERRED\n#include \"kb_config.h\"\n"
                     + "\n".join(_shim_block(s) for s in shims if s.text) + "#endif\n")
    return (f"/* Generated by kbridge: <{header}> {DEFER_MARK} of <{'>, <'.join(sorted(deferred))}>\n"
            f" * that were read inside it (they need <{header}> complete: shim.toml 'complete'). */\n"
            f"#ifndef {g}_ENTERED\n#define {g}_ENTERED\n"
            f"#include_next <{header}>\n#define {g}_DONE\n"
            + "".join(parts) +
            f"#else\n#include_next <{header}>\n#endif\n")


def configured_out_wrapper(r: Rule, header: str) -> str:
    """The wrapper of *header* (each of the rule's ``[configured_out] headers``) that
    undefines the option for the driver on a kernel answering "neither" for *r*: once the
    OUTERMOST inclusion of any of the rule's headers is complete (a header of the list the
    driver includes first -- <linux/device-mapper.h> before <linux/blkdev.h> -- reads the
    others inside it, so the option must outlive them all), the kernel's other headers that
    test the option are read too, with its own value, then the option is undefined. One
    guard per rule: whichever of its wrappers is entered first is the outermost."""
    co = r.manifest.configured_out
    assert co is not None
    guard = f"KB_CONFIGURED_OUT_{r.id.upper()}_ENTERED"
    rest = "".join(f"#include <{h}>\n" for h in co.headers if h != header)
    return (f"/* Generated by kbridge: <{header}> as the kernel has it; then, on a kernel with\n"
            f" * neither API of rule {r.id}, the driver is built as without {co.config}\n"
            f" * (rule {r.id}, knowledge/shims/{r.id}/shim.toml [configured_out]). */\n"
            f"#ifndef {guard}\n#define {guard}\n"
            f"#include_next <{header}>\n"
            f"#include \"kb_config.h\"\n"
            f"{r.shim_condition('configured_out')}\n"
            f"{rest}"
            f"#undef {co.config}\n#undef {co.config}_MODULE\n"
            f"#endif\n"
            f"#else\n#include_next <{header}>\n#endif\n")


def configured_out_kbuild(shims: list[ShimPlan]) -> str:
    """Kbuild lines (before the driver's build file) clearing each configured-out option on
    a kernel whose build-time answers (compat/kb_config.h) have neither side of its rule."""
    out = ""
    for s in shims:
        co = s.rule.manifest.configured_out if s.direction == "configured_out" else None
        if co is None:
            continue
        out += (f"# {s.rule.id}: a kernel with neither API builds the driver without {co.config}\n"
                f"ifeq ($(shell grep -sE '^#define ({s.rule.guard}|{s.rule.old_guard}) ' "
                f"$(KB_COMPAT)/kb_config.h),)\n"
                f"{co.config} :=\n"
                "endif\n")
    return out


def _kb_compat(shims: list[ShimPlan], probed: list[Rule]) -> str:
    lines = ["/* Generated by kbridge: force-included in every file of the driver.",
             " * The answers of this kernel's build-time probes, then the shims that",
             " * extend no particular kernel header. The others are applied right after",
             " * the kernel header they extend (compat/include). Guards computed here:"]
    lines += [f" *   {r.guard:<48} {r.id}" for r in probed]
    lines += [" */", "#ifndef KB_COMPAT_H", "#define KB_COMPAT_H", '#include "kb_config.h"', ""]
    lines += [_shim_block(s) for s in shims if not s.after and s.text]
    lines += [f"/* {s.rule.id} ({s.direction}): wrapper header(s) {', '.join(s.wrappers)} in compat/include */"
              for s in shims if s.wrappers and not s.text]
    lines.append("#endif")
    return "\n".join(lines) + "\n"


def _modules(text: str) -> list[str]:
    """Module names from obj-m lines of a Kbuild/Makefile (make syntax, not C)."""
    mods: list[str] = []
    for m in re.finditer(r"^\s*obj-(?:m|\$\([A-Z0-9_]+\))\s*[:+]?=\s*(.+)$", text, re.M):
        for word in m.group(1).split():
            if word.endswith(".o") and word[:-2] not in mods:
                mods.append(word[:-2])
    return mods


def _dkms_conf(modules: list[str], name: str, version: str) -> str:
    lines = [
        "# Generated by kbridge: the layer builds with the kernel's own kbuild and",
        "# configures itself with build-time probes, so dkms needs nothing else.",
        f'PACKAGE_NAME="{name}"',
        f'PACKAGE_VERSION="{version}"',
        'MAKE[0]="make -C ${kernel_source_dir} M=${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build modules"',
        'CLEAN="make -C ${kernel_source_dir} M=${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build clean"',
    ]
    for i, mod in enumerate(modules):
        lines += [f'BUILT_MODULE_NAME[{i}]="{mod}"', f'DEST_MODULE_LOCATION[{i}]="/updates/dkms"']
    lines.append('AUTOINSTALL="yes"')
    return "\n".join(lines) + "\n"


def _rules_md(driver: Driver, home: str, p: LayerPlan) -> str:
    out = [f"# compat layer of {driver.label}", "",
           f"Generated by kbridge for a driver written for Linux {home}. The driver's files",
           "are unchanged; each shim below applies only on kernels whose build-time probe",
           "says the driver's API is missing.", ""]
    for s in p.shims:
        why = s.rule.shims[s.direction].why if s.direction in s.rule.shims else ""
        if s.direction == "configured_out" and s.rule.manifest.configured_out is not None:
            why = (f"on {', '.join(p.configured_out.get(s.rule.id, []))}: built without "
                   f"{s.rule.manifest.configured_out.config}: {s.rule.manifest.configured_out.why}")
        out += [f"## {s.rule.id} ({s.direction})", "",
                f"- API: {', '.join(s.rule.api)}; changed in {s.rule.since}, commit {s.rule.commit}",
                f"- applied after: <{s.after}>" if s.after else "- applied in: kb_compat.h",
                f"- why it is faithful: {why.strip()}", ""]
    for u in p.unbridged:
        out += [f"## NOT BRIDGED: {u.rule} ({u.direction})", "", f"- API: {', '.join(u.api)}",
                f"- why: {u.why}", ""]
    return "\n".join(out).rstrip() + "\n"


def shim_cflags(shims: list[ShimPlan]) -> list[str]:
    """The compiler flags the shims' C needs on every kernel (manifest ``cflags`` without
    ``cflags_when``), each once, in the shims' order: both strategies' Kbuild."""
    cflags: list[str] = []
    for s in shims:
        meta = s.rule.manifest.direction(s.direction)
        if meta.cflags_when is None:
            cflags += [f for f in meta.cflags if f not in cflags]
    return cflags


def shim_cflags_when(shims: list[ShimPlan]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(rule id, kernel flag, flags): the flags a shim adds only on a kernel whose own
    KBUILD_CFLAGS has that flag (manifest ``cflags_when``; c_dialect_gnu11: the driver's
    -std=gnu11 on a kernel built with -std=gnu89)."""
    out = []
    for s in shims:
        meta = s.rule.manifest.direction(s.direction)
        if meta.cflags_when is not None:
            out.append((s.rule.id, meta.cflags_when, meta.cflags))
    return out


def include_dir(level: int) -> str:
    """The directory of link *level* of a wrapper chain (see :func:`files`)."""
    return "compat/include" if level == 0 else f"compat/include.{level}"


def include_dirs(content: dict[str, bytes]) -> list[str]:
    """The wrapper directories present in *content*, in search order, relative to compat/."""
    levels = set()
    for rel in content:
        top = rel.split("/")[1] if rel.startswith("compat/") and rel.count("/") >= 2 else ""
        if top == "include":
            levels.add(0)
        elif top.startswith("include.") and top[8:].isdigit():
            levels.add(int(top[8:]))
    return [include_dir(n).removeprefix("compat/") for n in sorted(levels)]


def _is_product(name: str) -> bool:
    import fnmatch
    return any(fnmatch.fnmatch(name, pat) for pat in BUILD_PRODUCTS)


def files(driver: Driver, home: str, p: LayerPlan) -> tuple[dict[str, bytes], list[str]]:
    """Every file of OUT (relative path -> bytes) and the driver's files among them."""
    out: dict[str, bytes] = {}
    own: list[str] = []
    driver_kbuild = None
    build_text = ""
    for path in sorted(driver.path.rglob("*")):
        if not path.is_file() or _is_product(path.name):
            continue
        rel = path.relative_to(driver.path).as_posix()
        if rel.startswith("compat/"):
            raise KbridgeError(f"{driver.path}: the driver already has a compat/ directory; "
                               "the layer needs that name (rename the driver's own)")
        data = path.read_bytes()
        if rel == "Kbuild":
            driver_kbuild = "compat/Kbuild.driver"
            out[driver_kbuild] = data
            build_text = data.decode(errors="replace")
        else:
            out[rel] = data
            own.append(rel)
            if rel == "Makefile" and not build_text:
                driver_kbuild = "Makefile"
                build_text = data.decode(errors="replace")
    rule_ids = [s.rule.id for s in p.shims]
    cflags = shim_cflags(p.shims)
    for rel, text in buildtime.runner_files(p.probed).items():
        out[f"compat/{rel}"] = text.encode()
    out["compat/kb_compat.h"] = _kb_compat(p.shims, p.probed).encode()
    after: dict[str, list[ShimPlan]] = {}
    wrapped: dict[str, list[bytes]] = {}
    outer: dict[str, list[bytes]] = {}      # generated wrappers: outermost, after every shim of the header
    for s in p.shims:
        if s.text:
            out[f"compat/rules/{s.rule.id}/{s.direction}.h"] = s.text.encode()
        if s.after:
            after.setdefault(s.after, []).append(s)
        for name in s.rule.manifest.fragments:     # shared C the rule's wrappers instantiate
            out[f"compat/kb_fragments/{name}.h"] = (FRAGMENTS_DIR / f"{name}.h").read_bytes()
        for w in s.wrappers:
            data = (s.rule.shim_dir / "include" / w).read_bytes()
            if data not in wrapped.setdefault(w, []):
                wrapped[w].append(data)
        for w, text in s.generated:
            outer.setdefault(w, []).append(text.encode())
    # One kernel header may be extended by several rules: the generated "after"
    # wrapper and each rule's own wrapper. They are chained, one include
    # directory per link (compat/include, compat/include.1, ...), each reaching
    # the next with #include_next, the kernel's header last: so the "after"
    # shims run once the header is complete, with every wrapper's additions.
    # A generated wrapper (configured_out_wrapper) is the outermost link: what it does once
    # the header is complete (undefine an option) comes after every shim of that header.
    # shims that need another kernel header complete (shim.toml 'complete'): the header's
    # deferral wrapper is the outermost link of that header's chain
    complete = {h: tuple(sorted({c for s in shims for c in complete_headers(s)})) for h, shims in after.items()}
    deferring: dict[str, dict[str, list[ShimPlan]]] = {}
    for h, cs in complete.items():
        for c in cs:
            deferring.setdefault(c, {})[h] = after[h]
    for c, deferred in deferring.items():
        outer.setdefault(c, []).insert(0, _defer_wrapper(c, deferred).encode())
    for header in sorted(set(after) | set(wrapped) | set(outer)):
        chain = outer.get(header, []) + \
            ([_wrapper(header, after[header], complete[header]).encode()] if header in after else []) + \
            wrapped.get(header, [])
        for level, data in enumerate(chain):
            out[f"{include_dir(level)}/{header}"] = data
    out["Kbuild"] = buildtime.kbuild_text(driver_kbuild, sorted(set(rule_ids)), cflags,
                                          include_dirs(out), shim_cflags_when(p.shims),
                                          configured_out_kbuild(p.shims)).encode()
    mods = _modules(build_text) or [driver.path.name]
    out["dkms.conf"] = _dkms_conf(mods, f"kbridge-{mods[0]}", home).encode()
    out["compat/RULES.md"] = _rules_md(driver, home, p).encode()
    return dict(sorted(out.items())), own


__all__ = ["DIRECTIONS", "LayerPlan", "ShimPlan", "Unbridged", "files", "plan", "used_rules"]
