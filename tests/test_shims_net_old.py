"""6.1's networking API on 6.12 (old_on_new): NETIF_F_LLTX, IFF_CHANGE_PROTO_DOWN, get_ts_info.

The shims (knowledge/shims/{netdev_lltx,netdev_change_proto_down,
ethtool_kernel_ts_info}/old_on_new.h) are proven three ways, on the real
kernels: kbtest_net_old, a module written against 6.1's API, bridged and built
on 6.12 (its static_asserts pin the shims' promises) and on 6.1 (the layer adds
nothing there); the same module loaded in Debian's own 6.12 and 6.1 kernels,
whose init checks what the kernel does (transmit lockless through
HARD_TX_LOCK, decided by the driver's ndo_fix_features; no unnamed feature bit
left in any mask; a lower device's get_ts_info fed the struct the driver
passes) and whose guest script sets proto_down through sysfs; and 6.1's
macvlan bridged both ways (the differential snapshot against 6.12's own
macvlan is tests/test_guest_runtime.py).
"""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, assert_builds_clean, run_cli
from kbridge.actions.bridge import bridge, inline
from kbridge.facts import driver as drv_mod
from kbridge.facts import intree
from kbridge.knowledge.rules import SHIMS_DIR

MOD = FIXTURES / "layer" / "kbtest_net_old"
RULES = ("ethtool_kernel_ts_info", "netdev_change_proto_down", "netdev_lltx")




@pytest.fixture(scope="module")
def bridged_layer(tmp_path_factory, tree61, tree612):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("netold") / "out"
    rep = bridge(drv_mod.load(MOD), [tree61, tree612], "layer", out)
    assert not rep.unbridged, rep.unbridged
    return out


def test_old_api_module_layer_plans_the_three_shims(bridged_layer):  # type: ignore[no-untyped-def]
    rules_md = (bridged_layer / "compat" / "RULES.md").read_text()
    for rid in RULES:
        assert f"## {rid} (old_on_new)" in rules_md
        assert (bridged_layer / "compat" / "rules" / rid / "old_on_new.h").is_file()
    # the priv_flags widening is the old_on_new wrapper of <linux/netdev_features.h>
    assert (bridged_layer / "compat" / "include" / "linux" / "netdev_features.h").is_file()
    assert (bridged_layer / "kbtest_net_old.c").read_bytes() == (MOD / "kbtest_net_old.c").read_bytes()


@pytest.mark.slow
def test_old_api_module_builds_clean_on_612_and_61(bridged_layer, tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    import shutil
    for tree in (tree612, tree61):
        out = tmp_path / tree.release
        shutil.copytree(bridged_layer, out)
        assert_builds_clean(out, tree)
        config = (out / "compat" / "kb_config.h").read_text()
        for guard in ("KB_HAVE_NETDEV_LLTX", "KB_HAVE_NETDEV_CHANGE_PROTO_DOWN",
                      "KB_HAVE_ETHTOOL_KERNEL_TS_INFO"):
            on = f"#define {guard} 1" in config
            assert on == (tree is tree612), (tree.release, guard)


@pytest.mark.slow
@pytest.mark.parametrize("series", ["6.12", "6.1"])
def test_old_api_module_behaves_in_guest(bridged_layer, series):  # type: ignore[no-untyped-def]
    # init returns -EINVAL with a "FAIL" line when transmit is not lockless,
    # when ndo_fix_features does not decide it, when a mask keeps bit 12 on
    # 6.12, or when the lower device's get_ts_info misreads the struct;
    # the script writes proto_down (EOPNOTSUPP unless the flag was converted)
    proc = run_cli("run", str(bridged_layer), "--kernel", series,
                   "--test", str(MOD / "proto_down.sh"), "--json")
    res = json.loads(proc.stdout)
    guest = res["guest"]
    assert proc.returncode == 0 and res["ok"], (guest and guest["reasons"], proc.stderr[-2000:])
    assert "kbtest_net_old: ok" in guest["loads"][0]["dmesg"]
    assert guest["test_output"] == "proto_down ok"


def test_lltx_and_proto_down_keep_their_names_in_inline_macro_bodies():  # type: ignore[no-untyped-def]
    # macvlan uses NETIF_F_LLTX only inside its own #define (ALWAYS_ON_FEATURES),
    # which inline cannot guard: the shim must define the name itself, not
    # through a KB_ twin that kb_inline.h would #undef the name for
    lltx = inline.shim_names((SHIMS_DIR / "netdev_lltx" / "old_on_new.h").read_text())
    assert "NETIF_F_LLTX" not in lltx.renames and "NETIF_F_LLTX" not in lltx.undef
    # no registration wrapper any more (the conversion is the module's NETDEV_POST_INIT
    # notifier), and module_init / ndo_fix_features are object-like macros kept as they are
    assert not ({"register_netdevice", "register_netdev", "module_init", "ndo_fix_features"}
                & (set(lltx.renames) | set(lltx.undef)))
    cpd = inline.shim_names((SHIMS_DIR / "netdev_change_proto_down" / "old_on_new.h").read_text())
    assert cpd.renames.get("IFF_CHANGE_PROTO_DOWN") == "KB_IFF_CHANGE_PROTO_DOWN"
    # priv_flags stays the wide view after kb_inline.h (kb_priv_flags is no kb_ twin)
    assert "priv_flags" not in cpd.undef
    ts = inline.shim_names((SHIMS_DIR / "ethtool_kernel_ts_info" / "old_on_new.h").read_text())
    assert ts.renames.get("ethtool_ts_info") == "kb_ethtool_ts_info"


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["layer", "inline"])
def test_macvlan_61_bridged_builds_clean_on_both_kernels(tree61, tree612, tmp_path, strategy):  # type: ignore[no-untyped-def]
    import shutil
    src = intree.find("macvlan@6.1").path
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(src, label="macvlan@6.1"), [tree61, tree612], strategy, out)
    assert not rep.unbridged, rep.unbridged
    for tree in (tree612, tree61):
        b = tmp_path / tree.release
        shutil.copytree(out, b)
        assert_builds_clean(b, tree)
        assert (b / "macvlan.ko").is_file()


@pytest.mark.slow
def test_macvlan_61_bridged_accepts_proto_down_like_612s_own(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    # IFF_CHANGE_PROTO_DOWN -> dev->change_proto_down, observed where it matters:
    # 6.12's net-sysfs accepts proto_down for the bridged 6.1 macvlan exactly as for
    # 6.12's own, and the carrier follows it (the net snapshot does not cover this)
    from kbridge.actions.guest.runner import build_for, run_guest

    out = tmp_path / "out"
    bridge(drv_mod.load(intree.find("macvlan@6.1").path, label="macvlan@6.1"), [tree61, tree612],
           "layer", out)
    seen = {}
    for name, src in (("bridged", out), ("own", intree.find("macvlan@6.12").path)):
        result, kos = build_for(str(src), tree612.release, tmp_path / f"b-{name}")
        assert kos, result
        g = run_guest(kos, tree612.release, test_script=MOD / "macvlan_proto_down.sh",
                      extra_modules=["dummy"])
        assert g.ok, (name, g.reasons, g.test_output)
        seen[name] = g.test_output
    assert seen["bridged"] == seen["own"] == "proto_down=1\noperstate=down\noperstate_after=up"
