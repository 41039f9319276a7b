"""Shims for the oldest and the newest series (rules/net.toml, timer.toml's hrtimer_setup),
proven on both kernels.

Two hand-written modules (tests/fixtures/layer/): kbtest_wide_old, written
against 5.10's RTNL-held link-ops registration (rule
rtnl_link_register_locked_removed) and hrtimer_init() (rule hrtimer_setup),
bridged to the newest series (7.3 today, which removed both); kbtest_wide_new,
written against the newest API (netfilter_netdev_header with nf_skip_egress,
netif_set_tso_max_size, ethtool_sprintf, hrtimer_setup), bridged to 5.10. Each is bridged with the layer and built
on both kernels, then BOTH are loaded in one boot per kernel -- bridged on the
other kernel, unbridged on their own, so the same checks pin the shims to the
kernels' own behaviour. Their inits check the API's promises (error codes,
boundaries, lock state, device removal; see their sources) and fail the load
with a FAIL line. ifb of each kernel bridged to the other is compared with the
target's own ifb by tests/test_guest_runtime.py.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, newest_series
from kbridge.actions.bridge import bridge
from kbridge.actions.guest.runner import modules_in
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets
from sharedboot import Entry

pytestmark = pytest.mark.slow

OLDEST = "5.10"
NEWEST = newest_series()
# module -> (the series it is written for, the series it is bridged to)
MODULES = {"kbtest_wide_old": (OLDEST, NEWEST), "kbtest_wide_new": (NEWEST, OLDEST)}
RULES = {"kbtest_wide_old": ["hrtimer_setup", "rtnl_link_register_locked_removed"],
         "kbtest_wide_new": ["ethtool_sprintf", "hrtimer_setup", "netfilter_netdev_header",
                             "netif_set_tso_max_size"]}


_BUILT: dict[str, list] = {}


def _built(root):  # type: ignore[no-untyped-def]
    """Each module bridged (layer) for its two kernels and built clean on both: {series: [.ko]}
    (once for both kernels' entries)."""
    import shutil
    if _BUILT:
        return _BUILT
    kos: dict[str, list] = {OLDEST: [], NEWEST: []}
    for name, (home, other) in MODULES.items():
        out = root / name
        rep = bridge(drv_mod.load(FIXTURES / "layer" / name),
                     [targets.resolve(home), targets.resolve(other)], "layer", out)
        assert not rep.unbridged, rep.unbridged
        rules_md = (out / "compat" / "RULES.md").read_text()
        for rid in RULES[name]:
            assert f"## {rid} (" in rules_md, (name, rid)
        for series in (home, other):
            b = root / f"{name}-{series}"
            shutil.copytree(out, b)
            proc = run_kbuild(b, targets.resolve(series))
            diags, undefined = parse_log(proc.stdout, b)
            assert proc.returncode == 0 and not diags and not undefined, (name, series,
                                                                           proc.stdout[-3000:])
            kos[series] += modules_in(b)
    _BUILT.update(kos)
    return _BUILT


def _entry(series: str) -> Entry:
    """Both modules on *series* (one bridged, one its own), for its shared boot
    (tests/sharedboot.py)."""
    return Entry(f"wide:{series}", series, lambda dest: _built(dest)[series])


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    return [_entry(params["series"])] if name == "test_wide_shims_behave_like_the_kernels_own_api" else []


@pytest.mark.parametrize("series", [OLDEST, NEWEST])
def test_wide_shims_behave_like_the_kernels_own_api(series, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry(series))
    assert g.ok, (series, g.reasons, [m.dmesg for m in g.modules])
    for name in MODULES:
        load = next(m for m in g.modules if m.name == name)
        assert f"{name}: ok" in load.dmesg, (series, load.dmesg)
