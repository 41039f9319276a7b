"""The layer strategy on real drivers, real headers and real kbuild runs.

OUT must keep the driver's files byte-identical, be the same bytes for the
same input, configure itself at build time (no Python on the build
machine), and build clean under plain `make -C tree M=OUT modules` on every
kernel -- the corpus cross builds are the measuring stick.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, assert_bad_input, run_cli
from kbridge.actions import matrix
from kbridge.actions.bridge import bridge, build_layer
from kbridge.actions.kbuild import make_env, parse_log, run_kbuild
from kbridge.facts import driver as drv_mod

LAYER = FIXTURES / "layer"


def _driver(corpus, label):  # type: ignore[no-untyped-def]
    e = corpus[label]
    return drv_mod.load(e.path, label=e.label, origin_version=e.version)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _make(out: Path, tree) -> tuple[subprocess.CompletedProcess[str], list, list]:  # type: ignore[no-untyped-def]
    proc = run_kbuild(out, tree)
    diags, undefined = parse_log(proc.stdout, out)
    return proc, diags, undefined


def test_out_keeps_driver_files_and_is_deterministic(corpus, tree61, tmp_path):  # type: ignore[no-untyped-def]
    drv = _driver(corpus, "xen-blkfront@6.12")
    r1 = bridge(drv, [tree61], "layer", tmp_path / "a")
    r2 = bridge(drv, [tree61], "layer", tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a == b, "same input must give byte-identical OUT"
    # the driver's own files, unchanged; its Kbuild kept verbatim for OUT's Kbuild to include
    assert a["xen-blkfront.c"] == (drv.path / "xen-blkfront.c").read_bytes()
    assert a["compat/Kbuild.driver"] == (drv.path / "Kbuild").read_bytes()
    assert r1.driver_files == ["xen-blkfront.c"] and r1.ok and r1.home.startswith("6.12")
    rules = {s["rule"] for s in r1.shims}
    assert {"queue_limits_features", "queue_limits_update_api", "blk_mq_alloc_disk_takes_limits",
            "blk_mode_t", "blk_queue_disable_discard"} <= rules
    assert all(s["direction"] == "new_on_old" for s in r1.shims)
    # what OUT carries: probes, runner, wrappers, dkms.conf; no generated answers yet
    assert "compat/kb_config.h" not in a
    assert b"#include_next <linux/blkdev.h>" in a["compat/include/linux/blkdev.h"]
    assert b'BUILT_MODULE_NAME[0]="xen-blkfront"' in a["dkms.conf"]
    assert b"KB_HAVE_QUEUE_LIMITS_FEATURES" in a["compat/kb_probes.map"]
    assert r2.files == r1.files


@pytest.mark.slow
def test_blkfront_layer_builds_clean_on_both_kernels(corpus, tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    """One OUT of 6.12's xen-blkfront, plain kbuild, both kernels: 0 errors, 0 warnings, nothing
    undefined (6.1's xen-blkfront on 6.12 is among the corpus cross builds below)."""
    trees = {"6.1": tree61, "6.12": tree612}
    out = tmp_path / "out"
    bridge(_driver(corpus, "xen-blkfront@6.12"), [tree61], "layer", out)
    configs = {}
    for series in ("6.1", "6.12"):
        proc, diags, undefined = _make(out, trees[series])
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert diags == [] and undefined == [], (series, diags, undefined)
        assert (out / "xen-blkfront.ko").is_file()
        configs[series] = (out / "compat" / "kb_config.h").read_text()
    # the build-time probes answered differently on the two kernels
    assert "#define KB_HAVE_QUEUE_LIMITS_FEATURES 1" in configs["6.12"]
    assert "/* #undef KB_HAVE_QUEUE_LIMITS_FEATURES */" in configs["6.1"]


def test_build_time_probes_agree_with_kbridge_probe(corpus, tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    """compat/kb_conftest.sh (sh + gcc, no Python) answers as `kbridge probe` does."""
    from kbridge.actions.probe import probe
    from kbridge.knowledge import rules as rules_mod

    out = tmp_path / "out"
    rep = bridge(_driver(corpus, "xen-blkfront@6.1"), [tree612], "layer", out)
    by_id = rules_mod.by_id(rules_mod.load())
    rules = [by_id[s["rule"]] for s in rep.shims]
    for tree in (tree61, tree612):
        # `make -n` parses OUT's Kbuild, which runs the probes, and compiles nothing
        (out / "compat" / "kb_config.h").unlink(missing_ok=True)
        subprocess.run(["make", "-s", "-C", str(tree.path), f"M={out}", "modules", "-n"],
                       capture_output=True, text=True, env=make_env())
        cfg = (out / "compat" / "kb_config.h").read_text()
        have = set(re.findall(r"^#define (KB_HAVE_\w+) 1$", cfg, re.M))
        for res in probe(tree, rules):
            assert (res.guard in have) == bool(res.result), (tree.name, res.rule)


@pytest.mark.slow
@pytest.mark.sweep
def test_corpus_cross_builds_clean(corpus, tree61, tree612):  # type: ignore[no-untyped-def]
    """All 24 cross builds through the layer. Every corpus driver builds with 0 warnings on
    its own kernel (the measured baseline in README.md), so the bar is 0 warnings.

    A sweep (deselected by default: bench/bench_suite.py --mark sweep): the suite builds the
    same cells (`kbridge matrix --strategy layer`'s builder is build_layer) of the drivers
    that carry every rule of the 24, with the same bar, in
    test_guest_runtime.test_matrix_run_layer_load_column_one_driver_per_rule_family."""
    trees = {"6.1": tree61, "6.12": tree612}
    cells = []
    for label in sorted(corpus):
        name, series = label.split("@")
        other = "6.1" if series == "6.12" else "6.12"
        cells.append(matrix.Cell(_driver(corpus, label), trees[other]))
    bridged = matrix.run(cells, jobs=2, builder=build_layer)
    failures = []
    for cell, res in zip(cells, bridged):
        if not (res.ok and res.errors == 0 and not res.undefined_symbols
                and res.warnings == 0):
            failures.append((cell.driver.label, res.target, res.errors, res.warnings,
                             res.undefined_symbols, [d.message for d in res.diagnostics][:3]))
    assert failures == []


def test_unbridgeable_change_is_reported_with_exit_1(tmp_path):  # type: ignore[no-untyped-def]
    """No shim for the block open callback change: named, with exit 1 (OUT still written)."""
    proc = run_cli("bridge", str(LAYER / "kbtest_unbridged"), "--target", "6.1", "--target", "6.12",
                   "-o", str(tmp_path / "o"))
    assert proc.returncode == 1, proc.stderr
    assert "NOT BRIDGED block_device_operations_open_gendisk" in proc.stdout
    assert "struct block_device_operations.open" in proc.stdout
    assert (tmp_path / "o" / "kbtest_open.c").read_bytes() == \
        (LAYER / "kbtest_unbridged" / "kbtest_open.c").read_bytes()


def test_bridge_cli_ok_and_json(tmp_path):  # type: ignore[no-untyped-def]
    import json
    proc = run_cli("bridge", "xen-fbfront@6.1", "--target", "6.12", "-o", str(tmp_path / "o"), "--json")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    assert rep["ok"] and rep["home"].startswith("6.1.")
    assert {s["rule"] for s in rep["shims"]} == {"fbinfo_flag_default_removed"}


def test_bridge_cli_bad_input(tmp_path, corpus):  # type: ignore[no-untyped-def]
    drv = corpus["xen-blkfront@6.12"].path
    assert_bad_input(run_cli("bridge", "xen-blkfront@6.12", "-t", "6.1", "-o", str(drv / "out")),
                     "inside the driver directory")
    assert_bad_input(run_cli("bridge", "xen-blkfront@6.12", "-t", "6.1", "-o",
                             str(tmp_path / "missing" / "o")), "does not exist")
    assert not (drv / "out").exists()


@pytest.mark.slow
def test_dkms_add_build(tmp_path, corpus, tree61):  # type: ignore[no-untyped-def]
    """The real dkms builds OUT from its dkms.conf against an installed kernel."""
    assert shutil.which("dkms"), "dkms is not installed (scripts/setup.sh installs it)"
    assert tree61.release, tree61
    out = tmp_path / "out"
    bridge(_driver(corpus, "xen-blkfront@6.12"), [tree61], "layer", out)
    conf = (out / "dkms.conf").read_text()
    name = re.search(r'PACKAGE_NAME="([^"]+)"', conf).group(1)
    version = re.search(r'PACKAGE_VERSION="([^"]+)"', conf).group(1)
    src = Path("/usr/src") / f"{name}-{version}"
    subprocess.run(["dkms", "remove", f"{name}/{version}", "--all"], capture_output=True)
    shutil.rmtree(src, ignore_errors=True)
    try:
        shutil.copytree(out, src)
        add = subprocess.run(["dkms", "add", f"{name}/{version}"], capture_output=True, text=True)
        assert add.returncode == 0, add.stdout + add.stderr
        b = subprocess.run(["dkms", "build", f"{name}/{version}", "-k", tree61.release],
                           capture_output=True, text=True)
        assert b.returncode == 0, b.stdout + b.stderr
        built = list(Path("/var/lib/dkms", name, version, tree61.release).rglob("xen-blkfront.ko"))
        assert built, "dkms build produced no module"
    finally:
        subprocess.run(["dkms", "remove", f"{name}/{version}", "--all"], capture_output=True)
        shutil.rmtree(src, ignore_errors=True)


def test_two_extensions_of_one_header_are_chained(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    """Two rules extending <linux/netdevice.h> get one include directory each.

    netdev_xdp_features ships its own wrapper (it must act while the kernel's
    header is read); a second rule's "after" shim of the same header is the
    generated wrapper in front of it. Both must run, the after shim last
    (it asserts the wrapper's member exists), and the chain must build clean
    under real kbuild on 6.1 -- before chaining, the layer refused this with
    "two rules ship different wrappers".
    """
    from kbridge.actions.bridge import _answers, layer
    from kbridge.knowledge import rules as rules_mod
    rules = rules_mod.load()
    by = rules_mod.by_id(rules)
    drv = drv_mod.load(LAYER / "kbtest_chain", label="kbtest_chain", origin_version=tree612.version)
    needed = layer.needed_rules(rules, drv)
    p = layer.plan(rules, drv, _answers(tree612, tree612.version, needed),
                   [_answers(tree61, tree61.version, needed)])
    assert [s.rule.id for s in p.shims] == ["netdev_xdp_features"]
    extra = by["u64_stats_fetch_irq_removed"]      # any rule probed on 6.1 will do as the carrier
    p.shims.append(layer.ShimPlan(extra, "new_on_old", "linux/netdevice.h",
                                  "static_assert(sizeof(((struct net_device *)0)->xdp_features) == 4);\n"
                                  "#define KB_CHAIN_TEST_AFTER 1\n"))
    if extra not in p.probed:
        p.probed.append(extra)
    content, own = layer.files(drv, tree612.version, p)
    assert "compat/include/linux/netdevice.h" in content
    assert content["compat/include.1/linux/netdevice.h"] == \
        (extra.shim_dir.parent / "netdev_xdp_features/include/linux/netdevice.h").read_bytes()
    assert b"#include_next <linux/netdevice.h>" in content["compat/include/linux/netdevice.h"]
    assert b"-I$(KB_COMPAT)/include -I$(KB_COMPAT)/include.1 -I$(KB_COMPAT)\n" in content["Kbuild"]
    out = tmp_path / "out"
    for rel, data in content.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    proc, diags, undefined = _make(out, tree61)
    assert proc.returncode == 0 and diags == [] and undefined == [], proc.stdout[-2000:]


def test_api_named_only_in_a_macro_body_is_used(tmp_path):  # type: ignore[no-untyped-def]
    """A driver that names an API only inside its own #define (macvlan 6.1:
    NETIF_F_LLTX in ALWAYS_ON_FEATURES) needs the API's rule all the same."""
    from kbridge.actions.bridge import layer
    from kbridge.knowledge import rules as rules_mod
    d = tmp_path / "macrodrv"
    d.mkdir()
    (d / "Kbuild").write_text("obj-m += macrodrv.o\n")
    (d / "macrodrv.c").write_text(
        "#include <linux/netdevice.h>\n"
        "#define ALWAYS_ON (NETIF_F_SG | \\\n\t\t   NETIF_F_LLTX)\n"
        "#define SET_LIMIT(q) blk_queue_max_hw_sectors((q), 8)\n"
        "static void setup(struct net_device *dev) { dev->features |= ALWAYS_ON; }\n")
    used = {r.id for r in layer.used_rules(rules_mod.load(), drv_mod.load(d))}
    assert {"netdev_lltx", "blk_queue_max_hw_sectors_removed"} <= used


def test_net_device_tail_members_of_two_rules_combine(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    """xdp_features (netdev_xdp_features) and lltx/change_proto_down (netdev_lltx)
    are both appended to struct net_device's tail on 6.1; a driver using all
    three (as veth does) builds clean on both kernels."""
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(LAYER / "kbtest_tail"), [tree612, tree61], "layer", out)
    assert {"netdev_xdp_features", "netdev_lltx", "netdev_change_proto_down"} <= \
        {s["rule"] for s in rep.shims}, rep.unbridged
    for tree in (tree61, tree612):
        proc, diags, undefined = _make(out, tree)
        assert proc.returncode == 0 and diags == [] and undefined == [], (tree.name, proc.stdout[-2000:])
