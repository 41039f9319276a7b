"""The shim library: each shim's promise checked on the real kernels.

* compile-time: small test modules (tests/fixtures/layer/kbtest_static_*)
  written for one kernel's API, bridged with the layer and built with plain
  kbuild on 6.1 and 6.12; their static_asserts pin the values and shapes the
  shims give (FBINFO_FLAG_DEFAULT == 0, BLK_OPEN_* == FMODE_*, snd_pcm_ops
  .copy / .copy_user types, page_pool declarations, const scsi templates,
  the fb deferred-I/O generator, vm_flags writes and vm_flags_mod);
* run time, in booted guests (kbridge.actions.guest): a blk-mq test disk
  written for 6.12's queue-limits API and its twin written for 6.1's setters,
  each run natively and bridged; every queue attribute the module sets must
  read the same in /sys/block/kbtest0/queue on all four.
"""

from __future__ import annotations

import re

from pathlib import Path

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.knowledge import rules as rules_mod
from kbridge.knowledge.rules import SHIMS_DIR

LAYER = FIXTURES / "layer"


def test_shim_library_is_consistent():  # type: ignore[no-untyped-def]
    by_id = rules_mod.by_id(rules_mod.load())
    dirs = sorted(p for p in SHIMS_DIR.iterdir() if p.is_dir())
    assert len(dirs) >= 25
    for d in dirs:
        assert d.name in by_id, f"shims/{d.name}: no rule with that id"
        # shim.toml is validated when the rules load (knowledge/rules.py): here, what it says
        manifest = by_id[d.name].manifest
        for direction in ("new_on_old", "old_on_new"):
            text = d / f"{direction}.h"
            meta = manifest.direction(direction)
            if text.is_file():
                body = text.read_text()
                assert body.startswith("/* SPDX-License-Identifier: GPL-2.0 */\n/*\n"), text
                # each shim says why it is faithful before any code
                assert len(body.split("*/", 2)[1]) > 150, f"{text}: explain the shim"
                assert meta.after, f"{d.name}: which kernel header does the {direction} shim extend?"
            if meta.impossible is not None or meta.noop is not None:
                assert not text.is_file(), f"{d.name}: a shim and a reason not to have one"


def _bridge_and_build(fixture: str, home, other, tmp_path: Path):  # type: ignore[no-untyped-def]
    drv = drv_mod.load(LAYER / fixture)
    out = tmp_path / fixture
    rep = bridge(drv, [other, home], "layer", out)
    assert rep.ok, rep.unbridged
    results = {}
    for tree in (home, other):
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (tree.name, diags, undefined,
                                                                       proc.stdout[-2000:])
        results[tree.name] = (out / (drv.c_files[0][:-2] + ".ko")).read_bytes()
    return rep, out


@pytest.mark.slow
def test_static_promises_of_new_api_shims_on_61(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    rep, _ = _bridge_and_build("kbtest_static_new", tree612, tree61, tmp_path)
    assert {"blk_mode_t", "queue_limits_features", "fb_gen_default_deferred_sysmem_ops",
            "page_pool_types_header", "page_pool_helpers_header", "pcm_uio_included",
            "snd_pcm_ops_copy_iov_iter", "scsi_host_template_const", "vm_flags_mod",
            "netdev_xdp_features", "skbuff_ref_header"} <= \
        {s["rule"] for s in rep.shims}


@pytest.mark.slow
def test_static_promises_of_old_api_shims_on_612(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    rep, _ = _bridge_and_build("kbtest_static_old", tree61, tree612, tmp_path)
    assert {"fbinfo_flag_default_removed", "fbinfo_default_removed", "page_pool_header_removed",
            "snd_pcm_ops_copy_iov_iter", "u64_stats_fetch_irq_removed", "vm_flags_const",
            "skbuff_ref_header"} <= \
        {s["rule"] for s in rep.shims}


def _guest_images(*releases: str | None) -> None:
    """Fetch (once, into the cache) the guest kernels of *releases*: a missing image is fetched,
    and one that cannot be had fails the test -- never a skip."""
    from kbridge.actions.guest.image import ensure_image
    for release in releases:
        assert release, "a kernel tree without a release"
        ensure_image(release)


@pytest.mark.slow
def test_block_queue_limits_shims_in_guests(tree61, tree612, tmp_path):  # type: ignore[no-untyped-def]
    """Same queue attributes natively and bridged, in both directions, in booted kernels."""
    from kbridge.actions.guest.runner import run_guest

    releases = [tree61.release, tree612.release]
    _guest_images(*releases)
    kos = {}
    for fixture, home, other in (("kbtest_blk_new", tree612, tree61), ("kbtest_blk_old", tree61, tree612)):
        rep, out = _bridge_and_build(fixture, home, other, tmp_path)
        for tree in (tree61, tree612):
            proc = run_kbuild(out, tree)
            assert proc.returncode == 0
            ko = tmp_path / f"{fixture}-{tree.release}.ko"
            ko.write_bytes((out / "kbtest_blk.ko").read_bytes())
            kos[(fixture, tree.release)] = ko
    seen = {}
    for (fixture, release), ko in sorted(kos.items()):
        g = run_guest([ko], release, test_script=LAYER / "queue_attrs.sh", timeout=240)
        assert g.ok, (fixture, release, g.reasons, g.problems)
        seen[(fixture, release)] = dict(
            line.split(" ", 1)[1].split("=", 1)
            for line in g.test_output.splitlines() if line.startswith("kbq "))
    reference = seen[("kbtest_blk_new", tree612.release)]     # the new API on its own kernel
    assert reference["logical_block_size"] == "4096" and reference["rotational"] == "0"
    assert reference["write_cache"] == "write back" and reference["fua"] == "0"
    assert reference["max_hw_sectors_kb"] == "64"
    for key, attrs in seen.items():
        common = set(attrs) & set(reference)
        assert len(common) >= 15, key
        assert {a: attrs[a] for a in common} == {a: reference[a] for a in common}, key


def test_every_shim_is_exercised_somewhere():  # type: ignore[no-untyped-def]
    """A shim nobody runs is a shim nobody checked (issue 7: each shim has a test
    that shows its behaviour). Every rule that ships shim code must have its API
    used by a test fixture module (which the tests bridge, build and mostly load
    in guests) or be named by a test; the behaviour tests themselves are in
    test_shims*.py, test_guest_*.py and test_layer.py."""
    import re
    fixtures = " ".join(p.read_text(errors="replace") for p in FIXTURES.rglob("*")
                        if p.is_file() and p.suffix in (".c", ".h", ".sh"))
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", fixtures))
    tests = " ".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    missing = []
    for r in rules_mod.load():
        if not any((r.shim_dir / f"{d}.h").is_file() for d in ("new_on_old", "old_on_new")) and \
                not (r.shim_dir / "include").is_dir():
            continue
        names = {w for a in r.api for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", a)} - \
            {"struct", "linux", "net", "h", "sound", "drm", "scsi", "include"}
        if not (names & words) and r.id not in tests:
            missing.append(r.id)
    assert missing == []


def _guarded_blocks(text: str) -> dict[str, str]:
    """Include-guarded blocks of a shim (`#ifndef G` / `#define G` ... its `#endif`)."""
    lines = text.splitlines()
    out: dict[str, str] = {}
    for i, line in enumerate(lines[:-1]):
        m = re.match(r"#\s*ifndef\s+(KB_\w+)\s*$", line)
        if not m or not re.match(rf"#\s*define\s+{m.group(1)}\b", lines[i + 1]):
            continue
        depth = 0
        for j in range(i, len(lines)):
            if re.match(r"#\s*if", lines[j]):
                depth += 1
            elif re.match(r"#\s*endif", lines[j]):
                depth -= 1
                if depth == 0:
                    out[m.group(1)] = "\n".join(lines[i:j + 1])
                    break
    return out


def test_shared_guarded_blocks_are_identical_in_every_shim():
    # two rules that change one kernel struct share a wrapper (struct kb_drm_driver of
    # drm_gem_prime_mmap_removed and drm_driver_date_removed; the net_device box): each
    # shim carries the same block under one include guard, and whichever comes first
    # defines it for both, so copies that drift apart would give a driver the other
    # rule's version silently (shared C that needs no such care is a fragment:
    # knowledge/fragments/, e.g. the SCSI host-template box)
    seen: dict[str, tuple[str, str]] = {}
    shared = 0
    for path in sorted(SHIMS_DIR.rglob("*.h")):
        for guard, block in _guarded_blocks(path.read_text()).items():
            if guard in seen:
                shared += 1
                first, text = seen[guard]
                assert block == text, f"{guard}: {path.relative_to(SHIMS_DIR)} differs from {first}"
            else:
                seen[guard] = (str(path.relative_to(SHIMS_DIR)), block)
    assert shared >= 2, shared
