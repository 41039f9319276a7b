"""Differential test of prune against unifdef on the *inline* bridge outputs.

`kbridge bridge --strategy inline` (another engineer's part of issue 8) puts
both variants of each sensitive spot under ``#ifdef KB_HAVE_X`` (feature
guards) or a ``LINUX_VERSION_CODE >= KERNEL_VERSION(a, b, c)`` test (version
guards). For each corpus driver, bridged to the other series in both styles,
every .c/.h of the output (the driver's files and compat/) is pruned for the
home kernel and for the target kernel, one kernel each, and compared with
unifdef under the equivalence of test_prune_unifdef.py: ``-DLINUX_VERSION_CODE``
set to that kernel's code, KERNEL_VERSION() calls replaced by their values, and
each KB_HAVE guard the rules decide for that kernel given as -D (the API is
there) or -U (kbridge's config header leaves a false guard undefined).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kbridge.actions import prune as pr
from kbridge.facts import driver as drivers
from kbridge.knowledge import rules as rules_mod

from test_prune_unifdef import kv, unifdef


def _bridge(label: str, target_series: str, guards: str, out: Path, trees: list) -> None:
    from kbridge.actions.bridge import bridge
    from kbridge.facts import targets
    bridge(drivers.resolve(label), [targets.resolve(target_series, trees=trees)], "inline", out,
           guards=guards)


@pytest.mark.slow
def test_inline_outputs_prune_like_unifdef(corpus: dict, trees: list, tmp_path: Path) -> None:
    rules = rules_mod.load()
    checked = guarded = 0
    for label, entry in sorted(corpus.items()):
        home_series = entry.series
        target_series = "6.1" if home_series == "6.12" else "6.12"
        target_version = next(e.version for e in corpus.values() if e.series == target_series)
        for guards in ("feature", "version"):
            out = tmp_path / f"{entry.name}-{home_series}-{guards}"
            # every corpus driver bridges inline both ways with both guard styles (a rule whose
            # release is unknown keeps its feature guard under version guards): a refusal fails
            _bridge(label, target_series, guards, out, trees)
            for path in sorted(out.rglob("*")):
                if path.suffix not in (".c", ".h"):
                    continue
                text = path.read_text()
                guarded += "KB_HAVE_" in text or "LINUX_VERSION_CODE" in text
                for version in (entry.version, target_version):
                    code = pr.parse_kernel(version)
                    have = pr.rule_guard_values(code, code, rules)
                    defines = {g: 1 for g, v in have.items() if v}
                    undefs = {g for g, v in have.items() if not v}
                    got = pr.prune_text(text, min_kernel=code, max_kernel=code, use_rules=True)
                    rc, expected = unifdef(kv(text), {**defines, pr.VERSION_SYMBOL: code}, undefs)
                    assert rc != 2, f"{label} {guards} {path.name}: unifdef refused it"
                    assert kv(got) == expected, f"{label} {guards} {path.relative_to(out)} @ {version}"
                    checked += 1
    print(f"inline outputs: {checked} file x kernel checks, {guarded} guarded files")
    assert checked >= 24 * 2 * 2
    assert guarded >= 4          # at least the drivers that needed bridging carry guards
