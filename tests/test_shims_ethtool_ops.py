"""ethtool_ops slots whose prototype gained a kernel_* struct and an extack: get/set_coalesce
(rule ethtool_coalesce_kernel_args, 5.15) and get/set_ringparam (ethtool_ringparam_kernel_args,
5.17), bridged both ways between 5.10 and the newest series with trampolines in the driver's own
ethtool_ops (ethtool_kernel_ts_info's wrapper of <linux/ethtool.h> renames the kernel's slots and
appends the driver's).

tests/fixtures/layer/kbtest_etr_old (the older form, device kbetro0) and kbtest_etr_new (the
newer form, device kbetrn0) register the same device: ring maxima rx 4096 / tx 1024, rings
256/128 and rx/tx usecs 3/5 at load, ETHTOOL_COALESCE_USECS advertised, no ring parameter
advertised. The newer one's get callbacks report rx_buf_len 2048 and CQE mode rx on in the
kernel structs, and its set callbacks print what the kernel structs hold when they are called.
tests/fixtures/layer/kbtest_etr_new/etr.sh runs Debian's ethtool (the tools disk) on each
device: -g, -G rx 100 tx 200, -G above the maximum, -c, -C rx-usecs 7 tx-usecs 9, -C rx-frames
(not advertised), -C cqe-mode-rx on and -G rx-buf-len 4096 (the newer attributes).

* the probes answer old on 5.10 only;
* both fixtures bridge for 5.10 and the newest (layer, ABI-checked on both kernels by bridge);
* sweep (one boot each, with the tools disk, so not a shared boot):
  - test_newer_on_510_in_guest: on 5.10 the bridged kbtest_etr_new and the native
    kbtest_etr_old answer every ethtool request alike, and the newer driver's set callbacks
    get what the newest kernel gives them (the kernel struct filled by their get callback:
    k_rx_buf_len=2048, k_cqe_rx=1 -- the newest kernel's ioctl and netlink paths both call get
    first; measured on the newest kernel natively in the other test);
  - test_older_on_newest_in_guest: on the newest kernel the bridged kbtest_etr_old and the
    native kbtest_etr_new answer alike -- including the newer attributes, which the newest
    kernel refuses for both (neither advertises them).

Checked to fail first: without the rules the fixtures do not build on the other kernel
(incompatible pointer type in the ethtool_ops initializer); with the set_ringparam trampoline
of new_on_old stubbed to skip the driver's get (the mutation ethtool_ringparam_set_no_get) the
5.10 run fails (k_rx_buf_len=0 instead of 2048).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, bridge_newest_and_510, newest_series, probe_states, release
from kbridge.actions.guest import runner

OLD = FIXTURES / "layer" / "kbtest_etr_old"
NEW = FIXTURES / "layer" / "kbtest_etr_new"
SCRIPT = NEW / "etr.sh"
RULES = ["ethtool_coalesce_kernel_args", "ethtool_ringparam_kernel_args"]
NEWEST = newest_series()

# what each device answers (both kernels, both forms): the ethtool requests of etr.sh
EXPECTED = {"max_rx": "4096", "max_tx": "1024", "cur_rx": "256", "cur_tx": "128",
            "set_ring_rc": "0", "max_rx_after": "4096", "cur_rx_after": "100",
            "cur_tx_after": "200", "rx_usecs": "3", "tx_usecs": "5", "set_coal_rc": "0",
            "after_rx_usecs": "7", "after_tx_usecs": "9", "final_rx_usecs": "7",
            "final_tx_usecs": "9"}
REFUSED = ["over_max_rc", "unadvertised_rc", "cqe_mode_rc", "rx_buf_len_rc"]


@pytest.mark.parametrize("series,state", [("5.10", "old"), ("6.1", "new"), ("6.12", "new"),
                                          (NEWEST, "new")])
def test_probe_states(series, state, roots_ready):  # type: ignore[no-untyped-def]
    assert probe_states(series, RULES) == {r: state for r in RULES}


def _bridge(fixture: Path, out: Path, direction: str) -> Path:
    return bridge_newest_and_510(fixture, out, direction, RULES)


@pytest.fixture(scope="module")
def new_out(tmp_path_factory, roots_ready):  # type: ignore[no-untyped-def]
    return _bridge(NEW, tmp_path_factory.mktemp("etrn") / "out", "new_on_old")


@pytest.fixture(scope="module")
def old_out(tmp_path_factory, roots_ready):  # type: ignore[no-untyped-def]
    return _bridge(OLD, tmp_path_factory.mktemp("etro") / "out", "old_on_new")


@pytest.mark.slow
def test_both_forms_bridge_and_keep_the_kernels_layout(new_out, old_out):  # type: ignore[no-untyped-def]
    # bridge built each OUT on both kernels for its ABI check ("ABI on ...: ok")
    for out in (new_out, old_out):
        notes = (out / "compat" / "RULES.md").read_text()
        assert all(f"## {r}" in notes for r in RULES), notes


def _answers(g) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    assert g.ok, (g.release, g.reasons, g.problems, g.test_output)
    out: dict[str, dict[str, str]] = {}
    for line in g.test_output.splitlines():
        if not line.startswith("kbe "):
            continue
        _, dev, rest = line.split(" ", 2)
        if rest.startswith(("set_ring ", "set_coal ")):
            kind, values = rest.split(" ", 1)
            out.setdefault(dev, {})[kind] = values
        else:
            key, value = rest.split("=", 1)
            out.setdefault(dev, {})[key] = value
    return out


def _check_alike(ans: dict[str, dict[str, str]]) -> None:
    old, new = ans.get("kbetro0", {}), ans.get("kbetrn0", {})
    assert {k: old.get(k) for k in EXPECTED} == EXPECTED, ans
    assert {k: new.get(k) for k in EXPECTED} == EXPECTED, ans
    for k in REFUSED:
        assert old.get(k, "0") != "0" and new.get(k, "0") != "0", (k, ans)
    assert old["set_ring"] == "rx=100 tx=200" and old["set_coal"] == "rx_usecs=7 tx_usecs=9", ans


# the newer driver's set callbacks on the newest kernel itself (native), what 5.10 must give
NEW_SETS = {"set_ring": "rx=100 tx=200 k_rx_buf_len=2048 k_tcp_data_split=0",
            "set_coal": "rx_usecs=7 tx_usecs=9 k_cqe_rx=1 k_cqe_tx=0"}


@pytest.mark.slow
@pytest.mark.sweep
def test_newer_on_510_in_guest(new_out, tmp_path):  # type: ignore[no-untyped-def]
    b, kos = runner.build_for(new_out, release("5.10"), tmp_path / "bridged")
    assert b.ok, b.log
    n, nkos = runner.build_for(OLD, release("5.10"), tmp_path / "native")
    assert n.ok, n.log
    ans = _answers(runner.run_guest(nkos + kos, release("5.10"), test_script=SCRIPT, tools=True,
                                    timeout=300))
    _check_alike(ans)
    assert {k: ans["kbetrn0"].get(k) for k in NEW_SETS} == NEW_SETS, ans


@pytest.mark.slow
@pytest.mark.sweep
def test_older_on_newest_in_guest(old_out, tmp_path):  # type: ignore[no-untyped-def]
    b, kos = runner.build_for(old_out, release(NEWEST), tmp_path / "bridged")
    assert b.ok, b.log
    n, nkos = runner.build_for(NEW, release(NEWEST), tmp_path / "native")
    assert n.ok, n.log
    ans = _answers(runner.run_guest(nkos + kos, release(NEWEST), test_script=SCRIPT, tools=True,
                                    timeout=300))
    _check_alike(ans)
    assert {k: ans["kbetrn0"].get(k) for k in NEW_SETS} == NEW_SETS, ans


# --- slots designated NULL (session 13, review13) -------------------------------------------
# kbtest_etn_old (5.10 form) and kbtest_etn_new (newest form) designate .get_ringparam,
# .set_ringparam and .set_coalesce explicitly NULL, .get_coalesce a function, and advertise no
# supported_coalesce_params. The kernels' cores decide "not supported" by the slot pointer
# (ethtool_get_ringparam, rings_prepare_data, ethtool_set_coalesce: -EOPNOTSUPP), and
# register_netdevice()'s ethtool_check_ops refuses (WARN, -EINVAL) a set_coalesce without
# supported_coalesce_params: the layer's designator macros must leave those slots NULL.
# Failed before the fix (layer.null_inits): the bridged module did not load on either kernel
# (the set_coalesce trampoline: WARNING at net/ethtool/common.c ethtool_check_ops, -EINVAL).
ETN_OLD = FIXTURES / "layer" / "kbtest_etn_old"
ETN_NEW = FIXTURES / "layer" / "kbtest_etn_new"
ETN_EX = FIXTURES / "layer" / "kbtest_etn_ex"


def _etn_entry(series: str):  # type: ignore[no-untyped-def]
    """On 5.10: kbtest_etn_old natively, kbtest_etn_new bridged from the newest; on the newest:
    kbtest_etn_new natively, kbtest_etn_old bridged from 5.10; then the exerciser."""
    from sharedboot import Entry

    def build(tmp_path):  # type: ignore[no-untyped-def]
        from kbridge.actions.bridge import bridge
        from kbridge.facts import driver as drv_mod
        from kbridge.facts import targets

        native, other, home = (ETN_OLD, ETN_NEW, NEWEST) if series == "5.10" else (ETN_NEW, ETN_OLD, "5.10")
        o = tmp_path / "out"
        rep = bridge(drv_mod.load(other), [targets.resolve(s) for s in (home, series)], "layer", o,
                     home=home)
        assert not rep.unbridged, rep.unbridged
        assert set(RULES) <= {str(s["rule"]) for s in rep.shims}, rep.shims
        kos = []
        for name, src in (("native", native), ("bridged", o), ("ex", ETN_EX)):
            b, built = runner.build_for(src, release(series), tmp_path / name)
            assert built, (name, series, b.diagnostics[:5])
            kos += built
        return kos

    return Entry(f"ethtool_null:{series}", series, build)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    if name == "test_null_designated_slots_stay_null_in_guest":
        return [_etn_entry(params["series"])]
    return []


@pytest.mark.slow
@pytest.mark.parametrize("series", ["5.10", NEWEST])
def test_null_designated_slots_stay_null_in_guest(series, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_etn_entry(series))
    assert g.ok, (g.release, g.reasons, g.problems, [ln for ln in g.dmesg if "kbetn" in ln or "etn" in ln])
    (ex,) = [ld for ld in g.modules if ld.name == "kbtest_etn_ex"]
    assert not [line for line in ex.dmesg if "FAIL" in line], ex.dmesg
    assert "kbtest_etn_ex: kbetno0 ok" in ex.dmesg and "kbtest_etn_ex: kbetnn0 ok" in ex.dmesg, ex.dmesg


def test_a_null_designation_is_left_to_the_kernels_slot(tmp_path, roots_ready):  # type: ignore[no-untyped-def]
    """The OUT of each fixture defines KB_NULL_INIT_<M> for the members designated only NULL
    (before the direction's C, after its SPDX line), and none for get_coalesce."""
    from kbridge.actions.bridge import bridge
    from kbridge.facts import driver as drv_mod
    from kbridge.facts import targets

    for fixture, home, d in ((ETN_OLD, "5.10", "old_on_new"), (ETN_NEW, NEWEST, "new_on_old")):
        other = NEWEST if home == "5.10" else "5.10"
        o = tmp_path / fixture.name
        rep = bridge(drv_mod.load(fixture), [targets.resolve(s) for s in (home, other)], "layer", o,
                     home=home)
        assert not rep.unbridged, rep.unbridged
        ring = (o / "compat" / "rules" / "ethtool_ringparam_kernel_args" / f"{d}.h").read_text()
        coal = (o / "compat" / "rules" / "ethtool_coalesce_kernel_args" / f"{d}.h").read_text()
        assert ring.startswith("/* SPDX-License-Identifier") and coal.startswith("/* SPDX-License-Identifier")
        assert "#define KB_NULL_INIT_GET_RINGPARAM 1" in ring and "#define KB_NULL_INIT_SET_RINGPARAM 1" in ring
        assert "#define KB_NULL_INIT_SET_COALESCE 1" in coal and "KB_NULL_INIT_GET_COALESCE 1" not in coal


def test_null_inits_reads_the_value_as_written(tmp_path):  # type: ignore[no-untyped-def]
    """layer.null_inits: NULL (also 0, (void *)0) in every designation of a member -> the member;
    NULL in one table and a function in another -> mixed (reported not bridged); a member of
    another struct with the same name does not count."""
    from kbridge.actions.bridge import layer
    from kbridge.facts import driver as drv_mod
    from kbridge.knowledge.rules import ShimDirection, load

    (tmp_path / "Kbuild").write_text("obj-m += x.o\n")
    (tmp_path / "x.c").write_text(
        "#include <linux/ethtool.h>\n"
        "static int gc(struct net_device *d, struct ethtool_coalesce *c) { return 0; }\n"
        "struct other { void (*get_ringparam)(void); };\n"
        "static const struct other o = { .get_ringparam = 0 };\n"
        "static const struct ethtool_ops a = {\n\t.get_ringparam\t= NULL,\n\t.set_ringparam = (void *)0,\n"
        "\t.get_coalesce = gc,\n\t.set_coalesce = NULL,\n};\n"
        "static const struct ethtool_ops b = {\n\t.get_ringparam =\n\t\tNULL,\n\t.set_coalesce = gc,\n};\n")
    rules = {r.id: r for r in load()}
    drv = drv_mod.load(tmp_path)
    meta = ShimDirection(null_inits=("get_ringparam", "set_ringparam"))
    assert layer.null_inits(meta, drv, rules["ethtool_ringparam_kernel_args"]) == (
        ["get_ringparam", "set_ringparam"], [])
    meta = ShimDirection(null_inits=("get_coalesce", "set_coalesce"))
    assert layer.null_inits(meta, drv, rules["ethtool_coalesce_kernel_args"]) == ([], ["set_coalesce"])


def test_null_inits_reads_every_form_of_null(tmp_path):  # type: ignore[no-untyped-def]
    """layer.null_inits (review14): a NULL the driver writes with a comment beside it, in
    parentheses, through a macro of its own (NULL in every #if branch), or past the next two
    lines is NULL -- before, each counted as a function, so the designator macro put the
    trampoline in the kernel's slot (set_coalesce: ethtool_check_ops refuses the device;
    get_ringparam: the core answers a zeroed struct instead of -EOPNOTSUPP); a value that may
    be NULL (`cond ? fn : NULL`, a macro NULL in one #if branch) is mixed (not bridged), not
    a function. Failed before the fix: ([], []) for the first driver, ([], []) for the second."""
    from kbridge.actions.bridge import layer
    from kbridge.facts import driver as drv_mod
    from kbridge.knowledge.rules import ShimDirection, load

    rules = {r.id: r for r in load()}
    ring = ShimDirection(null_inits=("get_ringparam", "set_ringparam"))
    coal = ShimDirection(null_inits=("get_coalesce", "set_coalesce"))
    d1 = tmp_path / "a"
    d1.mkdir()
    (d1 / "Kbuild").write_text("obj-m += x.o\n")
    (d1 / "x.h").write_text("#define KBX_NO_RING\tKBX_NONE\t/* not yet */\n#define KBX_NONE ((void *)0)\n")
    (d1 / "x.c").write_text(
        "#include <linux/ethtool.h>\n#include \"x.h\"\n"
        "static int gc(struct net_device *d, struct ethtool_coalesce *c) { return 0; }\n"
        "static const struct ethtool_ops a = {\n\t.get_ringparam = KBX_NO_RING,\n"
        "\t.set_ringparam = (NULL),\n\t.get_coalesce = gc,\t/* NULL below */\n"
        "\t.set_coalesce = NULL /* later */,\n};\n"
        "static const struct ethtool_ops b = {\n\t.set_ringparam =\n\n\n\t\t0,\n"
        "\t.set_coalesce = /* none */ NULL,\n};\n")
    drv = drv_mod.load(d1)
    assert layer.null_inits(ring, drv, rules["ethtool_ringparam_kernel_args"]) == (
        ["get_ringparam", "set_ringparam"], [])
    assert layer.null_inits(coal, drv, rules["ethtool_coalesce_kernel_args"]) == (["set_coalesce"], [])
    d2 = tmp_path / "b"
    d2.mkdir()
    (d2 / "Kbuild").write_text("obj-m += x.o\n")
    (d2 / "x.c").write_text(
        "#include <linux/ethtool.h>\n"
        "static void gr(struct net_device *d, struct ethtool_ringparam *r) { }\n"
        "static int sc(struct net_device *d, struct ethtool_coalesce *c) { return 0; }\n"
        "#ifdef CONFIG_KBX\n#define KBX_SC sc\n#else\n#define KBX_SC NULL\n#endif\n"
        "static const struct ethtool_ops a = {\n\t.get_ringparam = IS_ENABLED(CONFIG_KBX) ? gr : NULL,\n"
        "\t.set_coalesce = KBX_SC,\n};\n")
    drv = drv_mod.load(d2)
    assert layer.null_inits(ring, drv, rules["ethtool_ringparam_kernel_args"]) == ([], ["get_ringparam"])
    assert layer.null_inits(coal, drv, rules["ethtool_coalesce_kernel_args"]) == ([], ["set_coalesce"])
