"""Ask a kernel tree which API variants it has: fast, attributed, cached probes.

Vendor kernels backport, so ``LINUX_VERSION_CODE`` lies; kbridge asks the
target itself. Each rule (:mod:`kbridge.knowledge.rules`) carries a compile
probe -- a C snippet plus the regular expression of the diagnostic gcc gives
when the snippet's API is missing -- and a header probe (a pattern over the
tree's headers) for trees that cannot compile anything.

How compile probes run (``method = "compile"``):

1. The tree's own module compile command is extracted once from a dummy
   kbuild run and cached (:mod:`kbridge.actions.kbuild_flags`), so probes are
   compiled exactly as kbuild compiles a module file: same gcc, same flags,
   same ``-Werror=`` set.
2. The probes are answered by the very runner a layer ships
   (:mod:`kbridge.actions.bridge.buildtime`: ``kb_conftest.sh``, sh + awk):
   its files are written to a temporary directory and the script runs with
   this compile command. It batches all probes in ONE ``-fsyntax-only``
   translation unit, attributes gcc's errors to probes, re-runs doubtful
   ones alone, and writes one answer per rule -- present, missing (the first
   error is the rule's ``absent`` diagnostic) or broken (alone, it failed for
   another reason: a bug in the rule, never an answer; result None). So
   ``kbridge probe`` and a layer's build-time probes cannot disagree.

The guard (``KB_HAVE_...``) is 1 when the target has the NEW API: the
snippet compiled, or for ``inverted`` probes (which use the OLD API) the
snippet failed with the expected diagnostic.

Each answer also has a ``state`` (:func:`kbridge.knowledge.rules.state_of`):
"new" or "old" for a rule with one side (the side it does not probe is
assumed when the probed one is missing), and for a rule that states both
sides (``[rule.probe.old]`` / ``[rule.probe.new]``) also "neither" (the
kernel has neither API: older than the old one, or newer than both) and
"both". Both sides are snippets of the same runner run; the state decides
which shim may apply (:meth:`kbridge.knowledge.rules.Rule.shim_condition`).

Answers are cached in SQLite under the kbridge cache, keyed by the tree's
fingerprint (its .config and the content of every header the compiler can
see), the compile command and compiler version, and the probe's full text;
WAL mode and ``INSERT OR REPLACE`` make concurrent runs safe.

Library entry points: :func:`probe` and :func:`config_header`.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kbridge.actions import kbuild_flags
from kbridge.actions.kbuild import run_tool
from kbridge.actions.kbuild_flags import CompileCommand
from kbridge.errors import KbridgeError
from kbridge.facts.targets import KernelTree
from kbridge.knowledge.rules import HeaderProbe, Rule, state_of
from kbridge.storage import cache_root

SCHEMA_VERSION = "2"          # bump when the meaning of a cached answer changes
METHODS = ("auto", "compile", "header")


@dataclass(frozen=True)
class ProbeResult:
    """One rule's answer on one tree."""

    rule: str
    guard: str
    result: bool | None            # the guard's value; None when the probe is broken
    method: str                    # "compile" | "header"
    seconds: float
    evidence: str                  # the compiler's line, or the header match
    status: str                    # "present" | "missing" | "broken" | "unknown" (no header pattern)
    cached: bool = False
    alone: bool = False            # answered by a solo re-run
    # "new" | "old" | "neither" | "both" (None: broken or unknown); "status" and
    # "evidence" are those of the rule's own snippet, "old" holds the other side's
    # (status, evidence) of a two-sided rule
    state: str | None = None
    other: tuple[str, str] | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "rule": self.rule, "result": self.result, "method": self.method,
            "seconds": round(self.seconds, 4), "evidence": self.evidence,
            "guard": self.guard, "status": self.status, "cached": self.cached, "state": self.state}
        if self.other is not None:
            out["other"] = {"status": self.other[0], "evidence": self.other[1]}
        return out


# --------------------------------------------------------------------------- cache

class ProbeCache:
    """SQLite store of compile commands, tree fingerprints and answers (safe to share)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(str(path), timeout=60, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        with self.db:
            self.db.execute("CREATE TABLE IF NOT EXISTS commands (key TEXT PRIMARY KEY, value TEXT)")
            self.db.execute("CREATE TABLE IF NOT EXISTS fingerprints (key TEXT PRIMARY KEY, value TEXT)")
            self.db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT)")

    @classmethod
    def default(cls, cache_dir: Path | None = None) -> ProbeCache:
        d = cache_root(cache_dir) / "probe"
        d.mkdir(parents=True, exist_ok=True)
        return cls(d / "probe.sqlite")

    def get(self, table: str, key: str) -> str | None:
        row = self.db.execute(f"SELECT value FROM {table} WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put_many(self, table: str, items: list[tuple[str, str]]) -> None:
        if not items:
            return
        # one write transaction (autocommit mode would make one per row)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(f"INSERT OR REPLACE INTO {table} (key, value) VALUES (?, ?)", items)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


def _walk_files(roots: list[Path]) -> list[tuple[str, int, int, int]]:
    out = []
    for root in roots:
        if root.is_file():
            st = root.stat()
            out.append((str(root), st.st_size, st.st_mtime_ns, st.st_ino))
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                p = os.path.join(dirpath, name)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                out.append((p, st.st_size, st.st_mtime_ns, st.st_ino))
    return out


def _stat_digest(files: list[tuple[str, int, int, int]]) -> str:
    return hashlib.sha256("\n".join(f"{p}\0{s}\0{m}\0{i}" for p, s, m, i in files)
                          .encode()).hexdigest()


def _known_fingerprint(files: list[tuple[str, int, int, int]], cache: ProbeCache | None) -> str | None:
    return cache.get("fingerprints", _stat_digest(files)) if cache is not None else None


def _content_fingerprint(files: list[tuple[str, int, int, int]], cache: ProbeCache | None) -> str:
    h = hashlib.sha256()
    for p, _s, _m, _i in files:
        h.update(p.encode() + b"\0")
        try:
            with open(p, "rb") as fh:
                h.update(hashlib.sha256(fh.read()).digest())
        except OSError:
            h.update(b"unreadable")
    digest = h.hexdigest()
    if cache is not None:
        # own connection: this may run in a worker thread
        db = sqlite3.connect(str(cache.path), timeout=60, isolation_level=None)
        try:
            with db:
                db.execute("INSERT OR REPLACE INTO fingerprints (key, value) VALUES (?, ?)",
                           (_stat_digest(files), digest))
        finally:
            db.close()
    return digest


def tree_fingerprint(tree: KernelTree, roots: list[Path], cache: ProbeCache | None) -> str:
    """A digest of the tree's .config and of the content of every file under *roots*.

    Hashing ~45 MB of headers takes about half a second, so the content digest
    is remembered under a digest of the files' (path, size, mtime, inode): a
    warm run only stats them. A changed header changes its stat, so the
    content is re-read.
    """
    files = _walk_files(roots + [tree.path / ".config"])
    return _known_fingerprint(files, cache) or _content_fingerprint(files, cache)


def _probe_text(rule: Rule, method: str) -> str:
    p = rule.probe
    header = f"{p.header.file}\0{p.header.pattern}" if p.header else ""
    other = []
    if p.other is not None:
        o = p.other
        other = [o.side, *o.includes, "|", o.code, o.absent,
                 f"{o.header.file}\0{o.header.pattern}" if o.header else ""]
    return "\0".join([SCHEMA_VERSION, method, rule.id, rule.guard, *p.includes, "|", p.code,
                      p.absent, str(p.inverted), header, *other])


def _answer_key(tree_fp: str, cmd: CompileCommand | None, rule: Rule, method: str) -> str:
    h = hashlib.sha256()
    h.update(tree_fp.encode())
    if cmd is not None:
        h.update("\0".join(cmd.argv).encode())
        h.update(cmd.compiler_version.encode())
    h.update(_probe_text(rule, method).encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- compile probes

@dataclass
class _Outcome:
    status: str          # "present" | "missing" | "broken"
    evidence: str


def _compile_probes(tree: KernelTree, cmd: CompileCommand, rules: list[Rule], jobs: int = 2
                    ) -> dict[str, tuple[_Outcome, float, bool]]:
    """Outcome, seconds and 'answered alone' per rule id, from the build-time runner.

    The files a layer ships (:mod:`kbridge.actions.bridge.buildtime`) are
    written to a temporary directory and its ``kb_conftest.sh`` runs there,
    with this tree's compile command in place of kbuild's make variables: the
    one implementation that decides present / missing / broken.
    """
    from kbridge.actions.bridge import buildtime

    with tempfile.TemporaryDirectory(prefix="kbridge-probe-") as tmp:
        work = Path(tmp)
        (work / "probes").mkdir()
        for rel, text in buildtime.runner_files(rules).items():
            (work / rel).write_text(text)
        (work / "flags").write_text(" ".join(cmd.argv[1:]) + "\n")
        t0 = time.monotonic()
        proc = run_tool(tree, ["sh", str(work / "kb_conftest.sh"), str(work), str(work / "flags"),
                               cmd.compiler], cwd=cmd.cwd, binds=(work,),
                        env={"KB_PROBE_JOBS": str(max(1, jobs))})
        share = (time.monotonic() - t0) / max(len(rules), 1)
        answers = work / ".kb_answers"
        if not answers.is_file():
            raise KbridgeError(f"the probe runner gave no answers: {proc.stdout.strip()[-2000:]}")
        out: dict[str, tuple[_Outcome, float, bool]] = {}
        for line in answers.read_text().splitlines():     # one per snippet (a rule, or a side)
            rid, status, how, *evidence = line.split(" ", 3)
            out[rid] = (_Outcome(status, evidence[0] if evidence else ""), share, how == "alone")
    lost = [sn.name for sn in buildtime.snippets(rules) if sn.name not in out]
    if lost:
        raise KbridgeError(f"the probe runner did not answer {', '.join(lost)}: {proc.stdout.strip()[-2000:]}")
    return out


def render_alone(rule: Rule) -> str:
    """The probe as a self-contained module source file: its includes, then its code.

    The file the runner compiles for a probe alone (``compat/probes/<rule>.c``);
    :func:`kbuild_answers` compiles exactly this with real kbuild.
    """
    from kbridge.actions.bridge import buildtime
    return buildtime.probe_alone(rule)


def kbuild_answers(tree: KernelTree, rules: list[Rule], *, jobs: int = 2
                   ) -> dict[str, tuple[str, str]]:
    """(status, evidence) per rule id from ONE real kbuild run, each probe its own object.

    The reference the batched answers are tested against (and the OpenZFS
    configure style in bench/): ``make -k -jN`` over a module directory with
    one ``p_<id>.o`` per rule, so every probe is compiled alone by kbuild
    itself, with code generation and objtool. An object that exists compiled.
    """
    from kbridge.actions.kbuild import parse_log, run_kbuild

    out: dict[str, tuple[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="kbridge-probe-kbuild-") as tmp:
        work = Path(tmp)
        objs = []
        for r in rules:
            (work / f"p_{r.id}.c").write_text(render_alone(r))
            objs.append(f"p_{r.id}.o")
        (work / "Kbuild").write_text("".join(f"obj-m += {o}\n" for o in objs))
        proc = run_kbuild(work, tree, jobs=jobs, extra=("-k",))
        diags, _ = parse_log(proc.stdout, work)
        for r in rules:
            if (work / f"p_{r.id}.o").is_file():
                out[r.id] = ("present", "")
                continue
            errs = [f"{d.severity}: {d.message}" for d in diags
                    if d.file == f"p_{r.id}.c" and d.severity != "warning"]
            if not errs:   # gcc complained only inside headers (not self-contained ones)
                other = [f"{d.file}:{d.line}: {d.message}" for d in diags
                         if not d.file.startswith("p_") and d.severity != "warning"]
                out[r.id] = ("broken", "; ".join(other[:3]) or "no object and no error from gcc")
            elif re.search(r.probe.absent, errs[0]):
                out[r.id] = ("missing", errs[0])
            else:
                out[r.id] = ("broken", "; ".join(errs[:3]))
    return out


# --------------------------------------------------------------------------- header probes

def header_roots(tree: KernelTree) -> list[Path]:
    """Where a tree's headers live, most specific first (flavour tree, then -common)."""
    src = kbuild_flags._source_tree(tree)
    # an unconfigured tree does not say its architecture: assume the host's
    machine = tree.arch or platform.machine()
    arch = {"x86_64": "x86", "i386": "x86", "i686": "x86", "powerpc64": "powerpc",
            "aarch64": "arm64"}.get(machine, machine)
    roots = []
    for base in dict.fromkeys([tree.path, src]):
        if arch:
            roots += [base / "arch" / arch / "include", base / "arch" / arch / "include" / "generated"]
        roots += [base / "include"]
    return [r for r in roots if r.is_dir()]


def _header_probe(tree: KernelTree, rule: Rule, roots: list[Path], hp: HeaderProbe | None = None,
                  ) -> tuple[bool | None, str]:
    hp = hp or rule.probe.header
    if hp is None:
        return None, "rule has no header probe"
    for root in roots:
        f = root / hp.file
        if f.is_file():
            text = f.read_text(errors="replace")
            m = re.search(hp.pattern, text, re.M)
            if m:
                line = text.count("\n", 0, m.start()) + 1
                snippet = text.splitlines()[line - 1].strip() if text else ""
                return True, f"{hp.file}:{line}: {snippet}"
            return False, f"{hp.file}: no match for /{hp.pattern}/"
    return False, f"{hp.file}: no such header"


# --------------------------------------------------------------------------- entry points

def probe(tree: KernelTree, rules: list[Rule], cache: ProbeCache | Path | None = None, *,
          method: str = "auto", use_cache: bool = True, jobs: int = 2) -> list[ProbeResult]:
    """Answer every rule on *tree*; results in the order of *rules*.

    *cache* is a :class:`ProbeCache`, a cache directory, or None for the
    default kbridge cache. *method* "auto" compiles when the tree is
    configured and falls back to header probes otherwise. A result's
    ``result`` is the guard's value (True: the tree has the new API); None
    means the probe is broken (it failed for a reason other than its
    expected diagnostic), which is a bug in the rule, never an answer.
    """
    if method not in METHODS:
        raise KbridgeError(f"unknown probe method {method!r}; use one of {', '.join(METHODS)}")
    if method == "auto":
        method = "compile" if tree.configured else "header"
    own_cache = False
    if not isinstance(cache, ProbeCache):
        cache = ProbeCache.default(cache) if use_cache else None
        own_cache = cache is not None
    try:
        return _probe(tree, rules, cache if use_cache else None, method, jobs)
    finally:
        if own_cache and cache is not None:
            cache.close()


def _probe(tree: KernelTree, rules: list[Rule], cache: ProbeCache | None, method: str,
           jobs: int) -> list[ProbeResult]:
    if method == "header":
        roots = header_roots(tree)
        results = []
        for r in rules:
            t0 = time.monotonic()
            found, evidence = _header_probe(tree, r, roots)
            # a rule without a header pattern cannot be answered this way: unknown, not broken
            status = "unknown" if found is None else ("present" if found else "missing")
            other = None
            if r.probe.other is not None and r.probe.other.header is not None and found is not None:
                o_found, o_evidence = _header_probe(tree, r, roots, r.probe.other.header)
                other = ("present" if o_found else "missing", o_evidence)
            results.append(_result(r, "header", status, evidence, other, time.monotonic() - t0))
        return results

    cmd = kbuild_flags.compile_command(tree, cache.db if cache else None)
    if cache is None:       # nothing to look up or store: no fingerprint needed
        outcomes = _compile_probes(tree, cmd, rules, jobs)
        return [_make_result(r, cmd, outcomes) for r in rules]
    roots = cmd.include_dirs()
    files = _walk_files(roots + [tree.path / ".config"])
    fp = _known_fingerprint(files, cache)
    speculative = None
    if fp is None:
        # The headers changed (or were never seen): hashing their content takes
        # ~0.5 s, so compile every probe meanwhile; cached answers, if the
        # content turns out to be known after all, still win.
        with ThreadPoolExecutor(max_workers=1) as pool:
            fut = pool.submit(_content_fingerprint, files, cache)
            speculative = _compile_probes(tree, cmd, rules, jobs)
            fp = fut.result()
    keys = {r.id: _answer_key(fp, cmd, r, "compile") for r in rules}
    known: dict[str, ProbeResult] = {}
    if cache is not None:
        for r in rules:
            hit = cache.get("answers", keys[r.id])
            if hit:
                d = json.loads(hit)
                known[r.id] = ProbeResult(r.id, r.guard, d["result"], "compile", 0.0,
                                          d["evidence"], d["status"], cached=True, state=d["state"],
                                          other=tuple(d["other"]) if d.get("other") else None)
    todo = [r for r in rules if r.id not in known]
    if todo:
        outcomes = speculative if speculative is not None else _compile_probes(tree, cmd, todo, jobs)
        fresh = []
        for r in todo:
            res = _make_result(r, cmd, outcomes)
            known[r.id] = res
            if res.status != "broken" and (res.other is None or res.other[0] != "broken"):
                # a broken probe is re-tried next time
                fresh.append((keys[r.id], json.dumps(
                    {"result": res.result, "evidence": res.evidence, "status": res.status,
                     "state": res.state, "other": list(res.other) if res.other else None},
                    sort_keys=True)))
        if cache is not None:
            cache.put_many("answers", fresh)
    return [known[r.id] for r in rules]


def _make_result(r: Rule, cmd: CompileCommand, outcomes: dict[str, tuple[_Outcome, float, bool]]
                 ) -> ProbeResult:
    """A rule's answer from the runner's answers to its snippet(s) (buildtime.snippets)."""
    from kbridge.actions.bridge import buildtime

    o, secs, alone = outcomes[r.id]
    other = None
    if r.probe.other is not None:
        oo, osecs, oalone = outcomes[buildtime.side_names(r)[r.probe.other.side]]
        other = (oo.status, oo.evidence or f"compiles with {cmd.compiler_version}")
        secs, alone = secs + osecs, alone or oalone
    evidence = o.evidence or f"compiles with {cmd.compiler_version}"
    res = _result(r, "compile", o.status, evidence, other, secs)
    return ProbeResult(res.rule, res.guard, res.result, res.method, res.seconds, res.evidence,
                       res.status, alone=alone, state=res.state, other=res.other)


def _result(r: Rule, method: str, status: str, evidence: str, other: tuple[str, str] | None,
            secs: float) -> ProbeResult:
    """The answer of rule *r*: *status* of its own snippet (present, missing, broken, unknown),
    *other* the (status, evidence) of its other side (two-sided rules). The state is
    :func:`state_of` of the two sides; the guard (``result``) is "the new API is there"."""
    def seen(st: str | None) -> bool | None:
        return None if st in (None, "broken", "unknown") else st == "present"

    own = seen(status)
    if status in ("broken", "unknown") or (other is not None and other[0] in ("broken", "unknown")):
        state = None
    elif r.probe.other is None or other is None:
        state = state_of(None, own) if r.probe.inverted else state_of(own, None)
    else:
        o = seen(other[0])
        state = state_of(o, own) if r.probe.inverted else state_of(own, o)
    if state is None:
        value = None
    else:
        value = state in ("new", "both")
    if other is not None and other[0] == "broken" and status != "broken":
        status, evidence = "broken", f"its {r.probe.other.side} side: {other[1]}"  # type: ignore[union-attr]
    return ProbeResult(r.id, r.guard, value, method, secs, evidence, status, state=state, other=other)


def config_header(results: list[ProbeResult]) -> str:
    """The kb_config.h text for *results*: one ``#define KB_HAVE_X 1`` or
    ``/* #undef KB_HAVE_X */`` per rule, sorted by guard, byte-for-byte
    deterministic (no dates, no paths, no timings). A broken probe is left
    undefined with a comment saying so."""
    out = ["/* kb_config.h: kernel API features probed by kbridge. Generated; do not edit. */",
           "#ifndef KB_CONFIG_H", "#define KB_CONFIG_H", ""]
    for r in sorted(results, key=lambda r: r.guard):
        if r.result is None:
            why = "probe broken" if r.status == "broken" else "not answerable by header probes"
            out.append(f"/* #undef {r.guard} */ /* {r.rule}: {why} */")
        elif r.result:
            out.append(f"#define {r.guard} 1")
        else:
            out.append(f"/* #undef {r.guard} */")
        if r.other is not None and r.state is not None:     # two-sided: the old side's macro too
            old_guard = "KB_OLD_" + r.guard[len("KB_HAVE_"):]
            out.append(f"#define {old_guard} 1" if r.state in ("old", "both") else f"/* #undef {old_guard} */")
    out += ["", "#endif /* KB_CONFIG_H */", ""]
    return "\n".join(out)
