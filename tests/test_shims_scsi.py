"""SCSI host template and completion across 5.10, 6.12 and 7.2: real modules, real guests.

tests/fixtures/layer/kbtest_scsi_old (6.12 API: int ->queuecommand, ->slave_configure(sdev),
->slave_destroy, scsi_done()) is bridged for 5.10 (scsi_done_function) and 7.2
(scsi_queuecommand_qc_status, scsi_slave_configure_removed, scsi_sdev_destroy_renamed);
kbtest_scsi_new (7.2 API: enum scsi_qc_status, ->sdev_configure(sdev, lim), ->sdev_destroy)
for 6.12 (scsi_queuecommand_qc_status, scsi_sdev_configure, scsi_sdev_destroy_renamed) and
for 5.10 and 6.1 (there scsi_sdev_configure's trampoline runs the callback inside a
queue-limits update: the limits it is handed are the queue's, what it sets -- max_hw_sectors
64, max_segments 7 on LUN 0 -- is what the queue has afterwards, and limits the newer kernel
refuses (LUN 2: a logical block size of 3) keep the LUN out with the newer core's message).
Each is built clean and booted on every kernel; the guest script reads what the SCSI core
made of the host: LUN 0 scanned (INQUIRY through queuecommand, completed by scsi_done), LUN 1
refused by the configure callback (-ENXIO: not added), LUN 0 deleted (destroy called). What
the module counted and what sysfs shows must be the same on every kernel.

Checked to fail: with scsi_done_function's shim stubbed (kb_scsi_done not completing) the
5.10 run fails (the module does not load: "Device offlined - not ready after error
recovery"); without the rules neither module builds on the other kernel. The template
copy's trampolines (slave_configure, queuecommand on 7.2) cannot be told apart from a
call through the slot of the other type on Debian's kernels (no CFI; x86-64 ignores the
extra argument and returns both types in eax): they are there to keep the calls
type-correct, and this test shows they reach the driver's callbacks with the right host.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

LAYER = FIXTURES / "layer"
SCRIPT = LAYER / "kbtest_scsi_guest" / "scsi.sh"
EXPECTED = {"lun0": "1", "lun0_type": "3", "lun0_vendor": "KBTEST", "lun1": "0",
            "lun0_after_delete": "0", "configure_calls": "2", "right_host": "1"}

# kbtest_scsi_new: LUN 2 refused at the commit, LUN 0's limits as its callback set them
NEW_EXPECTED = {"configure_calls": "3", "lun2": "0", "lun2_msg": "1", "lun2_configure_msg": "0",
                "lim_seen": "1", "lim_before": "1024", "q_hw": "64", "q_max": "64", "q_segs": "7",
                "q_lbs": "512",
                # a second host after the driver changed its (writable) template's can_queue
                "host2_can_queue": "3"}


def _kbq(text: str) -> dict[str, str]:
    return dict(line[4:].split("=", 1) for line in text.splitlines()
                if line.startswith("kbq ") and "=" in line)


@pytest.mark.slow
@pytest.mark.parametrize("fixture,home,others", [("kbtest_scsi_old", "6.12", ("5.10", "7.2")),
                                                 ("kbtest_scsi_new", "7.2", ("6.12", "5.10", "6.1"))])
def test_scsi_host_behaves_alike_on_every_kernel(fixture, home, others, trees, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.image import guest_root
    from kbridge.actions.guest.runner import run_guest

    all_trees = [targets.resolve(s, trees=trees) for s in (home, *others)]
    if not all((guest_root() / "images" / t.release).is_dir() for t in all_trees):
        pytest.skip("guest kernel images not in the cache (kbridge run fetches them)")
    out = tmp_path / fixture
    rep = bridge(drv_mod.load(LAYER / fixture), all_trees, "layer", out, home=all_trees[0].version)
    assert rep.ok, rep.unbridged
    seen = {}
    for tree in all_trees:
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (
            tree.name, diags, undefined, proc.stdout[-3000:])
        ko = tmp_path / f"{fixture}-{tree.release}.ko"
        ko.write_bytes((out / f"{fixture}.ko").read_bytes())
        g = run_guest([ko], tree.release, test_script=SCRIPT, timeout=240)
        assert [m.returncode for m in g.modules] == [0], (tree.release, g.reasons)
        assert g.test_returncode == 0, g.test_output
        assert g.ok, (tree.release, g.reasons, g.problems)
        seen[tree.release] = _kbq(g.test_output)
    expected = dict(EXPECTED, **(NEW_EXPECTED if fixture == "kbtest_scsi_new" else {}))
    for release, kbq in seen.items():
        for k, v in expected.items():
            assert kbq.get(k) == v, (release, k, kbq)
        assert int(kbq["qc_calls"]) >= 2 and kbq["done_calls"] == kbq["qc_calls"], (release, kbq)
        assert int(kbq["destroy_calls"]) >= 1, (release, kbq)
    counts = {r: (k["configure_calls"], k["destroy_calls"]) for r, k in seen.items()}
    assert len(set(counts.values())) == 1, counts


# --- scsi_host_template_const (new_on_old): the template copy across module reloads --------
CONST_SCRIPT = LAYER / "kbtest_scsi_guest" / "const.sh"
CONST_EXPECTED = {"luns": "2", "rmmod": "0", "leaked_per_reload": "0", "luns_reloaded": "2",
                  # a writable template changed between two hosts (can_queue 1, then 3)
                  "var_can_queue1": "1", "var_can_queue2": "3"}
# where the guest kernel has CONFIG_SCSI_PROC_FS (none of Debian's: the script says so)
CONST_PROC_EXPECTED = {"proc_file": "1", "proc_dir_after_rmmod": "0", "proc_file_reloaded": "1",
                       "proc_hosts_reloaded": "1"}


@pytest.mark.slow
@pytest.mark.parametrize("series", ["6.1", "5.10", "6.12"])
def test_const_template_with_proc_survives_reloads_without_leak(series, trees, tmp_path):  # type: ignore[no-untyped-def]
    """kbtest_scsi_const (6.12: two const templates, one with .show_info, each host with
    LUN 0) bridged for 6.1 and 5.10 (scsi_host_template_const) and native on 6.12. The older
    core writes to a host's template -- scsi_device_dev_release() clears its module pointer
    when rmmod removes the host's devices, and .show_info templates keep /proc/scsi counters
    (no Debian kernel has CONFIG_SCSI_PROC_FS: checked only where /proc/scsi exists) -- so
    the core must get a writable copy of every template; 64 loads and unloads must leave
    no copy behind (the copy is the module's data, as the driver's own template is).
    Checked to fail first on 6.1: with session 9's shim (a kmemdup copy for .show_info
    templates only) rmmod oopses writing the plain template's module pointer (Oops 0003 at
    a module address); with the oops avoided but the copy still kmemdup'ed, the kmalloc
    cache of the template's size grows by one object per reload (leaked_per_reload=1)."""
    from kbridge.actions.guest.image import ensure_image
    from kbridge.actions.guest.runner import run_guest

    home = targets.resolve("6.12", trees=trees)
    tree = targets.resolve(series, trees=trees)
    ensure_image(tree.release)
    out = tmp_path / "kbtest_scsi_const"
    others = [tree] if series != "6.12" else []
    rep = bridge(drv_mod.load(LAYER / "kbtest_scsi_const"), [home, *others], "layer", out,
                 home=home.version)
    assert rep.ok, rep.unbridged
    if others:
        assert "scsi_host_template_const" in {s["rule"] for s in rep.shims}
    proc = run_kbuild(out, tree)
    diags, undefined = parse_log(proc.stdout, out)
    assert proc.returncode == 0 and not diags and not undefined, (
        tree.name, diags, undefined, proc.stdout[-3000:])
    ko = tmp_path / "kbtest_scsi_const.ko"
    ko.write_bytes((out / "kbtest_scsi_const.ko").read_bytes())
    g = run_guest([ko], tree.release, test_script=CONST_SCRIPT, timeout=300)
    assert [m.returncode for m in g.modules] == [0], (tree.release, g.reasons)
    assert g.test_returncode == 0, g.test_output
    assert g.ok, (tree.release, g.reasons, g.problems)
    kbq = _kbq(g.test_output)
    expected = dict(CONST_EXPECTED, **(CONST_PROC_EXPECTED if kbq.get("scsi_procfs") == "1" else {}))
    for k, v in expected.items():
        assert kbq.get(k) == v, (tree.release, k, kbq)
