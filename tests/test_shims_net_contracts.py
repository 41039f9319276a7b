"""The netdev shims' contracts that a registration-time copy of the ops broke.

Issue #13, finding 3: the layer used to hand the kernel a copy of the driver's
net_device_ops ("the box") and convert dev->lltx / change_proto_down (and
6.1's NETIF_F_LLTX / IFF_CHANGE_PROTO_DOWN) only in register_netdev()/
register_netdevice() wrappers. Two small modules, one written against each
kernel's API (tests/fixtures/layer/kbtest_netc_new|old), print what the
kernel does with them ("kbc KEY=VALUE" lines, see their comments): pointer
identity of the ops (`dev->netdev_ops == &ops`) for nine distinct tables,
lockless transmit before and after a feature update, a kmalloc'd table freed
and another allocated in its place, a device the rtnetlink core creates for
a link type without .newlink (`ip link add ... type KIND` in the guest),
proto_down, a module unloaded and loaded again, and (6.1's API on 6.12)
`priv_flags &= ~IFF_TX_SKB_NO_LINEAR` in the widened priv_flags.

Each module is first run natively on its own kernel (what the API does), then
bridged (layer, inline) and run on the other kernel: the lines must be equal.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod

NEW = FIXTURES / "layer" / "kbtest_netc_new"
OLD = FIXTURES / "layer" / "kbtest_netc_old"

COMMON = {
    "registered": "9 ident=9 lockless=9 lockless_after_update=9",
    "realloc_first": "a", "realloc_second": "b ident=1",
    "link_register": "0", "link_ident": "1", "link_xmit_owner": "-1", "link_proto_down": "1",
}
NEW_TS = {"ethtool_ident": "1 ts=0 so:0x1a phc:5 tx:0x2 rx:0x2"}
EXPECTED = {
    "new": {**COMMON, **NEW_TS, **{f"reload_{k}": v for k, v in {**COMMON, **NEW_TS}.items()}},
    "old": {**COMMON, **{f"reload_{k}": v for k, v in COMMON.items()},
            "clear_flag_lockless": "1", "reload_clear_flag_lockless": "1",
            "clear_flag_proto_down": "1"},
}


def _seen(output: str) -> dict[str, str]:
    seen: dict[str, str] = {}
    for line in output.splitlines():
        if line.startswith("kbc ") and "=" in line:
            key, value = line[4:].split("=", 1)
            seen.setdefault(key, value)
    return seen


@pytest.fixture(scope="module")
def native_seen() -> dict[str, dict[str, str]]:
    """api -> what the module shows natively on its own kernel: one guest run per module,
    shared by its layer and inline cells (the same build of the same source on the same kernel)."""
    return {}


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["layer", "inline"])
@pytest.mark.parametrize("api,own,other", [("new", "6.12", "6.1"), ("old", "6.1", "6.12")])
def test_netdev_contracts_native_and_bridged(api, own, other, strategy, tree61, tree612, tmp_path,
                                             native_seen):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.runner import build_for, run_guest

    fixture = NEW if api == "new" else OLD
    mod = fixture.name
    trees = {"6.1": tree61, "6.12": tree612}
    script = tmp_path / "contracts.sh"
    kind = "kbnc" if api == "new" else "kbnco"
    script.write_text(f"#!/bin/sh\nset -- {kind} {mod}\n" + (fixture / "contracts.sh").read_text())
    script.chmod(0o755)

    # natively, on the kernel the module was written for (once per module: native_seen)
    if api not in native_seen:
        result, kos = build_for(str(fixture), trees[own].release, tmp_path / "native")
        assert kos, result
        g = run_guest(kos, trees[own].release, test_script=script, timeout=300)
        seen = _seen(g.test_output)
        assert g.ok and seen == EXPECTED[api], (own, g.reasons, g.problems, g.test_output)
        native_seen[api] = seen
    native = native_seen[api]

    # bridged (layer or inline), on the other kernel
    out = tmp_path / strategy
    rep = bridge(drv_mod.load(fixture), [trees[own], trees[other]], strategy, out)
    assert rep.ok, rep.unbridged
    proc = run_kbuild(out, trees[other])
    diags, undefined = parse_log(proc.stdout, out)
    assert proc.returncode == 0 and not diags and not undefined, (diags, undefined, proc.stdout[-3000:])
    g = run_guest([out / f"{mod}.ko"], trees[other].release, test_script=script, timeout=300)
    bridged = _seen(g.test_output)
    assert g.ok, (other, g.reasons, g.problems, g.test_output)
    diff = {k: (native.get(k), bridged.get(k)) for k in sorted(native.keys() | bridged.keys())
            if native.get(k) != bridged.get(k)}
    assert not diff, f"bridged on {other} (native, bridged): {diff}"


REFUSED_NEW = r'''
#include <linux/module.h>
#include <linux/netdevice.h>
%s
static int kbr_init(struct net_device *dev) { dev->lltx = true; return 0; }
static netdev_features_t kbr_fix(struct net_device *dev, netdev_features_t f) { return f; }
static int kbr_hwts(struct net_device *dev, struct kernel_hwtstamp_config *c) { return 0; }
static const struct net_device_ops kbr_ops = {
	.ndo_init = kbr_init, .ndo_fix_features = kbr_fix, .ndo_hwtstamp_get = kbr_hwts,
};
int kbr_use(struct net_device *dev);
int kbr_use(struct net_device *dev)
{
	dev->netdev_ops = &kbr_ops;
	return %s;
}
MODULE_LICENSE("GPL");
'''


@pytest.mark.parametrize("include,body,rule,why", [
    ("", "dev->netdev_ops->ndo_fix_features != NULL", "netdev_lltx", "reads ->ndo_fix_features"),
    ("", "dev->netdev_ops->ndo_hwtstamp_get != NULL", "netdev_hwtstamp_ndo", "reads ->ndo_hwtstamp_get"),
    ("#include <net/dsa.h>", "0", "netdev_hwtstamp_ndo", "includes <net/dsa.h>"),
])
def test_driver_reading_a_filled_slot_is_refused_by_name(include, body, rule, why, tree61, tree612,
                                                         tmp_path):  # type: ignore[no-untyped-def]
    """The designator macros that fill the kernel's slots of the driver's own tables work in
    initializers only: a 6.12 driver that reads such a member by name (or includes a header
    declaring one) is not bridged, and the bridge says so instead of a compile error."""
    drv = tmp_path / "drv"
    drv.mkdir()
    (drv / "kbr.c").write_text(REFUSED_NEW % (include, body))
    (drv / "Kbuild").write_text("obj-m += kbr.o\n")
    rep = bridge(drv_mod.load(drv), [tree612, tree61], "layer", tmp_path / "out")
    refused = [u for u in rep.unbridged if u.rule == rule and u.direction == "new_on_old"]
    assert refused and why in refused[0].why and "designator macro" in refused[0].why, rep.unbridged
