r"""Rules: how one kernel API changed, how to ask a kernel about it, how to bridge it.

Rules are data, one TOML file per subsystem under ``knowledge/rules/``
(block.toml, net.toml, fb.toml, ...), in the spirit of drgn's helpers: each
change names the upstream commit and release that made it. A rule says:

* which API it covers and what changed (``kind``: added, removed, changed,
  header_moved, member_added, member_removed, ...);
* ``since``: the first mainline release with the *new* behaviour, and
  ``commit`` / ``commit_title``: the upstream commit ("unknown" rather than a
  guess);
* ``guard``: the ``KB_HAVE_...`` macro that is 1 when the target has the *new*
  API -- decided by a probe, never by LINUX_VERSION_CODE, since vendor kernels
  backport;
* ``probe``: a compile probe (C snippet that compiles only with the new API,
  plus the regular expression of the diagnostic gcc gives when it is absent)
  and a header probe (a pattern over the tree's headers) for trees that
  cannot build;
* ``shim``: how to bridge each direction, with the reason the shim is
  faithful. The C code of shims lives beside the rules in
  ``knowledge/shims/<rule id>/`` (C is better kept in .h/.c files than in TOML
  strings):

  - ``new_on_old.h`` / ``new_on_old.c``: the new API on a kernel without it
    (guard false);
  - ``old_on_new.h`` / ``old_on_new.c``: the old API on a kernel with the new
    one (guard true);
  - ``include/<path>``: wrapper headers that shadow a kernel header (moves);
  - ``shim.toml``: the manifest (``needs``; per direction ``after``,
    ``cflags``, ``noop``, ``impossible``), validated here with the rules and
    carried as :attr:`Rule.manifest` (see :class:`ShimManifest`).

How a driver uses each ``api`` entry is decided here too (:func:`api_uses`):
a header only for the header_* kinds, ``struct S.m`` a member (the member_*
kinds must name one), anything else names the driver must all use.

A broken file (a rule file or a shim.toml) is reported as ``file:line: rule
ID: what is wrong`` (exit status 2); unknown keys are errors.

File format::

    [[rule]]
    id = "blk_mq_alloc_disk_takes_limits"
    api = ["blk_mq_alloc_disk"]
    kind = "changed"
    summary = "blk_mq_alloc_disk() takes a struct queue_limits * (NULL for defaults)"
    since = "6.9"
    commit = "27e32cd23fed"
    commit_title = "block: pass a queue_limits argument to blk_mq_alloc_disk"
    guard = "KB_HAVE_BLK_MQ_ALLOC_DISK_LIMITS"
    needs = []                       # rules whose shims this one builds on

    [rule.probe]
    includes = ["linux/blk-mq.h"]
    code = '''
    struct gendisk *kb_probe(struct blk_mq_tag_set *set, struct queue_limits *lim)
    { return blk_mq_alloc_disk(set, lim, NULL); }
    '''
    absent = "passed 3 arguments, but takes just 2|too many arguments"
    header = { file = "linux/blk-mq.h", pattern = '#define blk_mq_alloc_disk\(set, lim, queuedata\)' }

    [rule.shim.new_on_old]
    why = "..."
    [rule.shim.old_on_new]
    why = "..."

Probe snippets (what a build-time probe runner can compile as is): a file
with ``#include <h>`` for each of ``includes`` followed by ``code`` must
compile exactly when the snippet's API is present, and fail with a first
error matching ``absent`` when it is missing (a missing header counts as
"fatal error: <h>: No such file or directory"). Any other failure is a
broken probe. The one file-scope name a snippet should define is
``kb_probe`` (the batch renames it per rule); other helper names must be
unique across the library. Prefer hard errors to warnings (warnings are not
answers): ``_Static_assert(__builtin_types_compatible_p(...))`` for a
prototype change, ``#ifndef MACRO / #error "kb_absent: ..."`` for a macro
that expands to definitions. Optional probe keys:

* ``inverted = true``: the snippet uses the OLD API (removals), so the guard
  is 1 exactly when it fails with ``absent``;
* ``isolated = true``: the answer depends on what else is included (header
  visibility), so the snippet never shares a translation unit with other
  probes' headers.

The ``header`` pattern describes the same API as the snippet (so for an
inverted rule a match means guard 0).

Three states (or four). A rule may state both sides: besides its snippet
(the new API, or the old one when ``inverted``), a ``[rule.probe.old]``
table (for a rule whose snippet is the new API) or ``[rule.probe.new]``
(for an inverted rule) with the other side's ``code``, ``absent`` and
optional ``includes`` (default: the probe's) and ``header``. Such a rule
answers, per kernel (:func:`state_of`): "new", "old", "neither" (a kernel
older than the old API, or newer than both) or "both" (a transition kernel
that kept the old API beside the new one). A rule with one side answers
"new" or "old" only: the side it does not probe is assumed when the probed
one is missing. A shim is enabled only where the side it bridges FROM is
there and the side it provides is not: new_on_old where the answer is
"old", old_on_new where it is "new" (:meth:`Rule.shim_condition`); the
build-time runner defines ``KB_HAVE_<ID>`` when the new side is present
and, for two-sided rules, ``KB_OLD_<ID>`` when the old side is.

Versions. Where a kernel cannot be probed (and for inline version guards),
``since`` alone says "new" from that release and "old" below it. A two-sided
rule may state its old API's releases, each with the upstream commit that
made it: ``old_since`` / ``old_since_commit`` (the first mainline release with
the old API) and ``old_until`` / ``old_until_commit`` (the first without it;
default ``since``). Then versions answer all four states
(:meth:`Rule.state_at`): "neither" below ``old_since``, "both" from ``since``
until ``old_until``. A release is stated only when known; otherwise the
probes answer.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from kbridge.errors import KbridgeError

RULES_DIR = Path(__file__).resolve().parent / "rules"
# KBRIDGE_SHIMS_DIR replaces the shim library as a whole: the mutation check
# (tests/mutation_check.py) points it at an edited copy, in its child processes too.
SHIMS_DIR = Path(os.environ.get("KBRIDGE_SHIMS_DIR") or Path(__file__).resolve().parent / "shims")
# shared C a rule's shims instantiate (shim.toml ``fragments``): one mechanism for a
# class of changes, e.g. bus_remove.h for every bus whose driver remove went int -> void;
# KBRIDGE_FRAGMENTS_DIR replaces them as KBRIDGE_SHIMS_DIR the shims (the mutation check)
FRAGMENTS_DIR = Path(os.environ.get("KBRIDGE_FRAGMENTS_DIR") or Path(__file__).resolve().parent / "fragments")

KINDS = frozenset({
    "added", "removed", "changed", "renamed", "header_moved", "header_added",
    "header_removed", "member_added", "member_removed", "member_changed",
    "macro_added", "macro_removed", "const_changed", "export_changed", "dialect_changed",
})
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_GUARD = re.compile(r"^KB_HAVE_[A-Z0-9_]+$")
_RELEASE = re.compile(r"^(unknown|\d+\.\d+(\.\d+)?)$")
_COMMIT = re.compile(r"^(unknown|[0-9a-f]{12,40})$")
DIRECTIONS = ("new_on_old", "old_on_new")
# kinds whose api may name headers (a driver uses a header by #including it)
HEADER_KINDS = frozenset({"header_moved", "header_added", "header_removed"})
# kinds about a struct member: their api names at least one ``struct S.m``
MEMBER_KINDS = frozenset({"member_added", "member_removed", "member_changed"})
_MEMBER = re.compile(r"^struct (\w+)\.(\w+)$")
_C_WORDS = frozenset({"struct", "union", "enum", "const", "unsigned", "int", "void", "char"})


@dataclass(frozen=True)
class Api:
    """One entry of a rule's ``api`` and how a driver uses it.

    ``form``: "header" (the driver #includes it: entries ending in ``.h`` of
    the header_* kinds), "dialect" (the kernel's C dialect, kind dialect_changed:
    every driver is written in its own kernel's), "member" (``struct S.m``: the driver names S and m,
    and reads or writes some x.m / x->m or designates .m in an initializer of
    a struct S), or "name" (every identifier of the entry, C keywords aside,
    appears in the driver: ``vm_flags_set``, ``struct rq_list``).
    """

    text: str
    form: str
    names: tuple[str, ...] = ()
    struct: str | None = None
    member: str | None = None


@cache
def api_uses(kind: str, api: tuple[str, ...]) -> tuple[Api, ...]:
    """The entries of a rule's *api* classified by the rule's *kind* and their spelling."""
    out = []
    for a in api:
        m = _MEMBER.match(a)
        if kind == "dialect_changed":
            # the C dialect the kernel compiles with (``-std=gnu11``): every driver's code is
            # written in its own kernel's dialect, so every driver "uses" it
            out.append(Api(a, "dialect"))
        elif kind in HEADER_KINDS and a.endswith(".h"):
            out.append(Api(a, "header"))
        elif m:
            out.append(Api(a, "member", (m.group(1), m.group(2)), m.group(1), m.group(2)))
        else:
            out.append(Api(a, "name", tuple(p for p in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", a)
                                            if p not in _C_WORDS)))
    return tuple(out)


@dataclass(frozen=True)
class HeaderProbe:
    file: str          # path relative to include/ (or arch/<arch>/include/)
    pattern: str       # Python regular expression over the header's text


@dataclass(frozen=True)
class ProbeSide:
    """The other side of a two-sided rule: ``[rule.probe.old]`` or ``[rule.probe.new]``."""

    side: str                       # "old" | "new"
    includes: tuple[str, ...]
    code: str                       # compiles only when this side's API is present
    absent: str                     # regex of gcc's diagnostic when it is absent
    header: HeaderProbe | None = None


STATES = ("new", "old", "neither", "both")


def state_of(new: bool | None, old: bool | None) -> str | None:
    """The one decision of a rule's state from what the probes found of each side.

    *new* / *old*: True (that side's API is there), False (it is not), None
    (that side is not probed: a one-sided rule; or its probe is unanswered).
    Two sides probed: "new", "old", "neither" or "both". One side probed: that
    side when present, else the other one (assumed, as a one-sided rule always
    was). None when neither side was answered.
    """
    if new is None and old is None:
        return None
    if new is None:
        return "old" if old else "new"
    if old is None:
        return "new" if new else "old"
    return {(True, False): "new", (False, True): "old", (False, False): "neither",
            (True, True): "both"}[(new, old)]


@dataclass(frozen=True)
class Probe:
    includes: tuple[str, ...]
    code: str                       # compiles only when the new API is present
    absent: str                     # regex of gcc's diagnostic when it is absent
    header: HeaderProbe | None = None
    # inverted: the snippet uses the OLD API (removals: a function, macro or
    # member that went away), so the guard is 1 exactly when the snippet fails
    # with `absent`. Without it the guard is 1 exactly when the snippet compiles.
    inverted: bool = False
    # isolated: the answer depends on which headers are included (e.g. "does
    # <sound/pcm.h> declare copy_from_iter?"), so the probe must never share a
    # translation unit with other probes' headers; it is batched only with
    # probes of exactly the same include list.
    isolated: bool = False
    # other: the side ``code`` does not describe ([rule.probe.old] of a rule
    # whose code is the new API, [rule.probe.new] of an inverted rule); None:
    # the rule has one side and answers only "new" or "old".
    other: ProbeSide | None = None

    @property
    def two_sided(self) -> bool:
        return self.other is not None


@dataclass(frozen=True)
class Shim:
    direction: str                  # "new_on_old" | "old_on_new"
    why: str                        # why the shim is faithful
    directory: Path                 # knowledge/shims/<rule id>

    def file(self, suffix: str) -> Path | None:
        """new_on_old.h, new_on_old.c, ... when the rule ships it."""
        p = self.directory / f"{self.direction}{suffix}"
        return p if p.is_file() else None


@dataclass(frozen=True)
class Rule:
    id: str
    subsystem: str
    api: tuple[str, ...]
    kind: str
    summary: str
    since: str
    commit: str
    commit_title: str
    guard: str
    probe: Probe
    shims: dict[str, Shim] = field(default_factory=dict, hash=False, compare=False)
    needs: tuple[str, ...] = ()
    source: str = ""                # "rules/block.toml:12", for messages
    # knowledge/shims/<id>/shim.toml, validated with the rules (empty when there is none)
    manifest: ShimManifest = field(default_factory=lambda: ShimManifest(), hash=False, compare=False)
    # a user rule's shims/ directory (--rules DIR, KBRIDGE_RULES); None: the bundled library
    shims_root: Path | None = field(default=None, hash=False, compare=False)
    # a two-sided rule's old API by release (optional, each with its upstream commit): the
    # first mainline release that had it, and the first that no longer had it (None: not
    # stated; the removal then defaults to ``since``, the old two-state reading)
    old_since: str | None = None
    old_since_commit: str | None = None
    old_until: str | None = None
    old_until_commit: str | None = None
    # ops members (``struct S.m``) declared alike on both sides whose calls the new side's
    # core makes differently (5.15's ndo_do_ioctl: no longer called for the device ioctls):
    # not part of ``api`` (a driver setting one needs no shim to build), read only by
    # kbridge check's ops-rerouted warning (actions/check/run.py rerouted_ops)
    reroutes: tuple[str, ...] = ()

    @property
    def uses(self) -> tuple[Api, ...]:
        """How a driver uses each entry of ``api`` (see :func:`api_uses`)."""
        return api_uses(self.kind, self.api)

    @property
    def all_needs(self) -> tuple[str, ...]:
        """The rule's ``needs`` and its shim manifest's, without repeats."""
        return tuple(dict.fromkeys((*self.needs, *self.manifest.needs)))

    @property
    def shim_dir(self) -> Path:
        return (self.shims_root or SHIMS_DIR) / self.id

    @property
    def since_code(self) -> int | None:
        """The version code of the release that brought the new API (None: unknown)."""
        from kbridge.facts.kversion import parse_kernel

        return None if self.since == "unknown" else parse_kernel(self.since)

    def guard_over(self, lo: int, hi: int) -> bool | None:
        """The one decision of this rule's guard from kernel versions: for every mainline or
        stable kernel with a version code in [lo, hi], is the new API there? True (all
        have it), False (none has it), None (the range straddles the release, or the
        release is unknown). Vendor kernels backport, which is why guards are probed
        at build time; this answers only where a version is all that is known."""
        code = self.since_code
        if code is None:
            return None
        if lo >= code:
            return True
        if hi < code:
            return False
        return None

    def guard_at(self, version: str) -> bool | None:
        """:meth:`guard_over` for one kernel version ("6.12.40"; suffixes ignored)."""
        from kbridge.facts.kversion import code_of
        from kbridge.facts.targets import version_tuple

        code = code_of(version_tuple(version))
        return self.guard_over(code, code)

    @property
    def old_bounded(self) -> bool:
        """Whether the rule states its old API's releases (``old_since``/``old_until``), so that
        kernel versions answer all four states, "neither" and "both" too. Not when ``since`` is
        "unknown": versions cannot tell where the new API starts, so they answer nothing and
        the probes alone decide (ndo_fdb_del_notified: old until 5.19, new after 6.12)."""
        return self.probe.two_sided and self.since != "unknown" and \
            (self.old_since is not None or self.old_until is not None)

    def old_over(self, lo: int, hi: int) -> bool | None:
        """For every mainline or stable kernel with a version code in [lo, hi], is the OLD API
        there? From ``old_since`` (default: always was) to ``old_until`` (default: ``since``,
        the release that brought the new API). None where the range straddles a bound, a
        bound is unknown, or the rule does not state its old API's releases."""
        from kbridge.facts.kversion import parse_kernel

        if not self.old_bounded:
            return None
        start = parse_kernel(self.old_since) if self.old_since else None
        end = parse_kernel(self.old_until) if self.old_until else self.since_code
        if start is not None and hi < start:
            return False
        if end is not None and lo >= end:
            return False
        if (start is None or lo >= start) and end is not None and hi < end:
            return True
        return None

    def state_over(self, lo: int, hi: int) -> str | None:
        """The one decision of this rule's state from kernel versions, for every kernel in
        [lo, hi]: "new" or "old" from ``since`` alone (below the release is the old API),
        and for a two-sided rule that states its old API's releases (:attr:`old_bounded`)
        the four states the probes give: "neither" below ``old_since`` (or from
        ``old_until`` on while the new API is not there yet), "both" from ``since`` until
        ``old_until``. None where the range is not decided."""
        new = self.guard_over(lo, hi)
        if new is None:
            return None
        if not self.old_bounded:
            return "new" if new else "old"
        old = self.old_over(lo, hi)
        return None if old is None else state_of(new, old)

    def state_at(self, version: str) -> str | None:
        """:meth:`state_over` for one kernel version ("5.10.262"; suffixes ignored)."""
        from kbridge.facts.kversion import code_of
        from kbridge.facts.targets import version_tuple

        code = code_of(version_tuple(version))
        return self.state_over(code, code)

    @property
    def new_from(self) -> str:
        """The release from which versions answer "new" (the new API and not the old one):
        ``since``, or ``old_until`` when the old API outlived it (a "both" span)."""
        if self.old_bounded and self.old_until and self.since != "unknown" and \
                _release_key(self.old_until) > _release_key(self.since):
            return self.old_until
        return self.since

    @property
    def old_guard(self) -> str:
        """``KB_OLD_<ID>``: defined by the build-time probes of a two-sided rule when the
        kernel has the OLD API (the guard, ``KB_HAVE_<ID>``, says the new one)."""
        return "KB_OLD_" + self.guard[len("KB_HAVE_"):]

    def shim_condition(self, direction: str) -> str:
        """The #if line a shim of *direction* goes under: new_on_old where the kernel answers
        "old", old_on_new where it answers "new". A one-sided rule answers only those two,
        so its guard alone decides; a two-sided rule's shim also needs the side it bridges
        from (no shim on "neither") and no shim where the side it provides exists ("both")."""
        if not self.probe.two_sided:
            return f"#ifndef {self.guard}" if direction == "new_on_old" else f"#ifdef {self.guard}"
        if direction == "configured_out":     # a kernel with neither side
            return f"#if !defined({self.guard}) && !defined({self.old_guard})"
        if direction == "new_on_old":
            return f"#if !defined({self.guard}) && defined({self.old_guard})"
        return f"#if defined({self.guard}) && !defined({self.old_guard})"

    @property
    def wrapped_headers(self) -> list[Path]:
        inc = self.shim_dir / "include"
        return sorted(p for p in inc.rglob("*.h")) if inc.is_dir() else []


def _release_key(release: str) -> tuple[int, ...]:
    return tuple(int(p) for p in release.split("."))


class RuleError(KbridgeError):
    """A rule file is broken; the message starts with file:line."""


def _line_of(text: str, rule_id: str | None, index: int) -> int:
    """The line where the index-th [[rule]] (or the one with that id) starts."""
    lines = text.splitlines()
    if rule_id:
        for i, line in enumerate(lines, 1):
            if re.match(rf'^\s*id\s*=\s*["\']{re.escape(rule_id)}["\']', line):
                return i
    n = -1
    for i, line in enumerate(lines, 1):
        if line.strip() == "[[rule]]":
            n += 1
            if n == index:
                return i
    return 1


def _parse_file(path: Path, shims_root: Path | None = None, where: str | None = None) -> list[Rule]:
    text = path.read_text()
    where = where or path.name
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise RuleError(f"{where}:{m.group(1) if m else 1}: {exc}") from None
    unknown_top = set(data) - {"rule"}
    if unknown_top:
        raise RuleError(f"{where}:1: unknown top-level key(s) {sorted(unknown_top)}; expected [[rule]] tables")
    rules = []
    for idx, raw in enumerate(data.get("rule", [])):
        rid = raw.get("id") if isinstance(raw.get("id"), str) else None
        line = _line_of(text, rid, idx)

        def fail(msg: str) -> RuleError:
            return RuleError(f"{where}:{line}: rule {rid or '#' + str(idx + 1)}: {msg}")

        def need_str(key: str, table: dict = raw, pattern: re.Pattern[str] | None = None) -> str:
            val = table.get(key)
            if not isinstance(val, str) or not val.strip():
                raise fail(f"missing or empty string '{key}'")
            if pattern and not pattern.match(val):
                raise fail(f"'{key}' = {val!r} is not valid (expected {pattern.pattern})")
            return val

        allowed = {"id", "api", "kind", "summary", "since", "commit", "commit_title", "guard",
                   "needs", "probe", "shim", "reroutes", *OLD_KEYS}
        extra = set(raw) - allowed
        if extra:
            raise fail(f"unknown key(s) {sorted(extra)}")
        need_str("id", pattern=_ID)
        api = raw.get("api")
        if isinstance(api, str):
            api = [api]
        if not isinstance(api, list) or not api or not all(isinstance(a, str) and a for a in api):
            raise fail("'api' must be a non-empty string or list of strings")
        kind = need_str("kind")
        if kind not in KINDS:
            raise fail(f"'kind' = {kind!r} is not one of {sorted(KINDS)}")
        for a in api:
            if a.endswith(".h") and kind not in HEADER_KINDS:
                raise fail(f"'api' names the header {a!r} but kind {kind!r} is not one of "
                           f"{sorted(HEADER_KINDS)}")
        if kind in MEMBER_KINDS and not any(_MEMBER.match(a) for a in api):
            raise fail(f"kind {kind!r} but no 'api' entry names a member as 'struct S.m'")
        probe_raw = raw.get("probe")
        if not isinstance(probe_raw, dict):
            raise fail("missing [rule.probe] table")
        incs = probe_raw.get("includes", [])
        if not isinstance(incs, list) or not all(isinstance(i, str) for i in incs):
            raise fail("'probe.includes' must be a list of header paths")
        def header_of(table: dict, where: str) -> HeaderProbe | None:
            if "header" not in table:
                return None
            h = table["header"]
            if not isinstance(h, dict):
                raise fail(f"'{where}.header' must be a table {{file, pattern}}")
            hp = HeaderProbe(need_str("file", h), need_str("pattern", h))
            try:
                re.compile(hp.pattern, re.M)
            except re.error as exc:
                raise fail(f"'{where}.header.pattern' is not a valid regular expression: {exc}") from None
            return hp

        def absent_of(table: dict, where: str) -> str:
            absent = need_str("absent", table)
            try:
                re.compile(absent)
            except re.error as exc:
                raise fail(f"'{where}.absent' is not a valid regular expression: {exc}") from None
            return absent

        header = header_of(probe_raw, "probe")
        absent = absent_of(probe_raw, "probe")
        inverted = probe_raw.get("inverted", False)
        if not isinstance(inverted, bool):
            raise fail("'probe.inverted' must be true or false")
        isolated = probe_raw.get("isolated", False)
        if not isinstance(isolated, bool):
            raise fail("'probe.isolated' must be true or false")
        extra_probe = set(probe_raw) - {"includes", "code", "absent", "header", "inverted", "isolated",
                                        "old", "new"}
        if extra_probe:
            raise fail(f"unknown key(s) in [rule.probe]: {sorted(extra_probe)}")
        # the other side: [rule.probe.old] when code is the new API, [rule.probe.new] when inverted
        other_side = "new" if inverted else "old"
        wrong_side = "old" if inverted else "new"
        if wrong_side in probe_raw:
            raise fail(f"[rule.probe.{wrong_side}]: the probe's own code already is the {wrong_side} API"
                       + (" (inverted = true)" if inverted else " (inverted is false)")
                       + f"; state the other side as [rule.probe.{other_side}]")
        other = None
        if other_side in probe_raw:
            o = probe_raw[other_side]
            where_o = f"probe.{other_side}"
            if not isinstance(o, dict):
                raise fail(f"'{where_o}' must be a table {{includes, code, absent, header}}")
            extra_o = set(o) - {"includes", "code", "absent", "header"}
            if extra_o:
                raise fail(f"unknown key(s) in [rule.{where_o}]: {sorted(extra_o)}")
            o_incs = o.get("includes", incs)
            if not isinstance(o_incs, list) or not all(isinstance(i, str) for i in o_incs):
                raise fail(f"'{where_o}.includes' must be a list of header paths")
            if header is not None and "header" not in o:
                raise fail(f"[rule.{where_o}] needs a 'header' too: the probe has one, and a header "
                           "probe must see both sides to answer 'neither'")
            other = ProbeSide(other_side, tuple(o_incs), need_str("code", o), absent_of(o, where_o),
                              header_of(o, where_o))
        probe = Probe(tuple(incs), need_str("code", probe_raw), absent, header, inverted, isolated, other)
        shim_raw = raw.get("shim", {})
        if not isinstance(shim_raw, dict):
            raise fail("'shim' must be a table of directions")
        bad_dirs = set(shim_raw) - set(DIRECTIONS)
        if bad_dirs:
            raise fail(f"unknown shim direction(s) {sorted(bad_dirs)}; use {list(DIRECTIONS)}")
        shims = {}
        for d, s in shim_raw.items():
            if not isinstance(s, dict):
                raise fail(f"'shim.{d}' must be a table")
            shims[d] = Shim(d, need_str("why", s), (shims_root or SHIMS_DIR) / raw["id"])
        needs = raw.get("needs", [])
        if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
            raise fail("'needs' must be a list of rule ids")
        reroutes = raw.get("reroutes", [])
        if not isinstance(reroutes, list) or not all(isinstance(m, str) and _MEMBER.match(m) for m in reroutes):
            raise fail("'reroutes' must be a list of 'struct S.m' members")
        since = need_str("since", pattern=_RELEASE)
        old_keys = _old_side(raw, probe, since, need_str, fail)
        rules.append(Rule(
            id=raw["id"], subsystem=path.stem, api=tuple(api), kind=kind,
            summary=need_str("summary"), since=since,
            commit=need_str("commit", pattern=_COMMIT), commit_title=need_str("commit_title"),
            guard=need_str("guard", pattern=_GUARD), probe=probe, shims=shims,
            needs=tuple(needs), source=f"{where}:{line}", shims_root=shims_root,
            reroutes=tuple(reroutes), **old_keys))
    return rules


OLD_KEYS = ("old_since", "old_since_commit", "old_until", "old_until_commit")
_KNOWN_RELEASE = re.compile(r"^\d+\.\d+(\.\d+)?$")
_KNOWN_COMMIT = re.compile(r"^[0-9a-f]{12,40}$")


def _old_side(raw: dict, probe: Probe, since: str, need_str, fail) -> dict[str, str | None]:  # type: ignore[no-untyped-def,type-arg]
    """The optional releases of a two-sided rule's old API, validated: ``old_since`` (the
    first mainline release with the old API) and ``old_until`` (the first without it),
    each with its upstream commit (``old_since_commit``, ``old_until_commit``); a release
    is stated only when known (omitted otherwise: the probes answer)."""
    out: dict[str, str | None] = {k: None for k in OLD_KEYS}
    if not any(k in raw for k in OLD_KEYS):
        return out
    if not probe.two_sided:
        raise fail("old_since/old_until need the old side probed too ([rule.probe.old], or "
                   "[rule.probe.new] when inverted): a one-sided rule answers only new or old")
    for key in ("old_since", "old_until"):
        ckey = f"{key}_commit"
        if (key in raw) != (ckey in raw):
            raise fail(f"'{key}' and '{ckey}' go together: the release and the upstream commit "
                       "that made it (omit both when not known)")
        if key in raw:
            out[key] = need_str(key, pattern=_KNOWN_RELEASE)
            out[ckey] = need_str(ckey, pattern=_KNOWN_COMMIT)
    lo, hi = out["old_since"], out["old_until"]
    if lo and hi and _release_key(lo) >= _release_key(hi):
        raise fail(f"old_since = {lo!r} is not before old_until = {hi!r}")
    if lo and since != "unknown" and _release_key(lo) >= _release_key(since):
        raise fail(f"old_since = {lo!r} is not before since = {since!r}: the old API predates the new one")
    return out


def load(directory: Path | None = None) -> list[Rule]:
    """All rules of *directory*, validated, sorted by id; by default the bundled library
    and the user's rule directories (:func:`user_dirs`)."""
    if directory is None and user_dirs():
        return list(_load_with_user(user_dirs()))
    return list(_load_cached(directory or RULES_DIR))


@cache
def _load_cached(directory: Path) -> tuple[Rule, ...]:
    if not directory.is_dir():
        raise RuleError(f"{directory}: no such rules directory")
    rules: list[Rule] = []
    for path in sorted(directory.glob("*.toml")):
        rules.extend(_parse_file(path))
    seen: dict[str, Rule] = {}
    guards: dict[str, Rule] = {}
    for r in rules:
        if r.id in seen:
            raise RuleError(f"{r.source}: duplicate rule id {r.id!r} (first at {seen[r.id].source})")
        if r.guard in guards:
            raise RuleError(f"{r.source}: guard {r.guard} already defined by {guards[r.guard].id}")
        seen[r.id] = r
        guards[r.guard] = r
    for r in rules:
        for n in r.needs:
            if n not in seen:
                raise RuleError(f"{r.source}: rule {r.id}: needs unknown rule {n!r}")
    known = set(seen)
    rules = [replace(r, manifest=_parse_manifest(r.shim_dir / "shim.toml", r.id, known))
             if (r.shim_dir / "shim.toml").is_file() else r for r in rules]
    return tuple(sorted(rules, key=lambda r: r.id))


def by_id(rules: list[Rule]) -> dict[str, Rule]:
    return {r.id: r for r in rules}


# --------------------------------------------------------------------------- shim manifests

ABI_KEYS = ("extends", "grows", "renames", "appends")
SHIM_KEYS = {"after": "kernel header the shim extends (its wrapper #include_next's it, then applies the shim)",
             "cflags": "compiler flags the shim's C needs (added to the driver's ccflags-y)",
             "cflags_when": "a flag of the kernel's own KBUILD_CFLAGS (-std=gnu89): the direction's cflags are "
                            "added only on a kernel built with it (tested by OUT's Kbuild at build time)",
             "noop": "why this direction needs no shim",
             "impossible": "why this direction cannot be bridged (reported as not bridged)",
             "refused_reads": "members a driver must not read or write by name (x.m, x->m) for the shim to stay faithful",
             "refused_includes": "headers a driver must not include for the shim to stay faithful",
             "refused_unless_includes": "headers of which a driver must include one for the shim to stay "
                                        "faithful (what the shim's C may assume about the driver's "
                                        "devices follows from them); a driver that includes none is refused",
             "refused_inits": "members a driver must not set in a designated initializer (.m = v) for the shim to stay faithful",
             "refused_callback_calls": "a table member = [functions]: the function a driver designates for .member "
                                       "(.m = fn in an initializer) must not call any of them in its own body for the "
                                       "shim to stay faithful",
             "refused_unless_defined": "functions the driver must define itself (the shim supplies the kernel's "
                                       "side of the driver's own definition); a driver that names them "
                                       "without defining them is refused",
             "null_inits": "members whose designator macro puts a trampoline in the kernel's slot: a driver that "
                           "designates one only as NULL (.m = NULL) gets KB_NULL_INIT_<M> defined before the "
                           "direction's C, which then leaves the kernel's slot NULL (the core tests the slot "
                           "pointer); NULL in one table and a function in another is reported not bridged",
             "refused_why": "why (required with refused_reads / refused_includes / refused_inits / "
                            "refused_callback_calls / refused_unless_defined; reported as not bridged)",
             "only_where": "a table rule = [states]: this direction's C builds on that rule's shim (a wrapper "
                           "of the kernel's header), which exists only on kernels where that rule answers one "
                           "of the states; a target where it answers otherwise is reported not bridged",
             "complete": "kernel headers that must be complete when the shim is read: a kernel header that "
                         "includes the 'after' header from its own top (5.10's <linux/blk-mq.h> includes "
                         "<linux/blkdev.h> first) would otherwise have the shim read half-declared; there the "
                         "shims of the 'after' header run once that header is complete",
             "anchors": "what the shim's C hooks or builds on in the kernel's headers: a list whose entries "
                        "are a 'struct S.m' member, a NAME (enum constant or macro) or a list of alternatives "
                        "(a kernel must have one of each entry; each is probed at build time as KB_ANCHOR_...)"}


@dataclass(frozen=True)
class ShimDirection:
    """One direction's table of ``knowledge/shims/<rule>/shim.toml``."""

    after: str | None = None
    cflags: tuple[str, ...] = ()
    noop: str | None = None
    impossible: str | None = None
    refused_reads: tuple[str, ...] = ()
    refused_includes: tuple[str, ...] = ()
    refused_why: str | None = None
    # the kernel struct members the direction's C hooks in the kernel's header text (a wrapper
    # that appends after a struct's last member, or names the member around a slot): each
    # entry lists alternatives ("struct S.m"), one per kernel variant the C knows; a kernel
    # must have one alternative of every entry, else the shim cannot serve it (bridge reports
    # the rule not bridged there, and its self-check does not count the API as covered)
    anchors: tuple[tuple[str, ...], ...] = ()
    refused_inits: tuple[str, ...] = ()
    cflags_when: str | None = None
    # (member, functions): the driver's callback designated for .member must not call them
    refused_callback_calls: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # functions the driver must define itself; naming one without defining it is refused
    refused_unless_defined: tuple[str, ...] = ()
    # (rule, states): the direction's C builds on that rule's shim, which exists only where
    # that rule answers one of the states (ndo_fdb_add_notified's new_on_old renames the
    # kernel's slot in netdev_hwtstamp_ndo's wrapper, there only where that rule is "old")
    only_where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # kernel headers that must be complete when the shim is read (layer.files defers the
    # 'after' header's shims to the end of one still open: blk_mq_alloc_disk_added on 5.10)
    complete: tuple[str, ...] = ()
    # members whose designator macro fills the kernel's slot with a trampoline: a driver's
    # `.m = NULL` must leave the kernel's slot NULL (KB_NULL_INIT_<M>, defined by the layer)
    null_inits: tuple[str, ...] = ()
    # headers of which the driver must include one (dev_get_tstats64_core_stats's new_on_old
    # is right for usbnet devices only: a driver naming it without <linux/usb/usbnet.h>)
    refused_unless_includes: tuple[str, ...] = ()


def anchor_macro(anchor: str) -> str:
    """The build-time macro of an anchor: ``struct S.m`` -> ``KB_ANCHOR_S_M``, defined when
    the target's struct S has member m; a bare ``NAME`` (an enum constant or a macro the
    shim's C builds on) -> ``KB_ANCHOR_NAME``, defined when the target declares it
    (:func:`kbridge.actions.bridge.buildtime.anchor_snippets`)."""
    name = anchor.split(" ", 1)[1] if " " in anchor else anchor
    return "KB_ANCHOR_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


@dataclass(frozen=True)
class ConfiguredOut:
    """``[configured_out]`` of a shim manifest: a feature of the driver that a kernel with
    neither side of the rule cannot be given faithfully is built as that kernel would build
    it without ``config`` (the driver's own ``!CONFIG_X`` code: its Makefile's objects and
    its ``#ifdef``'s). ``headers``: every header of such a kernel that tests the option,
    read with the kernel's own value before it is undefined for the driver (the kernel's
    struct layouts stay the kernel's); ``why``: why this is the honest answer there."""

    config: str
    headers: tuple[str, ...]
    why: str


ANCHOR_RE = re.compile(r"(struct|union) [A-Za-z_]\w*\.[A-Za-z_]\w*|[A-Za-z_]\w*")


@dataclass(frozen=True)
class ShimManifest:
    """``knowledge/shims/<rule>/shim.toml``: how the layer applies a rule's shims.

    ``needs``: rules whose shims this one's C builds on (merged with the
    rule's own ``needs``); ``[new_on_old]`` / ``[old_on_new]``: see
    :data:`SHIM_KEYS`.
    """

    needs: tuple[str, ...] = ()
    directions: tuple[tuple[str, ShimDirection], ...] = ()
    # [abi]: the layout changes of kernel structs this rule's shims make on purpose, which
    # the ABI check (actions/bridge/abi.py) allows: extends (members in bytes the kernel
    # leaves unused, size kept), grows (also larger: a table the kernel reads through a
    # pointer only), renames ("struct S.m": the kernel's member under another name in place)
    abi_extends: tuple[str, ...] = ()
    abi_grows: tuple[str, ...] = ()
    abi_renames: tuple[str, ...] = ()
    # fragments: names of shared C files (knowledge/fragments/<name>.h) this rule's
    # shims include as "kb_fragments/<name>.h"; OUT carries each once
    fragments: tuple[str, ...] = ()
    # appends: members only past the kernel's sizeof, the object allocated larger by the
    # kernel at the shim's request (struct scsi_cmnd: the template copy's larger cmd_size)
    abi_appends: tuple[str, ...] = ()
    # [configured_out]: on a kernel answering "neither" (a two-sided rule whose kernel has
    # neither API), the driver is built as for that kernel configured without this option
    configured_out: "ConfiguredOut | None" = None

    def direction(self, d: str) -> ShimDirection:
        return dict(self.directions).get(d, ShimDirection())


def _key_line(text: str, key: str, table: str | None = None) -> int:
    """The line of ``key = ...`` at the top level or inside ``[table]``; 0 if absent."""
    in_table = table is None
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s.startswith("["):
            in_table = table is not None and s == f"[{table}]"
        elif in_table and re.match(rf"^{re.escape(key)}\s*=", s):
            return i
    return 0


def _table_line(text: str, table: str) -> int:
    """The line of ``[table]``; 0 if absent."""
    for i, line in enumerate(text.splitlines(), 1):
        if line.strip() == f"[{table}]":
            return i
    return 0


def _parse_manifest(path: Path, rule_id: str, known: set[str], where: str | None = None) -> ShimManifest:
    text = path.read_text()
    where = where or f"shims/{rule_id}/shim.toml"

    def fail(line: int, msg: str) -> RuleError:
        return RuleError(f"{where}:{line}: rule {rule_id}: {msg}")

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise fail(int(m.group(1)) if m else 1, str(exc)) from None
    extra = set(data) - {"needs", "fragments", "abi", "configured_out", *DIRECTIONS}
    if extra:
        k = sorted(extra)[0]
        raise fail(_key_line(text, k) or _table_line(text, k) or 1,
                   f"unknown key(s) {sorted(extra)}; expected needs, fragments, [new_on_old], [old_on_new], [abi], "
                   "[configured_out]")
    co = data.get("configured_out")
    configured_out = None
    if co is not None:
        if not isinstance(co, dict) or set(co) != {"config", "headers", "why"} or \
                not (isinstance(co["config"], str) and re.fullmatch(r"CONFIG_[A-Z0-9_]+", co["config"])) or \
                not (isinstance(co["headers"], list) and co["headers"] and
                     all(isinstance(h, str) and h.endswith(".h") for h in co["headers"])) or \
                not (isinstance(co["why"], str) and co["why"].strip()):
            raise fail(_table_line(text, "configured_out") or 1,
                       "[configured_out] needs config = \"CONFIG_X\", headers = [\"linux/x.h\", ...] "
                       "(the kernel's headers that test it) and why")
        configured_out = ConfiguredOut(co["config"], tuple(co["headers"]), co["why"])
    fragments = data.get("fragments", [])
    if not isinstance(fragments, list) or not all(isinstance(f, str) and _ID.match(f) for f in fragments):
        raise fail(_key_line(text, "fragments") or 1, "'fragments' must be a list of fragment names")
    for f in fragments:
        if not (FRAGMENTS_DIR / f"{f}.h").is_file():
            raise fail(_key_line(text, "fragments") or 1,
                       f"unknown fragment {f!r} (no knowledge/fragments/{f}.h)")
    abi = data.get("abi", {})
    if not isinstance(abi, dict):
        raise fail(_key_line(text, "abi") or 1, "'abi' must be a table")
    if set(abi) - set(ABI_KEYS):
        raise fail(_key_line(text, sorted(set(abi) - set(ABI_KEYS))[0], "abi") or _table_line(text, "abi") or 1,
                   f"unknown key(s) {sorted(set(abi) - set(ABI_KEYS))} in [abi]; expected {', '.join(ABI_KEYS)}")
    for k, v in abi.items():
        pattern = r"(struct|union) [A-Za-z_]\w*" + (r"\.[A-Za-z_]\w*" if k == "renames" else "")
        what = "'struct S.member'" if k == "renames" else "'struct S'"
        if not isinstance(v, list) or not all(isinstance(e, str) and re.fullmatch(pattern, e) for e in v):
            raise fail(_key_line(text, k, "abi") or _table_line(text, "abi") or 1,
                       f"'abi.{k}' must be a list of {what} names")
    needs = data.get("needs", [])
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        raise fail(_key_line(text, "needs") or 1, "'needs' must be a list of rule ids")
    for n in needs:
        if n not in known:
            raise fail(_key_line(text, "needs") or 1, f"needs unknown rule {n!r}")
    directions = []
    for d in DIRECTIONS:
        if d not in data:
            continue
        t = data[d]
        if not isinstance(t, dict):
            raise fail(_key_line(text, d) or 1, f"'{d}' must be a table")
        extra = set(t) - set(SHIM_KEYS)
        if extra:
            raise fail(_key_line(text, sorted(extra)[0], d) or _table_line(text, d) or 1,
                       f"unknown key(s) {sorted(extra)} in [{d}]; expected {', '.join(SHIM_KEYS)}")
        for k in ("after", "noop", "impossible", "refused_why", "cflags_when"):
            if k in t and (not isinstance(t[k], str) or not t[k].strip()):
                raise fail(_key_line(text, k, d) or _table_line(text, d) or 1,
                           f"'{d}.{k}' must be a non-empty string")
        for k, what in (("cflags", "compiler flags"), ("refused_reads", "member names"),
                        ("refused_includes", "header paths"), ("complete", "header paths"), ("refused_inits", "member names"),
                        ("refused_unless_includes", "header paths"),
                        ("refused_unless_defined", "function names"), ("null_inits", "member names")):
            v = t.get(k, [])
            if not isinstance(v, list) or not all(isinstance(c, str) and c for c in v):
                raise fail(_key_line(text, k, d) or _table_line(text, d) or 1,
                           f"'{d}.{k}' must be a list of {what}")
        cbc = t.get("refused_callback_calls", {})
        if not isinstance(cbc, dict) or not all(
                isinstance(v, list) and v and all(isinstance(c, str) and c for c in v) for v in cbc.values()):
            raise fail(_key_line(text, "refused_callback_calls", d) or _table_line(text, d) or 1,
                       f"'{d}.refused_callback_calls' must be a table of member = [function names]")
        anchors = t.get("anchors", [])
        entries = [[a] if isinstance(a, str) else a for a in anchors] if isinstance(anchors, list) else None
        if entries is None or not all(isinstance(e, list) and e and all(
                isinstance(a, str) and ANCHOR_RE.fullmatch(a) for a in e) for e in entries):
            raise fail(_key_line(text, "anchors", d) or _table_line(text, d) or 1,
                       f"'{d}.anchors' must be a list of 'struct S.member' or NAME entries, or lists of them")
        if (t.get("refused_reads") or t.get("refused_includes") or t.get("refused_inits")
                or t.get("refused_callback_calls") or t.get("refused_unless_defined")
                or t.get("refused_unless_includes")) and "refused_why" not in t:
            raise fail(_table_line(text, d) or 1, f"[{d}] refuses uses without 'refused_why'")
        ow = t.get("only_where", {})
        if not isinstance(ow, dict) or not all(
                n in known and isinstance(v, list) and v and all(x in ("new", "old", "neither", "both") for x in v)
                for n, v in ow.items()):
            raise fail(_key_line(text, "only_where", d) or _table_line(text, d) or 1,
                       f"'{d}.only_where' must be a table of known rule = [states: new, old, neither, both]")
        if "noop" in t and "impossible" in t:
            raise fail(_key_line(text, "impossible", d) or _table_line(text, d) or 1,
                       f"[{d}] is both noop and impossible")
        if t.get("complete") and "after" not in t:
            raise fail(_key_line(text, "complete", d) or _table_line(text, d) or 1,
                       f"[{d}] has 'complete' without 'after'")
        if "cflags_when" in t and not t.get("cflags"):
            raise fail(_key_line(text, "cflags_when", d) or _table_line(text, d) or 1,
                       f"[{d}] has 'cflags_when' without 'cflags'")
        directions.append((d, ShimDirection(t.get("after"), tuple(t.get("cflags", [])), t.get("noop"),
                                            t.get("impossible"), tuple(t.get("refused_reads", [])),
                                            tuple(t.get("refused_includes", [])), t.get("refused_why"),
                                            tuple(tuple(e) for e in entries),
                                            tuple(t.get("refused_inits", [])),
                                            t.get("cflags_when"),
                                            tuple((m, tuple(v)) for m, v in sorted(cbc.items())),
                                            tuple(t.get("refused_unless_defined", [])),
                                            tuple((n, tuple(v)) for n, v in sorted(ow.items())),
                                            tuple(t.get("complete", [])),
                                            tuple(t.get("null_inits", [])),
                                            tuple(t.get("refused_unless_includes", [])))))
    return ShimManifest(tuple(needs), tuple(directions), tuple(abi.get("extends", [])),
                        tuple(abi.get("grows", [])), tuple(abi.get("renames", [])), tuple(fragments),
                        tuple(abi.get("appends", [])), configured_out)


# --------------------------------------------------------------------------- user rules

USER_RULES_ENV = "KBRIDGE_RULES"
_extra_dirs: tuple[Path, ...] = ()


def use_user_dirs(dirs: list[Path] | tuple[Path, ...]) -> None:
    """Add rule directories for this process (the CLI's ``--rules DIR``), after those of
    ``$KBRIDGE_RULES``."""
    global _extra_dirs
    _extra_dirs = tuple(Path(d) for d in dirs)


def user_dirs() -> tuple[Path, ...]:
    """The user's rule directories: ``$KBRIDGE_RULES`` (paths separated by ``:``), then
    ``--rules DIR``; each laid out like the bundled library, ``rules/*.toml`` and
    ``shims/<rule id>/``."""
    env = [Path(p) for p in os.environ.get(USER_RULES_ENV, "").split(os.pathsep) if p]
    return tuple(dict.fromkeys(p.resolve() for p in (*env, *_extra_dirs)))


@cache
def _load_with_user(dirs: tuple[Path, ...]) -> tuple[Rule, ...]:
    """The bundled library plus the rules of *dirs*, validated as the library is: a broken
    file is ``file:line: rule ID: what is wrong``; a user rule may not reuse a bundled
    rule's id or guard (it would silently change what the library's shims do)."""
    builtin = _load_cached(RULES_DIR)
    builtin_ids = {r.id for r in builtin}
    seen = {r.id: r for r in builtin}
    guards = {r.guard: r for r in builtin}
    user: list[Rule] = []
    for d in dirs:
        if not (d / "rules").is_dir():
            raise RuleError(f"{d}: not a rules directory (expected {d}/rules/*.toml and "
                            f"{d}/shims/<rule id>/, laid out like kbridge's knowledge/)")
        for path in sorted((d / "rules").glob("*.toml")):
            for r in _parse_file(path, d / "shims", str(path)):
                if r.id in seen:
                    what = "a built-in rule" if r.id in builtin_ids else "a rule"
                    raise RuleError(f"{r.source}: rule {r.id}: the id is already {what} "
                                    f"({seen[r.id].source}); a user rule cannot replace it, choose another id")
                if r.guard in guards:
                    raise RuleError(f"{r.source}: rule {r.id}: guard {r.guard} already defined by "
                                    f"{guards[r.guard].id} ({guards[r.guard].source})")
                seen[r.id] = guards[r.guard] = r
                user.append(r)
        shims = d / "shims"
        ids = {r.id for r in user if r.shims_root == shims}
        for sd in sorted(shims.iterdir()) if shims.is_dir() else []:
            if sd.is_dir() and sd.name not in ids:
                raise RuleError(f"{sd}: shim directory of no rule: no rule with id {sd.name!r} "
                                f"in {d}/rules/*.toml")
    known = set(seen)
    out = []
    for r in user:
        for n in r.needs:
            if n not in known:
                raise RuleError(f"{r.source}: rule {r.id}: needs unknown rule {n!r}")
        for direction in DIRECTIONS:
            shipped = [r.shim_dir / f"{direction}{x}" for x in (".h", ".c")]
            if any(p.is_file() for p in shipped) and direction not in r.shims:
                raise RuleError(f"{r.source}: rule {r.id}: ships {direction} C in {r.shim_dir} "
                                f"without [rule.shim.{direction}] why = ... (why it is faithful)")
        m = r.shim_dir / "shim.toml"
        out.append(replace(r, manifest=_parse_manifest(m, r.id, known, str(m))) if m.is_file() else r)
    return tuple(sorted((*builtin, *out), key=lambda r: r.id))
