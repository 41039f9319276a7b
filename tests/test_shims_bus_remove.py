"""The bus_remove class (rules/bus.toml, knowledge/fragments/bus_remove.h): a bus
driver's remove callback int <-> void, and i2c_driver.probe's id argument
(probe(client, id) <-> probe(client), probe_new), bridged both ways.

Behaviour: kbtest_plat in three forms (int .remove of <= 6.10, void .remove of
>= 6.11, .remove_new of 6.3..6.12) and kbtest_i2c in two (int .remove of 5.10,
void of >= 6.1; the module makes its own adapter and client), each bridged
onto the kernels of the other form, and kbtest_i2c_p1 (7.3's one-argument
.probe), kbtest_i2c_p2 (5.10's probe(client, id)) and kbtest_i2c_pn (6.1's
.probe_new), run in one guest boot per kernel (5.10, 6.1, 6.12, the newest
series): probe sees the client's own id-table entry every time (handed in by
the trampoline as the older core did, or asked for by the driver), remove runs exactly once per unbind (sysfs unbind, rmmod), never after a
failed probe, a reload works, the int form's non-zero return gets the old
core's dev_warn on a void-slot kernel, and no WARNING/BUG (the runner fails
on those). Build: modules registering an i2c and an spi driver in both forms
build clean, bridged, on every kernel.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, newest_series
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

LAYER = FIXTURES / "layer"
SCRIPT = LAYER / "plat_remove.sh"


def _tree(series: str) -> targets.KernelTree:
    return targets.resolve(series)


def _bridged_ko(mod: str, home: str, target: str, tmp: Path) -> Path:
    out = tmp / f"{mod}-{home}-{target}"
    rep = bridge(drv_mod.load(LAYER / mod), [_tree(home), _tree(target)], "layer", out)
    assert rep.ok, rep.unbridged
    proc = run_kbuild(out, _tree(target))
    diags, undefined = parse_log(proc.stdout, out)
    assert proc.returncode == 0 and not diags and not undefined, proc.stdout[-3000:]
    ko = tmp / f"ko-{target}" / f"{mod}.ko"
    ko.parent.mkdir(exist_ok=True)
    shutil.copy(out / f"{mod}.ko", ko)
    return ko


def _events(output: str) -> dict[str, dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for line in output.splitlines():
        if line.startswith("kbplat "):
            words = line.split()[1:]
            d = seen.setdefault(words[0], {})
            for k, v in zip(words[1::2], words[2::2]):
                d[k] = v
    return seen


EXPECTED = {"loaded-probe": "1", "remove": "0", "unbind-remove": "1", "bind-probe": "2",
            "rmmod-remove": "2", "failprobe-probe": "3", "bound": "0", "failprobe-remove": "2",
            "reload-probe": "4", "reload-remove": "3"}


# the id each kbtest_i2c_p* module's probe saw, once per probe (4 probes: load, bind,
# the failing one, reload): the second entry of its own table (the client's name)
def _ids(output: str, mod: str) -> list[str]:
    return [line.split(None, 2)[2] for line in output.splitlines() if line.startswith(f"kbid {mod} ")]


@pytest.mark.slow
@pytest.mark.parametrize("series,cases", [
    # int remove slots, probe(client, id): platform's void .remove and .remove_new of 6.12;
    # i2c's void .remove of 6.12; 7.3's one-argument .probe + void .remove (probe and remove
    # bridged together, i2c_client_get_device_id copied by the compat object); 6.1's .probe_new
    ("5.10", [("kbtest_plat_void", "6.12"), ("kbtest_plat_new", "6.12"), ("kbtest_i2c_void", "6.12"),
              ("kbtest_i2c_p1", "7.3"), ("kbtest_i2c_pn", "6.1")]),
    # void remove slot, probe(client, id): 7.3's one-argument .probe (probe alone bridged);
    # 5.10's int .remove with its two-argument probe (remove alone bridged)
    ("6.1", [("kbtest_i2c_p1", "7.3"), ("kbtest_i2c_p2", "5.10")]),
    # void slot, remove_new beside it, probe(client): platform's int .remove of 6.1; 5.10's
    # probe(client, id) + int .remove (both bridged); 6.1's .probe_new (spelled .probe)
    ("6.12", [("kbtest_plat_int", "6.1"), ("kbtest_i2c_p2", "5.10"), ("kbtest_i2c_pn", "6.1")]),
    # void slots, no remove_new, probe(client): platform's int .remove of 6.1, i2c's int
    # .remove of 5.10, and the two probe forms of the older kernels
    ("newest", [("kbtest_plat_int", "6.1"), ("kbtest_i2c_int", "5.10"), ("kbtest_i2c_p2", "5.10"),
                ("kbtest_i2c_pn", "6.1")]),
])
def test_platform_remove_bridged_in_guest(series, cases, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.runner import run_guest

    series = newest_series() if series == "newest" else series
    tree = _tree(series)
    kos = [_bridged_ko(form, home, series, tmp_path) for form, home in cases]
    g = run_guest(kos, tree.release, test_script=SCRIPT, timeout=300)
    assert g.ok, (tree.release, g.reasons, g.problems, g.test_output[-2000:])
    ev = _events(g.test_output)
    void_slot = series != "5.10"
    for mod, _ in cases:
        got = ev.get(mod, {})
        assert {k: got.get(k) for k in EXPECTED} == EXPECTED, (mod, got, g.test_output[-2000:])
        # an int form returned -5 once, on a void-slot kernel: the old core's dev_warn, once
        int_remove = mod.endswith("_int") or mod == "kbtest_i2c_p2"
        assert got.get("warned") == ("1" if int_remove and void_slot else "0"), (mod, got)
        if mod.startswith("kbtest_i2c_p"):
            # probe ran with the client's own entry of the driver's table, every time: handed
            # in by the trampoline (p2 on 6.12/7.x: i2c_match_id, as the older core did) or
            # asked for by the driver (p1, pn: i2c_client_get_device_id)
            assert _ids(g.test_output, mod) == [f"id {mod} data 7 entry 1"] * 4, (mod, g.test_output[-2000:])


# bus: header, device struct, driver struct, registration (a module_X_driver macro, or
# "REG/UNREG" for explicit init/exit), other initializer entries
BUSES = {
    "i2c": ("linux/i2c.h", "i2c_client", "i2c_driver", "module_i2c_driver", ""),
    "spi": ("linux/spi/spi.h", "spi_device", "spi_driver", "module_spi_driver", ".probe = kb_probe,"),
    "hv": ("linux/hyperv.h", "hv_device", "hv_driver", "vmbus_driver_register/vmbus_driver_unregister",
           '.name = "kbtest_hv_rm",'),
    "mei": ("linux/mei_cl_bus.h", "mei_cl_device", "mei_cl_driver", "module_mei_cl_driver",
            '.name = "kbtest_mei_rm",'),
}


def _bus_module(bus: str, rtype: str, d: Path) -> None:
    header, dev, drv, module_macro, extra = BUSES[bus]
    d.mkdir(parents=True)
    (d / "Kbuild").write_text(f"obj-m += kbtest_{bus}_rm.o\n")
    ret = "\n\treturn 0;" if rtype == "int" else ""
    probe_fn = f"static int kb_probe(struct {dev} *d)\n{{\n\treturn 0;\n}}\n\n" if "kb_probe" in extra else ""
    extra = extra + "\n\t" if extra else ""
    devm = "device" if bus == "hv" else "dev"
    if "/" in module_macro:
        reg, unreg = module_macro.split("/")
        module = (f"static int __init kb_init(void)\n{{\n\treturn {reg}(&kb_driver);\n}}\n\n"
                  f"static void __exit kb_exit(void)\n{{\n\t{unreg}(&kb_driver);\n}}\n"
                  "module_init(kb_init);\nmodule_exit(kb_exit);\n")
    else:
        module = f"{module_macro}(kb_driver);\n"
    (d / f"kbtest_{bus}_rm.c").write_text(f"""// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <{header}>

{probe_fn}static {rtype} kb_remove(struct {dev} *d)
{{
	dev_info(&d->{devm}, "remove\\n");{ret}
}}

static struct {drv} kb_driver = {{
	{extra}.remove = kb_remove,
	.driver = {{ .name = "kbtest_{bus}_rm" }},
}};
{module}MODULE_LICENSE("GPL");
""")


@pytest.mark.parametrize("bus,homes", [
    ("i2c", ("5.10", "6.12")), ("spi", ("5.10", "6.12")),
    # the driver core cannot bind a VMBus or MEI device under QEMU (no Hyper-V, no ME):
    # these two buses are checked by building, the slot's layout by the fragment's static_asserts
    ("hv", ("6.1", "6.12")), ("mei", ("5.10", "6.1")),
])
@pytest.mark.parametrize("strategy", ["layer", "inline"])
def test_bus_remove_bridged_builds_on_every_kernel(bus, homes, strategy, tmp_path):  # type: ignore[no-untyped-def]
    # the int form written for homes[0], the void form for homes[1]; each bridged for every series
    every = ["5.10", "6.1", "6.12", "7.2", "7.3"]
    for rtype, home in zip(("int", "void"), homes):
        d = tmp_path / f"{bus}-{rtype}"
        _bus_module(bus, rtype, d)
        out = tmp_path / f"out-{bus}-{rtype}"
        rep = bridge(drv_mod.load(d), [_tree(s) for s in [home, *[s for s in every if s != home]]],
                     strategy, out)
        assert rep.ok, rep.unbridged
        assert f"{bus}_driver_remove_void" in {s["rule"] for s in rep.shims} or \
            f"{bus}_cl_driver_remove_void" in {s["rule"] for s in rep.shims}
        # i2c and spi with the layer on every kernel; the rest (and inline: the same shims,
        # another delivery) on the form's own kernel and the two ends of the range, where
        # one form is bridged and the other native
        wide = strategy == "layer" and bus in ("i2c", "spi")
        for s in every if wide else sorted({home, "5.10", "7.3"}):
            proc = run_kbuild(out, _tree(s))
            diags, undefined = parse_log(proc.stdout, out)
            assert proc.returncode == 0 and not diags and not undefined, (bus, rtype, s, proc.stdout[-3000:])


# --- the engine: shim.toml `fragments` ---------------------------------------------

BUS_RULES = ("platform_driver_remove_void", "platform_driver_remove_new", "i2c_driver_remove_void",
             "i2c_driver_probe_one_arg", "spi_driver_remove_void", "xenbus_driver_remove_void",
             "hv_driver_remove_void", "mei_cl_driver_remove_void")


def test_bus_remove_rules_share_one_fragment() -> None:
    from kbridge.knowledge import rules as rules_mod

    by_id = rules_mod.by_id(rules_mod.load())
    for rid in BUS_RULES:
        assert by_id[rid].manifest.fragments == ("bus_remove",), rid
        for w in by_id[rid].wrapped_headers:      # each wrapper instantiates it, no copy of its C
            text = w.read_text()
            assert '#include "kb_fragments/bus_remove.h"' in text and "kb_br_list" not in text, w
    # the two platform rules ship one wrapper, byte for byte (the layer keeps one copy), and
    # so do the two i2c rules (remove and probe: one wrapper bridges either slot or both)
    for pair in (("platform_driver_remove_void", "platform_driver_remove_new"),
                 ("i2c_driver_remove_void", "i2c_driver_probe_one_arg")):
        a, b = (by_id[r].wrapped_headers for r in pair)
        assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b] and len(a) == 1, pair


def test_layer_carries_the_fragment_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kbridge.actions.bridge import layer
    from kbridge.knowledge import rules as rules_mod

    by_id = rules_mod.by_id(rules_mod.load())
    drv = drv_mod.load(LAYER / "kbtest_plat_new")
    rules = [by_id["platform_driver_remove_new"], by_id["platform_driver_remove_void"]]
    p = layer.plan(rules, drv, {"platform_driver_remove_new": "new", "platform_driver_remove_void": "new"},
                   [{"platform_driver_remove_new": "old", "platform_driver_remove_void": "old"}])
    files, _ = layer.files(drv, "6.12", p)
    assert files["compat/kb_fragments/bus_remove.h"] == \
        (rules_mod.FRAGMENTS_DIR / "bus_remove.h").read_bytes()
    # the generated "after" wrapper, then ONE copy of the two rules' identical wrapper
    assert sorted(f for f in files if f.endswith("linux/platform_device.h")) == [
        "compat/include.1/linux/platform_device.h", "compat/include/linux/platform_device.h"]
    assert files["compat/include.1/linux/platform_device.h"] == by_id[
        "platform_driver_remove_void"].wrapped_headers[0].read_bytes()


def test_manifest_fragments_are_validated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kbridge.knowledge import rules as rules_mod

    m = tmp_path / "shim.toml"
    m.write_text('fragments = ["bus_remove"]\n')
    assert rules_mod._parse_manifest(m, "x", set()).fragments == ("bus_remove",)
    m.write_text('fragments = ["no_such_fragment"]\n')
    with pytest.raises(rules_mod.RuleError, match=r"shim.toml:1: rule x: unknown fragment 'no_such_fragment'"):
        rules_mod._parse_manifest(m, "x", set())
    m.write_text('fragments = "bus_remove"\n')
    with pytest.raises(rules_mod.RuleError, match="must be a list of fragment names"):
        rules_mod._parse_manifest(m, "x", set())


def test_a_remove_of_the_drivers_own_struct_is_not_the_bus_slot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """refused_reads = ["remove"] refuses a driver that reads its registered
    platform_driver's ->remove (the trampoline is there); a driver that calls ->remove of
    a struct of its own (a table of callbacks) reads nothing of the kind and bridges.
    Before, any ``->remove`` in the driver refused it (the review's doubt 3). A read of the
    bus struct's slot is still refused."""
    src = (LAYER / "kbtest_plat_void" / "kbtest_plat_void.c").read_text()
    own = src.replace("static struct platform_device *kbtest_pdev;\n", """static struct platform_device *kbtest_pdev;

struct kbtest_ops {
	void (*remove)(void);
};

static void kbtest_ops_remove(void)
{
	pr_info("kbtest_plat_void: own remove\\n");
}

static const struct kbtest_ops kbtest_ops = { .remove = kbtest_ops_remove };
static const struct kbtest_ops *kbtest_ops_p = &kbtest_ops;
""").replace("\tpr_info(\"kbtest_plat_void: remove %s\\n\", dev_name(&pdev->dev));\n",
             "\tpr_info(\"kbtest_plat_void: remove %s\\n\", dev_name(&pdev->dev));\n\tkbtest_ops_p->remove();\n")
    assert "kbtest_ops_p->remove();" in own
    bus = own.replace("\tkbtest_ops_p->remove();\n", "\tif (kbtest_driver.remove)\n\t\tkbtest_ops_p->remove();\n")
    bus = bus.replace("static void kbtest_remove(struct platform_device *pdev)",
                      "static struct platform_driver kbtest_driver;\n\nstatic void kbtest_remove(struct platform_device *pdev)")
    for name, text, refused in (("own", own, False), ("bus", bus, True)):
        d = tmp_path / name
        d.mkdir()
        (d / "kbtest_plat_void.c").write_text(text)
        (d / "Kbuild").write_text("obj-m += kbtest_plat_void.o\n")
        rep = bridge(drv_mod.load(d), [_tree("6.12"), _tree("6.1")], "layer", tmp_path / f"out-{name}")
        mine = [u for u in rep.unbridged if u.rule == "platform_driver_remove_void"]
        assert bool(mine) == refused, (name, rep.unbridged)
        if refused:
            assert "reads ->remove" in mine[0].why, mine
        else:
            assert rep.ok, rep.unbridged
