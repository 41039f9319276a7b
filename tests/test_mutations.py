"""The mutation check in CI (see tests/mutation_check.py).

Every mutation of tests/mutations.toml must still apply to today's shims (a
stale entry would silently check nothing), and every mutation whose shim file
changed since the last full run (bench/bench_mutations.py, which records
tests/mutations.lock) runs here and must be caught: its behaviour test fails
on the stubbed shim.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import mutation_check

TOUCHED = mutation_check.touched()


@pytest.mark.parametrize("name", sorted(mutation_check.table()))
def test_mutation_applies(name: str, tmp_path: Path):
    m = mutation_check.table()[name]
    mutation_check.apply(m, tmp_path / "shims")
    assert (tmp_path / "shims" / m.file).read_text() != (mutation_check.SHIMS / m.file).read_text()
    assert (mutation_check.REPO / m.test.split("::")[0]).is_file(), m.test


def test_every_behaviour_test_named_exists():
    """The table names real test functions."""
    for m in mutation_check.table().values():
        path, _, func = m.test.partition("::")
        assert f"def {func.split('[')[0]}(" in (mutation_check.REPO / path).read_text(), m.test


@pytest.mark.slow
@pytest.mark.parametrize("name", [m.name for m in TOUCHED] or ["(none touched)"])
def test_touched_shim_mutation_is_caught(name: str):
    if name == "(none touched)":
        # nothing changed since the recorded full run: the record must cover every entry
        rec = mutation_check.recorded()
        assert all(m.file in rec for m in mutation_check.table().values())
        return
    out = mutation_check.run(mutation_check.table()[name])
    assert out.caught, f"mutation {name} not caught: {out.summary}"
