"""The mutation check: does each shim's behaviour test fail when the shim is stubbed?

Not a test module itself. tests/mutations.toml lists the mutations (one piece
of one shim replaced by what a stub that "only quiets the compiler" would do);
:func:`run` applies one to a copy of the shim library and runs the named
behaviour test in a child pytest with ``KBRIDGE_SHIMS_DIR`` pointed at the
copy (child processes -- the kbridge CLI -- see it too); the real shims are
never touched. A mutation is *caught* when that test fails.

Two users:
* bench/bench_mutations.py runs every mutation (20-90 s each: a build and a
  guest boot per kernel) and, when all are caught, records a fingerprint of
  each mutated shim file in tests/mutations.lock;
* tests/test_mutations.py checks that every mutation still applies, and in CI
  runs the mutations whose shim file changed since that record -- "the shims a
  change touches" without depending on git history (CI gets a fresh clone).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHIMS = REPO / "src" / "kbridge" / "knowledge" / "shims"
TABLE = Path(__file__).resolve().parent / "mutations.toml"
LOCK = Path(__file__).resolve().parent / "mutations.lock"


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str       # relative to SHIMS (a fragment: ../fragments/NAME.h)
    old: str
    new: str
    test: str       # pytest node id, relative to the repository


def table() -> dict[str, Mutation]:
    with open(TABLE, "rb") as fh:
        data = tomllib.load(fh)
    return {name: Mutation(name, e["file"], e["old"], e["new"], e["test"]) for name, e in data.items()}


def fingerprint(rel: str) -> str:
    return hashlib.sha256((SHIMS / rel).read_bytes()).hexdigest()


def recorded() -> dict[str, str]:
    """Shim file -> fingerprint as of the last full run in which every mutation was caught."""
    try:
        return json.loads(LOCK.read_text())
    except (OSError, ValueError):
        return {}


def touched() -> list[Mutation]:
    """The mutations whose shim file differs from the record (or was never recorded)."""
    rec = recorded()
    return [m for m in table().values() if rec.get(m.file) != fingerprint(m.file)]


def apply(m: Mutation, dest: Path) -> None:
    """Copy the shim library to *dest* and apply *m* there; AssertionError if its text is not
    found exactly once (the table is stale)."""
    shutil.copytree(SHIMS, dest)
    shutil.copytree(SHIMS.parent / "fragments", dest.parent / "fragments")
    f = dest / m.file
    text = f.read_text()
    count = text.count(m.old)
    assert count == 1, f"mutation {m.name}: {m.file} has its text {count} times, not once"
    f.write_text(text.replace(m.old, m.new))


@dataclass
class Outcome:
    name: str
    caught: bool
    returncode: int
    summary: str
    seconds: float


def run(m: Mutation, *, python: str = sys.executable) -> Outcome:
    import time

    with tempfile.TemporaryDirectory(prefix=f"kbridge-mutation-{m.name}-") as tmp:
        dest = Path(tmp) / "shims"
        apply(m, dest)
        env = dict(os.environ, KBRIDGE_SHIMS_DIR=str(dest), KBRIDGE_FRAGMENTS_DIR=str(dest.parent / "fragments"))
        t0 = time.monotonic()
        # -n 0: pyproject's addopts run the suite on xdist workers, where -x ends a failing run
        # as "interrupted" (exit 2, not 1): every caught mutation read MISSED (session 11)
        # -m "": the test is named, so no mark of pyproject's -m deselects it (a sweep guest check)
        proc = subprocess.run([python, "-m", "pytest", "-q", "-x", "-n", "0", "-m", "", "-p", "no:cacheprovider",
                               m.test],
                              cwd=REPO, env=env, capture_output=True, text=True)
        lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
        why = [ln for ln in proc.stdout.splitlines() if ln.startswith("E ")][:2]
        summary = " ".join([lines[-1] if lines else "", *why])
        # caught = the test ran and failed (exit 1); 2-5 are pytest's own errors, not a verdict
        return Outcome(m.name, proc.returncode == 1, proc.returncode, summary, time.monotonic() - t0)


def record(names: list[str]) -> None:
    """Record the fingerprints of the shim files of *names* (all caught in a full run)."""
    tab = table()
    rec = recorded()
    for n in names:
        rec[tab[n].file] = fingerprint(tab[n].file)
    # files no mutation names any more drop out
    files = {m.file for m in tab.values()}
    LOCK.write_text(json.dumps({k: v for k, v in sorted(rec.items()) if k in files}, indent=1) + "\n")
