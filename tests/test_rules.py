"""The rule library: it loads, follows the conventions, and broken files are named by file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kbridge.knowledge import rules
from kbridge.knowledge.rules import RuleError

from conftest import FIXTURES

GOOD = '''
[[rule]]
id = "x_added"
api = ["x"]
kind = "added"
summary = "x"
since = "6.9"
commit = "unknown"
commit_title = "unknown"
guard = "KB_HAVE_X_ADDED"

[rule.probe]
includes = ["linux/kernel.h"]
code = "static inline int kb_probe(void) { return 0; }"
absent = "never"
'''


def test_library_loads_with_enough_rules_covering_the_corpus_errors() -> None:
    lib = rules.load()
    assert len(lib) >= 30
    ids = {r.id for r in lib}
    # every API behind the corpus cross-build errors, both directions
    for needed in ("blk_mq_alloc_disk_takes_limits", "queue_limits_update_api", "queue_limits_features",
                   "blk_queue_write_cache_is_query", "queue_flag_virt_removed", "blk_mode_t",
                   "blk_queue_disable_discard", "page_pool_types_header", "u64_stats_fetch_irq_removed",
                   "netdev_xdp_features", "fbinfo_flag_default_removed",
                   "fb_gen_default_deferred_sysmem_ops", "console_list_lock", "vm_flags_mod",
                   "snd_pcm_ops_copy_iov_iter", "pcm_uio_included", "drm_gem_prime_mmap_removed",
                   "pci_xen_swiotlb_init_late_removed", "scsi_host_template_const"):
        assert needed in ids, needed
    subsystems = {r.subsystem for r in lib}
    assert {"block", "net", "fb", "mm", "sound", "drm", "xen", "scsi"} <= subsystems


def test_every_rule_follows_the_conventions() -> None:
    for r in rules.load():
        assert r.guard == "KB_HAVE_" + r.id.upper(), r.id
        assert r.source.startswith(f"{r.subsystem}.toml:")
        assert re.fullmatch(r"unknown|\d+\.\d+", r.since)
        # header probes, for trees that cannot build: all but visibility rules, and the
        # dialect (kbuild.toml: it is in the kernel's Makefile, no header states it)
        assert r.probe.header is not None or r.probe.isolated or r.kind == "dialect_changed", r.id
        re.compile(r.probe.absent)


@pytest.mark.parametrize("mutation, where, needle", [
    (lambda t: t.replace('kind = "added"', 'kind = "added_maybe"'), 5, "'kind'"),
    (lambda t: t.replace('guard = "KB_HAVE_X_ADDED"', 'guard = "HAVE_X"'), 3, "'guard'"),
    (lambda t: t.replace('since = "6.9"', 'since = "six"'), 3, "'since'"),
    (lambda t: t.replace('absent = "never"', 'absent = "(("'), 3, "absent"),
    (lambda t: t.replace('absent = "never"', 'absent = "never"\nflavour = 1'), 3, "unknown key"),
    (lambda t: t.replace('[rule.probe]', '[rule.probe]\ninverted = "yes"'), 3, "inverted"),
    (lambda t: t.replace('summary = "x"\n', ''), 3, "'summary'"),
    (lambda t: t.replace('api = ["x"]', 'api = ["x"'), 5, "line"),
    (lambda t: t.replace('api = ["x"]', 'api = ["x"]\nreroutes = ["ndo_do_ioctl"]'), 3, "'reroutes'"),
])
def test_broken_file_is_reported_with_file_and_line(tmp_path: Path, mutation, where, needle) -> None:
    (tmp_path / "demo.toml").write_text(mutation(GOOD))
    rules._load_cached.cache_clear()
    with pytest.raises(RuleError) as exc:
        rules.load(tmp_path)
    msg = str(exc.value)
    assert re.match(r"demo\.toml:\d+: ", msg), msg
    assert int(msg.split(":")[1]) in range(2, where + 3), msg
    assert needle in msg, msg
    assert "\n" not in msg


def test_duplicate_ids_and_guards_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text(GOOD)
    rules._load_cached.cache_clear()
    with pytest.raises(RuleError, match=r"^b\.toml:3: duplicate rule id 'x_added' \(first at a\.toml:3\)"):
        rules.load(tmp_path)


def test_fixture_rules_load() -> None:
    fx = rules.load(FIXTURES / "rules")
    assert [r.id for r in fx][:2] == ["fx_a_cascade", "fx_b_missing"]


def test_cli_reports_a_broken_rules_dir_is_not_silently_empty(tmp_path: Path) -> None:
    rules._load_cached.cache_clear()
    with pytest.raises(RuleError, match="no such rules directory"):
        rules.load(tmp_path / "nope")


def test_every_shipped_shim_says_why_it_is_faithful() -> None:
    """A shim file (knowledge/shims/<id>/new_on_old.h, old_on_new.h, include/)
    without a [rule.shim.<direction>] why = ... in the rule is a rule bug."""
    missing = []
    for r in rules.load():
        for direction in rules.DIRECTIONS:
            shipped = any((r.shim_dir / f"{direction}{s}").is_file() for s in (".h", ".c"))
            if shipped and direction not in r.shims:
                missing.append((r.id, direction))
        if r.wrapped_headers and not r.shims:
            missing.append((r.id, "include/"))
    assert missing == []


@pytest.mark.parametrize("mutation, where, needle", [
    (lambda t: t.replace('api = ["x"]', 'api = ["linux/x.h"]'), 5, "kind 'added' is not one of"),
    (lambda t: t.replace('api = ["x"]\nkind = "added"', 'api = ["x"]\nkind = "member_added"'), 3,
     "no 'api' entry names a member"),
])
def test_api_entries_must_fit_the_kind(tmp_path: Path, mutation, where, needle) -> None:
    """The kind decides how an api entry is read: a header only for header_* kinds,
    and a member_* rule names its member as struct S.m."""
    (tmp_path / "demo.toml").write_text(mutation(GOOD))
    rules._load_cached.cache_clear()
    with pytest.raises(RuleError) as exc:
        rules.load(tmp_path)
    msg = str(exc.value)
    assert re.match(r"demo\.toml:\d+: rule x_added: ", msg), msg
    assert needle in msg, msg


def test_api_forms_follow_the_kind() -> None:
    assert [a.form for a in rules.api_uses("header_added", ("linux/skbuff_ref.h", "skb_frag_ref"))] == \
        ["header", "name"]
    m = rules.api_uses("member_added", ("struct net_device.xdp_features",))[0]
    assert (m.form, m.struct, m.member, m.names) == ("member", "net_device", "xdp_features",
                                                     ("net_device", "xdp_features"))
    assert rules.api_uses("added", ("struct rq_list",))[0].names == ("rq_list",)


SHIM_GOOD = '''# a manifest
needs = ["x_other"]

[new_on_old]
after = "linux/kernel.h"
cflags = ["-fms-extensions"]

[old_on_new]
noop = "a driver written for the old kernel does not call it"
'''


def _library_with_manifest(tmp_path: Path, monkeypatch, manifest: str) -> Path:
    lib = tmp_path / "rules"
    lib.mkdir()
    other = GOOD.replace("x_added", "x_other").replace("KB_HAVE_X_ADDED", "KB_HAVE_X_OTHER")
    (lib / "demo.toml").write_text(GOOD + other)
    shims = tmp_path / "shims"
    (shims / "x_added").mkdir(parents=True)
    (shims / "x_added" / "shim.toml").write_text(manifest)
    monkeypatch.setattr(rules, "SHIMS_DIR", shims)
    rules._load_cached.cache_clear()
    return lib


def test_shim_manifest_is_part_of_the_rule(tmp_path: Path, monkeypatch) -> None:
    lib = _library_with_manifest(tmp_path, monkeypatch, SHIM_GOOD)
    r = rules.by_id(rules.load(lib))["x_added"]
    rules._load_cached.cache_clear()
    assert r.manifest.needs == ("x_other",) and r.all_needs == ("x_other",)
    assert r.manifest.direction("new_on_old").after == "linux/kernel.h"
    assert r.manifest.direction("new_on_old").cflags == ("-fms-extensions",)
    assert r.manifest.direction("old_on_new").noop and r.manifest.direction("old_on_new").after is None


def test_shim_manifest_abi_declarations(tmp_path: Path, monkeypatch) -> None:
    lib = _library_with_manifest(tmp_path, monkeypatch, SHIM_GOOD + '\n[abi]\nextends = ["struct x"]\n'
                                 'grows = ["struct x_ops"]\nrenames = ["struct x_ops.get"]\n')
    r = rules.by_id(rules.load(lib))["x_added"]
    rules._load_cached.cache_clear()
    assert (r.manifest.abi_extends, r.manifest.abi_grows, r.manifest.abi_renames) == \
        (("struct x",), ("struct x_ops",), ("struct x_ops.get",))


@pytest.mark.parametrize("mutation, line, needle", [
    (lambda t: t.replace("after =", "aftr ="), 5, "unknown key(s) ['aftr'] in [new_on_old]"),
    (lambda t: 'colour = "red"\n' + t, 1, "unknown key(s) ['colour']"),
    (lambda t: t.replace("[old_on_new]", "[old_on_neu]"), 8, "unknown key(s) ['old_on_neu']"),
    (lambda t: t.replace('"x_other"', '"no_such_rule"'), 2, "needs unknown rule 'no_such_rule'"),
    (lambda t: t.replace('after = "linux/kernel.h"', "after = 3"), 5, "'new_on_old.after' must be"),
    (lambda t: t.replace('cflags = ["-fms-extensions"]', 'cflags = "-fms-extensions"'), 6, "cflags"),
    (lambda t: t.replace('needs = ["x_other"]', 'needs = "x_other"'), 2, "'needs' must be a list"),
    (lambda t: t + 'impossible = "no"\n', 10, "both noop and impossible"),
    (lambda t: t.replace('after = "linux/kernel.h"', 'after = "linux/kernel.h"\nrefused_reads = ["m"]'), 4,
     "without 'refused_why'"),
    (lambda t: t.replace('after = "linux/kernel.h"', 'after = "linux/kernel.h"\nrefused_includes = "x.h"'), 6,
     "'new_on_old.refused_includes' must be a list"),
    (lambda t: t.replace("[new_on_old]", "[new_on_old"), 4, "shim.toml:4:"),
    (lambda t: t + '\n[abi]\nwidens = ["struct x"]\n', 12, "unknown key(s) ['widens'] in [abi]"),
    (lambda t: t.replace('after = "linux/kernel.h"', 'after = "linux/kernel.h"\nanchors = ["struct x"]'), 6,
     "'new_on_old.anchors' must be a list of 'struct S.member' or NAME entries"),
    (lambda t: t.replace('after = "linux/kernel.h"', 'after = "linux/kernel.h"\nanchors = [[]]'), 6,
     "'new_on_old.anchors' must be a list"),
    (lambda t: t + '\n[abi]\ngrows = ["x_ops"]\n', 12, "'abi.grows' must be a list of 'struct S' names"),
    (lambda t: t + '\n[abi]\nrenames = ["struct x_ops"]\n', 12,
     "'abi.renames' must be a list of 'struct S.member' names"),
])
def test_broken_shim_manifest_is_reported_with_file_and_line(tmp_path: Path, monkeypatch, mutation,
                                                             line, needle) -> None:
    lib = _library_with_manifest(tmp_path, monkeypatch, mutation(SHIM_GOOD))
    with pytest.raises(RuleError) as exc:
        rules.load(lib)
    rules._load_cached.cache_clear()
    msg = str(exc.value)
    assert msg.startswith(f"shims/x_added/shim.toml:{line}: rule x_added: "), msg
    assert needle in msg, msg
    assert "\n" not in msg


def test_cli_refuses_a_broken_shim_manifest(tmp_path: Path) -> None:
    """Through the CLI: one error line naming file:line and the rule, exit 2."""
    import shutil
    from conftest import assert_bad_input, run_cli
    shims = tmp_path / "shims"
    shutil.copytree(rules.SHIMS_DIR, shims)
    manifest = shims / "blk_mode_t" / "shim.toml"
    manifest.write_text(manifest.read_text() + 'needs_too = ["blk_mode_t"]\n')
    proc = run_cli("probe", "6.12", "--rule", "blk_mode_t",
                   env={"KBRIDGE_SHIMS_DIR": str(shims), "KBRIDGE_CACHE_DIR": str(tmp_path / "cache")})
    assert_bad_input(proc, "shims/blk_mode_t/shim.toml:", "rule blk_mode_t:", "needs_too")


# --- two sides: [rule.probe.old] / [rule.probe.new] ---------------------------------

OLD_SIDE = '''
[rule.probe.old]
code = "static inline int kb_probe(void) { return x_old(); }"
absent = "implicit declaration of function 'x_old'"
'''


def test_a_rule_can_state_both_sides(tmp_path: Path) -> None:
    (tmp_path / "demo.toml").write_text(GOOD + OLD_SIDE)
    inverted = GOOD.replace("x_added", "y_removed").replace("X_ADDED", "Y_REMOVED").replace(
        '[rule.probe]', '[rule.probe]\ninverted = true') + OLD_SIDE.replace("probe.old", "probe.new")
    (tmp_path / "more.toml").write_text(inverted)
    rules._load_cached.cache_clear()
    x, y = rules.load(tmp_path)
    assert (x.probe.other.side, x.probe.other.includes) == ("old", ("linux/kernel.h",))
    assert x.probe.two_sided and x.old_guard == "KB_OLD_X_ADDED"
    assert y.probe.other.side == "new"
    # the shim of each direction needs the side it bridges from, and not the one it provides
    assert x.shim_condition("new_on_old") == "#if !defined(KB_HAVE_X_ADDED) && defined(KB_OLD_X_ADDED)"
    assert x.shim_condition("old_on_new") == "#if defined(KB_HAVE_X_ADDED) && !defined(KB_OLD_X_ADDED)"
    one = rules.load(FIXTURES / "rules")[0]
    assert not one.probe.two_sided and one.shim_condition("new_on_old") == f"#ifndef {one.guard}"


@pytest.mark.parametrize("mutation, needle", [
    (lambda t: t + OLD_SIDE.replace("probe.old", "probe.new"),
     "[rule.probe.new]: the probe's own code already is the new API (inverted is false); "
     "state the other side as [rule.probe.old]"),
    (lambda t: t.replace('[rule.probe]', '[rule.probe]\ninverted = true') + OLD_SIDE,
     "[rule.probe.old]: the probe's own code already is the old API (inverted = true)"),
    (lambda t: t + OLD_SIDE.replace('absent = ', 'flavour = 1\nabsent = '),
     "unknown key(s) in [rule.probe.old]: ['flavour']"),
    (lambda t: t + OLD_SIDE.replace("absent = \"implicit", "absent = \"((implicit"),
     "'probe.old.absent' is not a valid regular expression"),
    (lambda t: t + OLD_SIDE.replace("code = ", "includes = \"linux/x.h\"\ncode = "),
     "'probe.old.includes' must be a list"),
    (lambda t: t + OLD_SIDE.replace('code = "static inline int kb_probe(void) { return x_old(); }"\n', ''),
     "missing or empty string 'code'"),
    (lambda t: t.replace('absent = "never"', 'absent = "never"\nheader = { file = "x.h", pattern = "x" }')
     + OLD_SIDE, "[rule.probe.old] needs a 'header' too"),
])
def test_broken_other_side_is_reported_with_file_and_line(tmp_path: Path, mutation, needle) -> None:
    (tmp_path / "demo.toml").write_text(mutation(GOOD))
    rules._load_cached.cache_clear()
    with pytest.raises(RuleError) as exc:
        rules.load(tmp_path)
    msg = str(exc.value)
    assert msg.startswith("demo.toml:3: rule x_added: "), msg
    assert needle in msg, msg


def test_state_of_sides() -> None:
    """Two sides probed: four states; one side probed: that side or, when it is missing,
    the other one (what a one-sided rule always answered)."""
    s = rules.state_of
    assert (s(True, False), s(False, True), s(False, False), s(True, True)) == ("new", "old", "neither", "both")
    assert (s(True, None), s(False, None), s(None, True), s(None, False)) == ("new", "old", "old", "new")
    assert s(None, None) is None


def test_two_sided_rules_of_the_library() -> None:
    """The rules whose old API some target series lacks say so (found with `kbridge index 5.10`)."""
    by_id = rules.by_id(rules.load())
    assert by_id["blk_queue_max_secure_erase_sectors_removed"].probe.other.side == "new"
    assert by_id["netdev_change_proto_down"].probe.other.side == "old"
    for r in by_id.values():
        if r.probe.other is not None:
            assert (r.probe.header is None) == (r.probe.other.header is None), r.id
