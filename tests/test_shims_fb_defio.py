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
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, release, run_cli
from kbridge.actions.guest import runner

DRIVER = FIXTURES / "layer" / "kbtest_defio_old"


@pytest.mark.slow
@pytest.mark.parametrize("target", ["5.10", "6.1", "6.12"])
def test_old_deferred_io_driver_maps_and_sees_its_pages(tmp_path, target):
    drv = DRIVER
    if target != "5.10":
        drv = tmp_path / "out"
        proc = run_cli("bridge", str(DRIVER), "--target", "5.10", "--target", target,
                       "-o", str(drv))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert (drv / "compat" / "rules" / "fb_deferred_io_pagereflist").is_dir()
    rel = release(target)
    build, kos = runner.build_for(drv, rel, tmp_path / "build")
    assert build.ok, build.log
    g = runner.run_guest(kos, rel, timeout=300)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    assert "kbdefio mmap=0 pages=1,3 bad=0" in g.dmesg, [x for x in g.dmesg if "kbdefio" in x]
