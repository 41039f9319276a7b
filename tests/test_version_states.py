"""Version guards answer the probes' four states (issue 16 item 5).

A two-sided rule that states its old API's releases (``old_since``, ``old_until``,
each with its upstream commit) answers "neither" below the old API and "both" while
the old API outlives the new one's release, from kernel versions alone: in
``layer.version_answers`` (kernels kbridge cannot probe) and in the inline
strategy's version-guard header (compat/kb_config.h). No shim is chosen on a
"neither" answer. Cheap: version arithmetic, the corpus blkfront's plan, and the
probes' cached answers on the installed trees.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from kbridge.actions.bridge import inline, layer
from kbridge.actions.probe import probe
from kbridge.actions.prune import prune_text
from kbridge.facts import driver as drv_mod
from kbridge.facts import series as series_mod
from kbridge.facts import targets
from kbridge.knowledge import rules as rules_mod


def _rule(rid: str, **old: str) -> rules_mod.Rule:
    return dataclasses.replace(rules_mod.by_id(rules_mod.load())[rid], **old)


def test_a_release_of_the_old_api_answers_neither_and_both() -> None:
    """A rule whose old API came in 5.12 (new API 6.9) answers "neither" on 5.10; with the
    old API kept until 6.11, "both" on 6.9 and 6.10 (failed before: a release knew two
    states, 5.10 answered "old")."""
    r = _rule("blk_mq_alloc_disk_takes_limits", old_since="5.12", old_since_commit="0" * 12)
    assert [r.state_at(v) for v in ("5.10.262", "5.12.0", "6.8.12", "6.9.0", "6.12.118")] == \
        ["neither", "old", "old", "new", "new"]
    both = dataclasses.replace(r, old_until="6.11", old_until_commit="0" * 12)
    assert [both.state_at(v) for v in ("5.10.0", "6.1.0", "6.9.0", "6.10.14", "6.11.0")] == \
        ["neither", "old", "both", "both", "new"]
    assert both.new_from == "6.11" and r.new_from == "6.9"
    # a range straddling a bound is undecided; without the fields, two states as before
    assert r.state_over(0x050a00, 0x050d00) is None
    plain = _rule("blk_mq_alloc_disk_takes_limits", old_since=None, old_since_commit=None)
    assert not plain.old_bounded and plain.state_at("5.10.0") == "old"
    assert layer.version_answers([r], "5.10.262") == {r.id: "neither"}


def test_no_shim_is_chosen_on_a_neither_version_answer() -> None:
    """6.12's blkfront planned from versions for 5.10 and 6.1: the blk-mq disk allocation's
    new_on_old shim is on for 6.1 ("old") and not chosen for 5.10 ("neither": nothing to
    bridge from). Failed before: 5.10 answered "old" and got the shim. 5.10 is not left
    unbridged: the rule of the allocator's arrival (blk_mq_alloc_disk_added, 5.14) gives it
    the call (a 'neither' nothing covers is reported: test_buildtime_probes'
    test_both_apis_on_a_kernel_need_no_shim)."""
    rules = rules_mod.load()
    d = drv_mod.resolve("xen-blkfront@6.12")
    needed = layer.needed_rules(rules, d)
    rid = "blk_mq_alloc_disk_takes_limits"
    assert rid in {r.id for r in needed}
    home = layer.version_answers(needed, "6.12.0")
    assert home[rid] == "new"
    old = layer.plan(rules, d, home, [layer.version_answers(needed, "5.10.0")], ["5.10"])
    assert old.shims == [] or rid not in {s.rule.id for s in old.shims}
    assert not any(u.rule == rid for u in old.unbridged), old.unbridged
    assert ("blk_mq_alloc_disk_added", "new_on_old") in {(s.rule.id, s.direction) for s in old.shims}
    new = layer.plan(rules, d, home, [layer.version_answers(needed, "6.1.0")], ["6.1"])
    assert (rid, "new_on_old") in {(s.rule.id, s.direction) for s in new.shims}


def _defined(header: str, version: str) -> set[str]:
    """The KB_* macros compat/kb_config.h (version guards) defines on a kernel *version*."""
    text = prune_text(header, min_kernel=version, max_kernel=version, use_rules=False)
    return set(re.findall(r"^#define (KB_\w+) 1$", text, re.M))


def test_version_guards_agree_with_the_probes_on_every_series(roots_ready) -> None:
    """Every two-sided rule that states its old API's releases: on every installed series,
    the state from versions (layer.version_answers) and the macros the inline strategy's
    version-guard header defines are what the probes answer on the tree."""
    bounded = [r for r in rules_mod.load() if r.old_bounded]
    assert bounded, "some library rule states its old API's releases"
    header = inline.version_config(bounded)
    checked, seen = 0, set()
    for s in series_mod.names():
        tree = targets.resolve(s)
        assert tree.version, tree
        answers = {p.rule: p.state for p in probe(tree, bounded)}
        assert layer.version_answers(bounded, tree.version) == answers, s
        macros = _defined(header, tree.version)
        for r in bounded:
            st = answers[r.id]
            assert (r.guard in macros) == (st in ("new", "both")), (s, r.id, st)
            assert (r.old_guard in macros) == (st in ("old", "both")), (s, r.id, st)
            checked += 1
        seen.update(answers.values())
    assert "neither" in seen, seen       # the oldest series predates some rule's old API
    assert checked == len(bounded) * len(series_mod.names())


def test_version_spots_follow_a_both_span() -> None:
    """A driver on the old API keeps its own lines while the old API is there, "both" too
    (as the feature guards do): its spot switches at old_until, not at since."""
    r = _rule("blk_mq_alloc_disk_takes_limits", old_since="5.12", old_since_commit="0" * 12,
              old_until="6.11", old_until_commit="0" * 12)
    g = inline.Guards("version", {r.id: r}, {r.id: False})
    lines = g.spot([r.id], [b"old();\n"], [b"kb_old();\n"])
    assert lines[0] == b"#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)\n", lines
    assert g.needs_compat([r.id]) == b"#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)\n"
    header = inline.version_config([r])
    assert _defined(header, "6.10.0") == {r.guard, r.old_guard}
    assert _defined(header, "5.10.0") == set()


@pytest.mark.parametrize("extra, needle", [
    ('old_since = "5.12"\n', "'old_since' and 'old_since_commit' go together"),
    ('old_since = "5.12"\nold_since_commit = "unknown"\n', "'old_since_commit' = 'unknown' is not valid"),
    ('old_since = "unknown"\nold_since_commit = "0123456789ab"\n', "'old_since' = 'unknown' is not valid"),
    ('old_since = "6.9"\nold_since_commit = "0123456789ab"\n', "is not before since = '6.9'"),
    ('old_since = "5.12"\nold_since_commit = "0123456789ab"\nold_until = "5.12"\n'
     'old_until_commit = "0123456789ab"\n', "old_since = '5.12' is not before old_until = '5.12'"),
])
def test_broken_old_releases_are_reported(tmp_path, extra, needle) -> None:  # type: ignore[no-untyped-def]
    from test_rules import GOOD, OLD_SIDE
    (tmp_path / "demo.toml").write_text(GOOD.replace('guard = ', extra + 'guard = ') + OLD_SIDE)
    rules_mod._load_cached.cache_clear()
    with pytest.raises(rules_mod.RuleError) as exc:
        rules_mod.load(tmp_path)
    assert str(exc.value).startswith("demo.toml:3: rule x_added: ") and needle in str(exc.value), exc.value


def test_old_releases_need_the_old_side_probed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from test_rules import GOOD, OLD_SIDE
    extra = 'old_since = "5.12"\nold_since_commit = "0123456789ab"\n'
    (tmp_path / "demo.toml").write_text(GOOD.replace('guard = ', extra + 'guard = '))
    rules_mod._load_cached.cache_clear()
    with pytest.raises(rules_mod.RuleError, match="a one-sided rule answers only new or old"):
        rules_mod.load(tmp_path)
    (tmp_path / "demo.toml").write_text(GOOD.replace('guard = ', extra + 'guard = ') + OLD_SIDE)
    rules_mod._load_cached.cache_clear()
    (x,) = rules_mod.load(tmp_path)
    assert (x.old_since, x.old_since_commit, x.old_until) == ("5.12", "0123456789ab", None)
    assert x.state_at("5.10.0") == "neither" and x.state_at("6.9.0") == "new"
