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


import pytest

from kbridge.actions import prune as pr
from kbridge.knowledge import rules as rules_mod

from test_prune_unifdef import kv, unifdef


@pytest.mark.slow
def test_inline_outputs_prune_like_unifdef(corpus: dict, inline_corpus) -> None:  # type: ignore[no-untyped-def]
    rules = rules_mod.load()
    checked = guarded = 0
    for label, entry in sorted(corpus.items()):
        home_series = entry.series
        target_series = "6.1" if home_series == "6.12" else "6.12"
        target_version = next(e.version for e in corpus.values() if e.series == target_series)
        for guards in ("feature", "version"):
            # every corpus driver bridges inline both ways with both guard styles (a rule whose
            # release is unknown keeps its feature guard under version guards): a refusal fails
            # (the OUTs are conftest.inline_corpus's, shared with test_inline's round trip)
            out, _ = inline_corpus(guards)[label]
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
