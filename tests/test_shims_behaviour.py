"""Behaviour of the shims that only corpus builds exercised before: real modules, real guests.

Two test modules, each written for one kernel's API, are bridged with the
layer and built with plain kbuild on 6.1 and 6.12; then each kernel boots
once (kbridge.actions.guest) with both modules, one native and one bridged,
so every shim below runs next to the kernel's own implementation of the
same API:

* tests/fixtures/layer/kbtest_beh_old (Linux 6.1 API, bridged on 6.12):
  the blk_queue_*() setters 6.12 removed (chunk_sectors, io_min, io_opt,
  max_discard_segments, max_write_zeroes_sectors, max_secure_erase_sectors,
  virt_boundary), a drm_driver with .gem_prime_mmap, vmap() reached through
  the DRM headers only, is_swiotlb_active() and pci_xen_swiotlb_init_late();
* tests/fixtures/layer/kbtest_beh_new (Linux 6.12 API, bridged on 6.1):
  blk_queue_disable_discard()/_secure_erase(), console_list_lock() with
  console_force_preferred_locked(), vm_flags_set()/vm_flags_clear().

The modules report what they saw as "kbq NAME=VALUE" kernel messages and a
guest script reads the disks' sysfs queue attributes and runs blkdiscard.
A shim that only quiets the compiler (ignores a value, returns 0, takes no
lock) gives a different value than the native kernel and fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod

LAYER = FIXTURES / "layer"
OLD, NEW = "kbtest_beh_old", "kbtest_beh_new"

OLD_SHIMS = {"blk_queue_chunk_sectors_removed", "blk_queue_io_min_removed", "blk_queue_io_opt_removed",
             "blk_queue_max_discard_segments_removed", "blk_queue_max_secure_erase_sectors_removed",
             "blk_queue_max_write_zeroes_sectors_removed", "blk_queue_virt_boundary_removed",
             "drm_gem_prime_mmap_removed", "pci_xen_swiotlb_init_late_removed", "vmalloc_h_not_implied"}
NEW_SHIMS = {"blk_queue_disable_discard", "blk_queue_disable_secure_erase", "console_list_lock",
             "console_force_preferred_locked", "vm_flags_set"}

# The limits both modules set (kbtest_beh_old through 6.1's setters,
# kbtest_beh_new in its struct queue_limits), as sysfs shows them: each
# differs from the queue's default, so a setter that does nothing shows.
LIMITS = {
    "chunk_sectors": "256",                 # blk_queue_chunk_sectors(q, 256)
    "minimum_io_size": "16384",             # blk_queue_io_min(q, 16384)
    "optimal_io_size": "98304",             # blk_queue_io_opt(q, 98304)
    "read_ahead_kb": "192",                 # ... and io_opt sizes readahead: 2 * 96 KiB (default 128)
    "max_discard_segments": "8",            # blk_queue_max_discard_segments(q, 8)
    "write_zeroes_max_bytes": "524288",     # blk_queue_max_write_zeroes_sectors(q, 1024)
    "virt_boundary_mask": "4095",           # blk_queue_virt_boundary(q, 4095) ...
    "max_segment_size": "4294967295",       # ... lifts the segment size to UINT_MAX (default 65536)
    "discard_max_hw_bytes": "1048576",
    "logical_block_size": "4096",
}


def _guest_images(*releases: str | None) -> None:
    """Fetch (once, into the cache) the guest kernels of *releases*: a missing image is fetched,
    and one that cannot be had fails the test -- never a skip."""
    from kbridge.actions.guest.image import ensure_image
    for release in releases:
        assert release, "a kernel tree without a release"
        ensure_image(release)


def bridge_behaviour_modules(tree61, tree612, tmp: Path):  # type: ignore[no-untyped-def]
    """Both test modules bridged with the layer for 6.1 and 6.12: ({fixture: BridgeReport})."""
    reports = {}
    for fixture, home in ((OLD, tree61), (NEW, tree612)):
        drv = drv_mod.load(LAYER / fixture)
        rep = bridge(drv, [tree61, tree612], "layer", tmp / fixture, home=home.version)
        assert rep.ok, rep.unbridged
        reports[fixture] = rep
    return reports


def build_behaviour_modules(reports, trees, tmp: Path):  # type: ignore[no-untyped-def]
    """Each bridged OUT built clean with plain kbuild on each of *trees* (its build-time
    probes answer for that tree): {(fixture, release): .ko path}."""
    kos = {}
    for fixture, rep in reports.items():
        for tree in trees:
            proc = run_kbuild(rep.out, tree)
            diags, undefined = parse_log(proc.stdout, rep.out)
            assert proc.returncode == 0 and not diags and not undefined, (
                fixture, tree.name, diags, undefined, proc.stdout[-3000:])
            ko = tmp / f"{fixture}-{tree.release}.ko"
            ko.write_bytes((rep.out / f"{fixture}.ko").read_bytes())
            kos[(fixture, tree.release)] = ko
    return kos


@pytest.fixture(scope="module")
def behaviour_modules(tree61, tree612, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Both test modules bridged (one OUT each, for 6.1 and 6.12) and built clean on both kernels.

    Returns ({fixture: BridgeReport}, {(fixture, release): .ko path}).
    """
    tmp = tmp_path_factory.mktemp("behaviour")
    reports = bridge_behaviour_modules(tree61, tree612, tmp)
    return reports, build_behaviour_modules(reports, (tree61, tree612), tmp)


@pytest.mark.slow
def test_behaviour_modules_bridge_with_each_shim(behaviour_modules):  # type: ignore[no-untyped-def]
    """Each shim under test is in the layer, and both modules build clean on both kernels.

    The build itself checks the modules' compile-time assertions: vmap()/
    vunmap() are the kernel's functions with their prototypes (not a macro
    standing in for them), drm_driver.gem_prime_mmap has its 6.1 type,
    pci_xen_swiotlb_init_late() returns int and is_swiotlb_active() bool.
    """
    reports, _ = behaviour_modules
    assert OLD_SHIMS <= {s["rule"] for s in reports[OLD].shims}
    assert NEW_SHIMS <= {s["rule"] for s in reports[NEW].shims}
    # the driver's own files are in OUT byte for byte
    for fixture, rep in reports.items():
        for rel in rep.driver_files:
            assert (rep.out / rel).read_bytes() == (LAYER / fixture / rel).read_bytes()


def _kbq(lines: list[str]) -> dict[str, str]:
    """{"NAME": "VALUE"} from "kbq NAME=VALUE" lines (the module's messages or the guest script's)."""
    return dict(line[4:].split("=", 1) for line in lines if line.startswith("kbq ") and "=" in line)


@pytest.mark.slow
def test_shim_behaviour_in_guests(behaviour_modules, tree61, tree612):  # type: ignore[no-untyped-def]
    """One boot per kernel with both modules: every shim does what the native kernel does.

    On 6.1 kbtest_beh_old runs natively and kbtest_beh_new through the layer;
    on 6.12 the other way round. Asserted, on both kernels alike:

    * the old blk_queue_*() setters: chunk_sectors, minimum_io_size,
      optimal_io_size (and the readahead it sizes), max_discard_segments,
      write_zeroes_max_bytes, virt_boundary_mask (and max_segment_size lifted
      to UINT_MAX) read in sysfs as set, the same as the struct queue_limits
      module's; max_secure_erase_sectors (no sysfs file) as the block layer
      reports it (bdev_max_secure_erase_sectors) and as BLKSECDISCARD honours it;
    * blk_queue_disable_discard()/_secure_erase(): the current limits drop
      to 0, the hardware discard limit stays, and the block layer refuses
      BLKDISCARD and BLKSECDISCARD (EOPNOTSUPP) while the old disk takes both;
    * console_list_lock(): another thread's register_console() waits for
      the unlock; console_force_preferred_locked(): the console becomes the
      head with CON_CONSDEV, the only one, stays registered with its other
      flags unchanged; an unregistered console is left alone;
    * vm_flags_set()/vm_flags_clear() in a real ->mmap: exactly those bits
      change in the VMA the kernel keeps;
    * .gem_prime_mmap = drm_gem_prime_mmap: the device is allocated and the
      core sees the driver's own struct; any other callback is refused on
      6.12 (-EINVAL and the shim's warning, the only warning of the run),
      accepted on 6.1;
    * vmap() reached through the DRM headers maps the pages;
    * is_swiotlb_active(): the same answers as 6.1's exported function for
      no pool, an empty pool, a pool with slabs and the device's own;
      pci_xen_swiotlb_init_late() on 6.12 reports -ENXIO, not a success.
    """
    _, kos = behaviour_modules
    releases = [tree61.release, tree612.release]
    _guest_images(*releases)
    check_behaviour_in_guests(kos, tree61, tree612)


def check_behaviour_in_guests(kos, tree61, tree612):  # type: ignore[no-untyped-def]
    """The guest runs and assertions of test_shim_behaviour_in_guests, for the guests of the
    releases of *tree61* and *tree612* (Debian's kernels, or the debug kernels: a problem
    their checkers report fails it like any other kernel-log problem)."""
    from kbridge.actions.guest.runner import run_guest

    releases = [tree61.release, tree612.release]
    mods: dict[str, dict[str, dict[str, str]]] = {}
    disks: dict[str, dict[str, dict[str, str]]] = {}
    for tree in (tree61, tree612):
        r = tree.release
        # kbtest_beh_old last: "late" goes to the last module, and only where the call is shimmed
        g = run_guest([kos[(NEW, r)], kos[(OLD, r)]], r, test_script=LAYER / "kbtest_beh_guest" / "queue_attrs.sh",
                      params=["late=1"] if tree is tree612 else [], timeout=240)
        assert {m.name: m.returncode for m in g.modules} == {NEW: 0, OLD: 0}, (r, g.reasons)
        assert g.test_returncode == 0, (r, g.test_output)
        if tree is tree612:
            # the one expected warning: the shim refusing a .gem_prime_mmap it cannot honour
            assert len(g.problems) == 1 and "kbt_drm_check" in g.problems[0], (r, g.problems)
            assert any(".gem_prime_mmap other than drm_gem_prime_mmap is not supported" in line
                       for line in g.dmesg), r
            assert g.reasons == [f"kernel log: {g.problems[0].strip()}"], (r, g.reasons)
        else:
            assert g.ok, (r, g.reasons, g.problems)
        mods[r] = {m.name: _kbq(m.dmesg) for m in g.modules}
        disks[r] = {}
        for line in g.test_output.splitlines():
            if line.startswith("kbq "):
                disk, rest = line[4:].split(" ", 1)
                disks[r].setdefault(disk, {}).update(_kbq([f"kbq {rest}"]))

    for r in releases:
        old, new, d = mods[r][OLD], mods[r][NEW], disks[r]
        # block setters on both disks: the values asked for, through either API
        for disk in ("kbtold0", "kbtnew0"):
            assert {a: d[disk].get(a) for a in LIMITS} == LIMITS, (r, disk)
        assert old["secure_erase_sectors"] == "512", r
        assert d["kbtold0"]["discard_max_bytes"] == "1048576", r
        assert d["kbtold0"]["blkdiscard"].split()[0] == "0", (r, d["kbtold0"])
        assert d["kbtold0"]["blkdiscard_secure"].split()[0] == "0", (r, d["kbtold0"])
        # disable_discard / disable_secure_erase
        assert (new["discard_sectors_before"], new["discard_sectors_after"]) == ("2048", "0"), r
        assert (new["secure_erase_sectors_before"], new["secure_erase_sectors_after"]) == ("512", "0"), r
        assert new["discard_hw_sectors_after"] == "2048", r
        assert d["kbtnew0"]["discard_max_bytes"] == "0", r
        for op in ("blkdiscard", "blkdiscard_secure"):
            rc, _, msg = d["kbtnew0"][op].partition(" ")
            assert rc != "0" and "Operation not supported" in msg, (r, op, d["kbtnew0"][op])
        # console list lock and preferred console
        assert new["console_registered"] == "1" and new["console_head_is_test"] == "0", r
        for k in ("console_register_waits_for_lock", "console_preferred_registered",
                  "console_preferred_is_head", "console_consdev_count", "console_preferred_flags_kept",
                  "console_late_registered", "console_unregistered_left_alone",
                  "console_preferred_not_reregistered"):
            assert new[k] == "1", (r, k)
        assert new["console"] == "0", r
        # vm_flags_set / vm_flags_clear
        assert {k: new[k] for k in ("vm_flags_set", "vm_flags_clear", "vm_flags_kept_dontexpand",
                                    "vm_flags_kept_dontdump", "vm_flags")} == \
            {"vm_flags_set": "1", "vm_flags_clear": "1", "vm_flags_kept_dontexpand": "1",
             "vm_flags_kept_dontdump": "0", "vm_flags": "0"}, r
        # drm, vmap, swiotlb
        assert (old["drm_prime_alloc"], old["drm_core_sees_driver"], old["drm"]) == ("0", "1", "0"), r
        assert old["vmap_maps_pages"] == "1" and old["vmap"] == "0", r
        assert (old["swiotlb_none"], old["swiotlb_empty"], old["swiotlb_slabs"]) == ("0", "0", "1"), r
    assert mods[tree61.release][OLD]["drm_custom_alloc"] == "0"          # 6.1 takes any callback
    assert mods[tree612.release][OLD]["drm_custom_alloc"] == "-22"       # the shim refuses it
    assert "xen_swiotlb_init_late" not in mods[tree61.release][OLD]      # never called natively
    assert mods[tree612.release][OLD]["xen_swiotlb_init_late"] == "-6"   # -ENXIO

    # native and bridged agree on everything else, attribute by attribute
    expected_differences = {"drm_custom_alloc", "xen_swiotlb_init_late"}
    for name in (OLD, NEW):
        a, b = mods[tree61.release][name], mods[tree612.release][name]
        keys = (set(a) | set(b)) - expected_differences
        assert {k: a.get(k) for k in keys} == {k: b.get(k) for k in keys}, name
    assert disks[tree61.release] == disks[tree612.release]
