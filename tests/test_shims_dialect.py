"""The kernel's C dialect (rules/kbuild.toml, c_dialect_gnu11; issue 16, corpus item 1).

5.18 moved kbuild from -std=gnu89 to -std=gnu11 (e8c07082a810); 5.10.y still says gnu89 but
carries the backported <linux/cleanup.h>, whose scoped_guard() is a for loop declaring its
guard: snd_xen_front of 7.2/7.3 bridged onto 5.10 failed there ("'for' loop initial
declarations are only allowed in C99 or C11 mode"). The rule ships flags, not C: OUT's
Kbuild (layer and inline) adds -std=gnu11 -Wno-declaration-after-statement where the
kernel's own KBUILD_CFLAGS has -std=gnu89, nowhere else.

tests/fixtures/layer/kbtest_dialect is such a module (C99 for-loop declarations, guard(),
scoped_guard() with a break); written for the newest kernel, it is bridged onto 5.10 (the
one kernel the rule applies to), built clean in both strategies with the ABI check of its
structs against 5.10's BTF, and loaded in a 5.10 guest, where each lock is held exactly in
its scope.

Checked to fail first: with the shim stubbed (shim.toml's cflags_when naming a flag no
kernel has, so the flags are never added) the 5.10 builds fail with gcc's "'for' loop
initial declarations are only allowed in C99 or C11 mode" (layer and inline).
"""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES, newest_series, probe_states, release
from kbridge.actions.bridge import abi, bridge
from kbridge.actions.guest import runner
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets
from sharedboot import Entry, assert_all_checks_ok

FIXTURE = FIXTURES / "layer" / "kbtest_dialect"
CHECKS = ["for_scope", "guard_early_return", "guard_return", "scoped_guard", "scoped_guard_break"]


def test_probe_states_gnu89_only_on_5_10(roots_ready):  # type: ignore[no-untyped-def]
    for series, state in (("5.10", "old"), ("6.1", "new"), (newest_series(), "new")):
        assert probe_states(series, ["c_dialect_gnu11"]) == {"c_dialect_gnu11": state}, series


@pytest.fixture(scope="module")
def kernels(trees):  # type: ignore[no-untyped-def]
    return {s: targets.resolve(s, trees=trees) for s in ("5.10", newest_series())}


@pytest.fixture(scope="module")
def bridged(tmp_path_factory, kernels):  # type: ignore[no-untyped-def]
    out = {}
    home = kernels[newest_series()].version
    for strategy in ("layer", "inline"):
        o = tmp_path_factory.mktemp(f"dialect-{strategy}") / "kbtest_dialect"
        rep = bridge(drv_mod.load(FIXTURE), list(kernels.values()), strategy, o, home=home)
        assert rep.ok and not rep.unbridged, rep.unbridged
        assert [s["rule"] for s in rep.shims] == ["c_dialect_gnu11"], rep.shims
        out[strategy] = o
    return out


def test_kbuild_adds_the_dialect_only_on_a_gnu89_kernel(bridged):  # type: ignore[no-untyped-def]
    for strategy, o in bridged.items():
        kb = (o / "Kbuild").read_text()
        assert re.search(r"^ifneq \(\$\(filter -std=gnu89,\$\(KBUILD_CFLAGS\)\),\)\n"
                         r"ccflags-y \+= -std=gnu11 -Wno-declaration-after-statement\nendif$", kb, re.M), kb
        # the driver's files are untouched (inline: no spot, the dialect is not a name)
        assert (o / "kbtest_dialect.c").read_bytes() == (FIXTURE / "kbtest_dialect.c").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["layer", "inline"])
def test_builds_clean_on_5_10_and_its_own_kernel(bridged, kernels, strategy):  # type: ignore[no-untyped-def]
    for series, tree in kernels.items():
        proc = run_kbuild(bridged[strategy], tree)
        diags, undefined = parse_log(proc.stdout, bridged[strategy])
        assert proc.returncode == 0 and not diags and not undefined, (series, diags, proc.stdout[-3000:])


@pytest.mark.slow
def test_abi_of_the_gnu11_build_is_5_10s(bridged, kernels):  # type: ignore[no-untyped-def]
    """The layer built with -std=gnu11 on 5.10: every struct its DWARF describes (struct
    mutex, list_head, module ...) has 5.10's own layout."""
    (res,) = abi.check_out(bridged["layer"], [kernels["5.10"]], drv_mod.load(FIXTURE))
    assert res.ok and res.abi["ok"], [d.message for d in res.diagnostics]
    assert res.abi["checked"] > 0


def _entry() -> Entry:
    """The layer's module on 5.10, for 5.10's shared boot (tests/sharedboot.py): bridged as
    the module fixture `bridged` bridges it (that fixture is the other tests')."""
    def build(dest):  # type: ignore[no-untyped-def]
        kernels = [targets.resolve(s) for s in ("5.10", newest_series())]
        o = dest / "kbtest_dialect"
        rep = bridge(drv_mod.load(FIXTURE), kernels, "layer", o, home=kernels[-1].version)
        assert rep.ok and not rep.unbridged, rep.unbridged
        assert [s["rule"] for s in rep.shims] == ["c_dialect_gnu11"], rep.shims
        b, kos = runner.build_for(o, release("5.10"), dest / "built")
        assert b.ok, b.log
        return kos

    return Entry("dialect:5.10", "5.10", build)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    return [_entry()] if name == "test_scoped_locks_hold_exactly_their_scope_on_5_10" else []


@pytest.mark.slow
def test_scoped_locks_hold_exactly_their_scope_on_5_10(shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry())
    assert_all_checks_ok(g, "kbdialect", CHECKS, "kbtest_dialect")
