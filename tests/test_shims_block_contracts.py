"""Block shims against the native kernel's contracts beyond set-up: real modules, real guests.

Issue #13 findings 1 and 2, each reproduced by a small test module built
through the layer and booted in Debian's guest kernels next to the native
behaviour of the same module on its own kernel:

* tests/fixtures/layer/kbtest_lim_new (Linux 6.12 API; bridged on 6.1 by
  queue_limits_features, queue_limits_update_api and
  blk_mq_alloc_disk_takes_limits): max_dev_sectors below max_hw_sectors at
  allocation, the user's max_sectors_kb / discard_max_bytes / write_cache
  choices across the driver's read-modify-write updates, io_opt,
  alignment_offset and max_dev_sectors committed as 0, a physical block size
  that is not a power of two. Everything the guest script reads on 6.1 must
  equal what it reads on 6.12, and the values asserted below.
* tests/fixtures/layer/kbtest_lim_old (Linux 6.1 API; bridged on 6.12 by the
  removed-setter shims): 6.1's xen-blkfront calls
  blk_queue_max_discard_sectors(q, 0), blk_queue_max_secure_erase_sectors(q,
  0) and blk_queue_write_cache(q, false, false) from blkif_interrupt() under
  spin_lock_irqsave, and 6.1's sd calls blk_queue_max_write_zeroes_sectors(q,
  0) from its softirq completion (sd_done -> sd_config_write_same). Debian's kernels have no CONFIG_DEBUG_ATOMIC_SLEEP, so
  the guest script makes a user's sysfs limit write hold the queue's limits
  (its commit waits for a request the module keeps in flight until the
  "interrupt" is over, 15 s at most) while the module runs those setters in
  its "interrupt": a setter that takes the
  limits mutex is scheduled out inside the irqsave section, which the module
  sees (the task's context switches move, interrupts are enabled again) and
  the kernel reports ("scheduling while atomic"). Also disk_set_zoned(NONE)
  on a disk that was never zoned, which 6.1 leaves alone. And (review of the
  block shims, items 2-3) blk_queue_dma_alignment(q, 0) at probe, read back
  in sysfs and tried with O_DIRECT into a buffer 4 bytes past a page (fio,
  from the guest tools disk), and blk_queue_io_opt() against the disk's
  readahead and the user's read_ahead_kb.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod

LAYER = FIXTURES / "layer"
SCRIPTS = LAYER / "kbtest_lim_guest"
OLD, NEW = "kbtest_lim_old", "kbtest_lim_new"


def _guest_available(release: str) -> bool:
    from kbridge.actions.guest.image import guest_root
    return (guest_root() / "images" / release).is_dir()


def _kbq(text: str) -> dict[str, str]:
    """{"NAME": "VALUE"} from the guest script's "kbq NAME=VALUE" lines."""
    return dict(line[4:].split("=", 1) for line in text.splitlines()
                if line.startswith("kbq ") and "=" in line)


class _Runs:
    """Each module bridged for both kernels, built clean on both, and booted on both, once
    per test session and only for the tests that ask: runs[(fixture, release)] is
    (GuestResult, {"NAME": "VALUE"})."""

    def __init__(self, tree61, tree612, tmp):  # type: ignore[no-untyped-def]
        self.trees, self.tmp, self.done = (tree61, tree612), tmp, {}

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        fixture, _ = key
        if key not in self.done:
            self._run(fixture)
        return self.done[key]

    def _run(self, fixture: str) -> None:
        from kbridge.actions.guest.runner import run_guest

        tree61, tree612 = self.trees
        home, script = {OLD: (tree61, "lim_old.sh"), NEW: (tree612, "lim_new.sh")}[fixture]
        out = self.tmp / fixture
        rep = bridge(drv_mod.load(LAYER / fixture), [tree61, tree612], "layer", out, home=home.version)
        assert rep.ok, rep.unbridged
        for tree in (tree61, tree612):
            proc = run_kbuild(out, tree)
            diags, undefined = parse_log(proc.stdout, out)
            assert proc.returncode == 0 and not diags and not undefined, (
                fixture, tree.name, diags, undefined, proc.stdout[-3000:])
            ko = self.tmp / f"{fixture}-{tree.release}.ko"
            ko.write_bytes((out / f"{fixture}.ko").read_bytes())
            g = run_guest([ko], tree.release, test_script=SCRIPTS / script, timeout=240,
                          tools=fixture == OLD)
            self.done[(fixture, tree.release)] = (g, _kbq(g.test_output))


@pytest.fixture(scope="module")
def runs(tree61, tree612, tmp_path_factory):  # type: ignore[no-untyped-def]
    releases = [tree61.release, tree612.release]
    if not all(r and _guest_available(r) for r in releases):
        pytest.skip("guest kernel images not in the cache (kbridge run fetches them)")
    return _Runs(tree61, tree612, tmp_path_factory.mktemp("block_contracts"))


def _clean(g) -> None:  # type: ignore[no-untyped-def]
    assert [m.returncode for m in g.modules] == [0], g.reasons
    assert g.test_returncode == 0, g.test_output
    assert g.ok, (g.reasons, g.problems)


@pytest.mark.slow
def test_new_limits_keep_derived_and_user_limits_on_6_1(runs, tree61, tree612):  # type: ignore[no-untyped-def]
    """Finding 1: a 6.12 driver's queue limits on 6.1 behave as on 6.12.

    * max_dev_sectors (256) below max_hw_sectors (1024) caps max_sectors at
      allocation: max_sectors_kb 128, not 512;
    * the user's max_sectors_kb 64 and discard_max_bytes 1 MiB survive a
      no-op start/commit (6.12 keeps max_user_sectors/max_user_discard_sectors);
    * the user's "write through" is not the device's cache: after a
      read-modify-write update "write back" is accepted again, and a driver
      that sets BLK_FEAT_WRITE_CACHE again does not override "write through";
    * io_opt, alignment_offset and max_dev_sectors commit as 0;
    * a physical block size of 12288 is accepted.
    """
    native, _ = runs[(NEW, tree612.release)]
    bridged, _ = runs[(NEW, tree61.release)]
    _clean(native)
    _clean(bridged)
    want = {
        "alloc.max_sectors_kb": "128", "alloc.max_hw_sectors_kb": "512", "alloc.max_dev_sectors": "256",
        "alloc.discard_max_bytes": "4194304", "alloc.write_cache": "write back", "alloc.fua": "1",
        "alloc.optimal_io_size": "65536", "alloc.alignment_offset": "512",
        "user_max_sectors_rc": "0", "user_discard_rc": "0",
        "user.max_sectors_kb": "64", "user.discard_max_bytes": "1048576", "user.last_err": "0",
        "write_back_after_update_rc": "0", "wb.write_cache": "write back",
        "wt.write_cache": "write through", "wt.last_err": "0",
        "zero.optimal_io_size": "0", "zero.alignment_offset": "0", "zero.max_dev_sectors": "0",
        "zero.max_sectors_kb": "64", "zero.last_err": "0",
        "pbs.physical_block_size": "12288", "pbs.last_err": "0",
    }
    for name, (g, seen) in (("6.12 native", runs[(NEW, tree612.release)]),
                            ("6.1 bridged", runs[(NEW, tree61.release)])):
        wrong = {k: (seen.get(k), v) for k, v in want.items() if seen.get(k) != v}
        assert not wrong, f"{name}: (seen, 6.12's) {wrong}"
    # and everything else the script reads, attribute by attribute
    assert runs[(NEW, tree61.release)][1] == runs[(NEW, tree612.release)][1]


@pytest.mark.slow
def test_old_setters_from_interrupt_context_on_6_12(runs, tree61, tree612):  # type: ignore[no-untyped-def]
    """Finding 2: 6.1's setters from blkif_interrupt() never sleep on 6.12.

    While a user's max_sectors_kb write holds the queue's limits (6.12: the
    queue is frozen inside the limits lock; the module saw it frozen), the
    "interrupt" disables discard, secure erase, write-zeroes and the write cache without
    being scheduled out, interrupts stay disabled in the irqsave section, the
    limits drop to 0 at once, and the kernel logs no "scheduling while atomic".
    Once quiet, the disk shows what 6.1 shows.
    """
    for r in (tree61.release, tree612.release):
        g, seen = runs[(OLD, r)]
        assert not any("scheduling while atomic" in line for line in g.dmesg), r
        _clean(g)
        for phase in ("contended", "quiet"):
            assert {k: seen.get(f"{phase}.{k}") for k in
                    ("slept", "irqs_off_kept", "discard_sectors", "secure_erase_sectors",
                     "write_zeroes_sectors")} == \
                {"slept": "0", "irqs_off_kept": "1", "discard_sectors": "0", "secure_erase_sectors": "0",
                 "write_zeroes_sectors": "0"}, \
                (r, phase, seen)
        assert seen["writer_rc"] == "0" and seen["reader_rc"] == "0", (r, seen)
        assert {k: seen[f"after.{k}"] for k in ("discard_max_bytes", "discard_max_hw_bytes", "write_cache",
                                                 "fua", "max_sectors_kb", "write_zeroes_max_bytes")} == \
            {"discard_max_bytes": "0", "discard_max_hw_bytes": "0", "write_cache": "write through",
             "fua": "0", "max_sectors_kb": "64", "write_zeroes_max_bytes": "0"}, (r, seen)
        assert seen["probe.write_zeroes_max_bytes"] == str(1024 * 512), (r, seen)
    # the contention is real on 6.12 (6.1's sysfs store neither locks the limits nor freezes)
    assert runs[(OLD, tree612.release)][1]["contended.frozen_before"] == "1"
    assert runs[(OLD, tree61.release)][1]["contended.frozen_before"] == "0"
    a, b = runs[(OLD, tree61.release)][1], runs[(OLD, tree612.release)][1]
    # dma.*: a known difference (test_dma_alignment_zero_keeps_the_newer_floor_on_6_12)
    keys = {k for k in set(a) | set(b) if not k.startswith("dma.")} - {"contended.frozen_before"}
    assert {k: a.get(k) for k in keys} == {k: b.get(k) for k in keys}


@pytest.mark.slow
def test_set_zoned_none_on_a_never_zoned_disk_on_6_12(runs, tree61, tree612):  # type: ignore[no-untyped-def]
    """Minor: disk_set_zoned(disk, BLK_ZONED_NONE) on a disk that was never zoned keeps
    chunk_sectors (6.1 clears the zone settings only of a disk that was zoned)."""
    for r in (tree61.release, tree612.release):
        seen = runs[(OLD, r)][1]
        assert seen["contended.chunk_after_set_zoned_none"] == "256", (r, seen)
        assert seen["probe.chunk_sectors"] == "256", (r, seen)


@pytest.mark.slow
def test_io_opt_sets_readahead_as_6_1_on_6_12(runs, tree61, tree612):  # type: ignore[no-untyped-def]
    """Review item 3: 6.1's blk_queue_io_opt() sets readahead to max(2 * io_opt, 128 KiB) every
    time, lowering it (io_opt back to 0) and overriding the user's read_ahead_kb; 6.12's commit
    only grows it. Through the layer on 6.12 the disk's read_ahead_kb follows 6.1's rule."""
    want = {"ra.probe": "128", "ra.io_opt_1m": "2048", "ra.io_opt_0": "128", "ra.user_4096": "4096",
            "ra.user_4096_then_io_opt_1m": "2048", "ra.user_64": "64",
            "ra.user_64_then_io_opt_0": "128", "ra.optimal_io_size": "0"}
    for r in (tree61.release, tree612.release):
        g, seen = runs[(OLD, r)]
        _clean(g)
        assert {k: seen.get(k) for k in want} == want, (r, seen)


@pytest.mark.slow
def test_dma_alignment_zero_keeps_the_newer_floor_on_6_12(runs, tree61, tree612):  # type: ignore[no-untyped-def]
    """Review item 2, a known difference: 6.1 stores blk_queue_dma_alignment(q, 0) as given, so
    O_DIRECT takes a buffer at any address; 6.12 holds no 0 (every limits commit turns it
    into 511, its floor: "We require drivers to at least do logical block aligned I/O"), so
    through the layer the mask reads 511 and a buffer 4 bytes past a page is EINVAL, as for
    any 6.12 driver that leaves the mask unset. Aligned O_DIRECT works on both."""
    native = runs[(OLD, tree61.release)][1]
    bridged = runs[(OLD, tree612.release)][1]
    assert {k: native.get(k) for k in ("dma.dma_alignment", "dma.odirect_offset0_rc",
                                        "dma.odirect_offset4_rc")} == \
        {"dma.dma_alignment": "0", "dma.odirect_offset0_rc": "0", "dma.odirect_offset4_rc": "0"}, native
    assert bridged.get("dma.dma_alignment") == "511", bridged
    assert bridged.get("dma.odirect_offset0_rc") == "0", bridged
    assert bridged.get("dma.odirect_offset4_rc") != "0" and bridged.get("dma.odirect_offset4_einval") == "1", \
        bridged
