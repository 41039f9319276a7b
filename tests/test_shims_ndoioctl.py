"""net_device_ops' device-ioctl split (5.15: ndo_eth_ioctl, ndo_siocdevprivate, ndo_siocbond,
ndo_siocwandev) for a 7.3 driver on 5.10: rule ndo_ioctl_split (net.toml).

kbtest_ndoioctl_new (written for the newer kernels: every split slot on kbiona, ndo_eth_ioctl
only on kbionb) is loaded natively on 7.3 and bridged (layer) on 5.10, beside
kbtest_ndoioctl_old (written for 5.10: the same answers from ndo_do_ioctl, kbiooa/kbioob),
native there. kbtest_ndoioctl_ex, built natively for the running kernel and loaded after
them, sends the MII, private (SIOCDEVPRIVATE+5 with a data pointer), bonding and WAN ioctls
the way that kernel's core does (5.10: ndo_do_ioctl; 7.3: dev_eth_ioctl() itself for MII, the
core's slot routing for the rest), to an absent slot and to a detached device, and fails its
init unless every answer is the one each driver gives on its own kernel (-EOPNOTSUPP for an
empty slot, -ENODEV when detached). Without the rule the bridged module does not build on
5.10 (no such members); with the trampoline's private routing stubbed (the mutation
ndo_ioctl_split_priv) it answers SIOCDEVPRIVATE+5 with -EOPNOTSUPP. The modules go into the
shared boots of 5.10 and 7.3 (tests/sharedboot.py): one entry per kernel, no boot of its own.
The other direction has no shim (the rule's old_on_new is noop): a 5.10 driver's
.ndo_do_ioctl is reported by kbridge check (ops-rerouted, tests/test_check.py).
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, probe_states, release
from sharedboot import Entry

NEW = FIXTURES / "layer" / "kbtest_ndoioctl_new"
OLD = FIXTURES / "layer" / "kbtest_ndoioctl_old"
EX = FIXTURES / "layer" / "kbtest_ndoioctl_ex"
SERIES = ("5.10", "6.1", "6.12", "7.2", "7.3")


@pytest.mark.parametrize("series", SERIES)
def test_probe_states(series, roots_ready):  # type: ignore[no-untyped-def]
    want = "old" if series == "5.10" else "new"
    assert probe_states(series, ["ndo_ioctl_split"]) == {"ndo_ioctl_split": want}


def _entry(series: str) -> Entry:
    """On 5.10: kbtest_ndoioctl_old natively, kbtest_ndoioctl_new bridged with the layer from
    7.3, then the exerciser; on 7.3 (the answers' reference): kbtest_ndoioctl_new natively and
    the exerciser."""
    def build(tmp_path):  # type: ignore[no-untyped-def]
        from kbridge.actions.bridge import bridge
        from kbridge.actions.guest import runner
        from kbridge.facts import driver as drv_mod
        from kbridge.facts import targets

        srcs = [("native", NEW)]
        if series == "5.10":
            o = tmp_path / "out"
            rep = bridge(drv_mod.load(NEW), [targets.resolve(s) for s in ("5.10", "7.3")],
                         "layer", o, home="7.3")
            assert not rep.unbridged, rep.unbridged
            assert "ndo_ioctl_split" in {str(s["rule"]) for s in rep.shims}
            srcs = [("native", OLD), ("bridged", o)]
        kos = []
        for name, src in (*srcs, ("ex", EX)):
            b, built = runner.build_for(src, release(series), tmp_path / name)
            assert built, (name, series, b.diagnostics[:5])
            kos += built
        return kos

    return Entry(f"ndoioctl:{series}", series, build)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    if name == "test_ioctls_reach_the_drivers_slots_in_guest":
        return [_entry(params["series"])]
    return []


@pytest.mark.slow
@pytest.mark.parametrize("series", ["5.10", "7.3"])
def test_ioctls_reach_the_drivers_slots_in_guest(series, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry(series))
    assert g.ok, (g.release, g.reasons, g.problems, [ln for ln in g.dmesg if "kbtest_ndoioctl" in ln])
    (ex,) = [ld for ld in g.modules if ld.name == "kbtest_ndoioctl_ex"]
    assert not [line for line in ex.dmesg if "FAIL" in line], ex.dmesg
    assert "kbtest_ndoioctl_ex: kbion ok" in ex.dmesg
    if series == "5.10":
        assert "kbtest_ndoioctl_ex: kbioo ok" in ex.dmesg
