"""fb_deferred_io_pagereflist at run time: a deferred-I/O framebuffer written for 5.10 on the
kernels of the 5.19 rework.

tests/fixtures/layer/kbtest_defio_old leaves struct fb_ops.fb_mmap unset (5.10's core mapped
every deferred-I/O fb_info itself) and walks the touched pages through page->lru in its
.deferred_io (5.10's core handed it the pages; 5.19's hands it struct fb_deferred_io_pageref).
At load it mmaps its own /dev/fbN from insmod's process, writes into pages 3 and 1, waits for
the deferred I/O and logs what the callback saw. On 5.10 natively and bridged on 6.1 and 6.12
the mapping succeeds and the callback gets the framebuffer's pages 1 and 3, sorted by index as
5.10's core kept them. Unbridged on 6.1 the mmap is refused (-ENODEV: "fbdev mmap not set up
for deferred I/O"), and with the mmap fixed alone the callback walks pagerefs as pages.

On 7.2 and 7.3 struct page calls the member __folio_index (rule page_index_removed) and the
core no longer stores the offset in the page: bridged there, the callback reads page->index
1 and 3 of the right pages all the same (the trampoline stores pageref->offset >> PAGE_SHIFT
for the callback), and afterwards each page holds what it held before (kept=1), where 5.10's,
6.1's and 6.12's own cores leave the index they stored (after=1,3).
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, release, run_cli
from kbridge.actions.guest import runner
from sharedboot import Entry

DRIVER = FIXTURES / "layer" / "kbtest_defio_old"
# every fixture of this file registers the platform device "kbdefio": one per shared boot
CLAIMS = ("platform device kbdefio",)


def _old_entry(target: str) -> Entry:
    def build(tmp_path):  # type: ignore[no-untyped-def]
        drv = DRIVER
        if target != "5.10":
            drv = tmp_path / "out"
            proc = run_cli("bridge", str(DRIVER), "--target", "5.10", "--target", target,
                           "-o", str(drv))
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert (drv / "compat" / "rules" / "fb_deferred_io_pagereflist").is_dir()
            assert (drv / "compat" / "rules" / "page_index_removed").is_dir() == target.startswith("7.")
        build, kos = runner.build_for(drv, release(target), tmp_path / "build")
        assert build.ok, build.log
        return kos

    return Entry(f"fb_defio:old:{target}", target, build, claims=CLAIMS)


@pytest.mark.slow
@pytest.mark.parametrize("target", ["5.10", "6.1", "6.12", "7.2", "7.3"])
def test_old_deferred_io_driver_maps_and_sees_its_pages(target, shared_boot):
    """On 7.2/7.3 with the trampoline's store of the index stubbed (mutation
    page_index_defio_set) the callback read each page's own stale __folio_index:
    pages=0,0 bad=2 instead of pages=1,3 bad=0."""
    g = shared_boot(_old_entry(target))
    assert g.ok, (g.reasons, g.problems, g.test_output)
    seen = [x for x in g.dmesg if "kbdefio" in x]
    assert "kbdefio mmap=0 pages=1,3 bad=0" in g.dmesg, seen
    after = [x.split("kbdefio ", 1)[1] for x in seen if "kbdefio after=" in x]
    assert len(after) == 1, seen
    if target.startswith("7."):
        assert after[0].endswith(" kept=1"), seen       # the page's own value put back
    else:
        assert after[0].startswith("after=1,3 "), seen  # the kernel's own core left it


NEW_DRIVER = FIXTURES / "layer" / "kbtest_defio_new"


def _new_entry(target: str) -> Entry:
    def build(tmp_path):  # type: ignore[no-untyped-def]
        drv = NEW_DRIVER
        if target == "5.10":
            drv = tmp_path / "out"
            proc = run_cli("bridge", str(NEW_DRIVER), "--target", "5.10", "--target", "6.1",
                           "-o", str(drv))
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert (drv / "compat" / "rules" / "fb_deferred_io_pagereflist").is_dir()
        build, kos = runner.build_for(drv, release(target), tmp_path / "build")
        assert build.ok, build.log
        return kos

    return Entry(f"fb_defio:new:{target}", target, build, claims=CLAIMS)


@pytest.mark.slow
@pytest.mark.parametrize("target", ["6.1", "5.10"])
def test_new_deferred_io_driver_maps_and_sees_its_pagerefs(target, shared_boot):
    """kbtest_defio_new is written for 5.19+: .fb_mmap = fb_deferred_io_mmap, and its
    .deferred_io walks struct fb_deferred_io_pageref. Natively on 6.1 and bridged on 5.10
    (where the type does not exist and the core hands over pages) the callback gets the
    pagerefs of pages 1 and 3 (in touch order natively, ascending bridged: both orders the
    newer core hands out), each with the framebuffer's page at its offset."""
    g = shared_boot(_new_entry(target))
    assert g.ok, (g.reasons, g.problems, g.test_output)
    lines = [x.split("kbdefio ", 1)[1] for x in g.dmesg if "kbdefio mmap=" in x]
    assert len(lines) == 1, lines
    fields = dict(f.split("=", 1) for f in lines[0].split())
    assert fields["mmap"] == "0" and fields["bad"] == "0", lines
    assert sorted(fields["pages"].split(",")) == ["1", "3"], lines


GEN_DRIVER = FIXTURES / "layer" / "kbtest_defio_gen"


def _gen_entry(target: str) -> Entry:
    def build(tmp_path):  # type: ignore[no-untyped-def]
        drv = GEN_DRIVER
        if target == "5.10":
            drv = tmp_path / "out"
            proc = run_cli("bridge", str(GEN_DRIVER), "--target", "5.10", "--target", "6.12",
                           "-o", str(drv))
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert (drv / "compat" / "rules" / "fb_deferred_io_mmap_exported").is_dir()
            # inline too: kb_inline.h keeps fb_deferred_io_mmap's shim meaning for the macro
            # that expands to it at the driver's spot (it was #undef'd: modpost failed)
            inl = tmp_path / "inline"
            proc = run_cli("bridge", str(GEN_DRIVER), "--target", "5.10", "--target", "6.12",
                           "--strategy", "inline", "-o", str(inl))
            assert proc.returncode == 0, proc.stdout + proc.stderr
            b, _ = runner.build_for(inl, release(target), tmp_path / "inline-build")
            assert b.ok and not b.undefined_symbols and not b.diagnostics, b.log
        build, kos = runner.build_for(drv, release(target), tmp_path / "build")
        assert build.ok and not build.undefined_symbols, build.log
        return kos

    return Entry(f"fb_defio:gen:{target}", target, build, claims=CLAIMS)


ENTRIES = {"test_old_deferred_io_driver_maps_and_sees_its_pages": _old_entry,
           "test_new_deferred_io_driver_maps_and_sees_its_pagerefs": _new_entry,
           "test_generated_ops_driver_maps_through_the_macros_mmap": _gen_entry}


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    """Each cell's module, for its kernel's shared boot (tests/sharedboot.py)."""
    return [ENTRIES[name](params["target"])] if name in ENTRIES else []


@pytest.mark.slow
@pytest.mark.parametrize("target", ["6.12", "5.10"])
def test_generated_ops_driver_maps_through_the_macros_mmap(target, shared_boot):
    """kbtest_defio_gen (as xen-fbfront@6.12): FB_DEFAULT_DEFERRED_OPS() sets .fb_mmap =
    fb_deferred_io_mmap, which the driver never names. fb_gen_default_deferred_sysmem_ops's
    shim builds on fb_deferred_io_mmap_exported (its manifest's needs), so on 5.10, which
    declares but does not export fb_deferred_io_mmap, the module links and its framebuffer is
    mapped by 5.10's own core, as natively on 6.12: the same pages reach the callback, and the
    generated .fb_write writes the bytes and reports the damaged range (offset, length).
    Without the needs, the 5.10 build failed at modpost (fb_deferred_io_mmap undefined)."""
    g = shared_boot(_gen_entry(target))
    assert g.ok, (g.reasons, g.problems, g.test_output)
    seen = [x.split("kbdefio ", 1)[1] for x in g.dmesg if "kbdefio " in x]
    assert f"write=8 damage={2 * 4096},8" in seen, seen
    lines = [x for x in seen if x.startswith("mmap=")]
    assert len(lines) == 1, seen
    fields = dict(f.split("=", 1) for f in lines[0].split())
    assert fields["mmap"] == "0" and fields["bad"] == "0", lines
    assert sorted(fields["pages"].split(",")) == ["1", "3"], lines
