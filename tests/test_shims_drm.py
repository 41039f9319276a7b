"""DRM rules of the 7.x kernels at run time: drm_driver_date_removed and drm_print_h_not_implied.

tests/fixtures/layer/kbtest_drm_old is written for 6.12: its struct drm_driver sets .date and
reads it back, and it calls DRM_INFO() with <drm/drm_print.h> reached only through
<drm/drm_gem.h>. Unbridged it does not build on 7.3 ('struct drm_driver' has no member named
'date'; implicit declaration of DRM_INFO). Natively on 6.12 and bridged on 7.3 it allocates a
DRM device with its driver (the kernel's struct inside the layer's), reads its own date back
and logs through DRM_INFO.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, release, run_cli
from kbridge.actions.guest import runner

DRIVER = FIXTURES / "layer" / "kbtest_drm_old"


@pytest.mark.slow
@pytest.mark.parametrize("target", ["6.12", "7.3"])
def test_old_drm_driver_keeps_its_date_and_drm_info(tmp_path, target):
    drv = DRIVER
    if target != "6.12":
        drv = tmp_path / "out"
        proc = run_cli("bridge", str(DRIVER), "--target", "6.12", "--target", target,
                       "-o", str(drv))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        for rule in ("drm_driver_date_removed", "drm_print_h_not_implied"):
            assert (drv / "compat" / "rules" / rule).is_dir(), rule
    rel = release(target)
    build, kos = runner.build_for(drv, rel, tmp_path / "build")
    assert build.ok, build.log
    g = runner.run_guest(kos, rel, timeout=300)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    assert "kbdrm date=20180221 name=kbdrm alloc=0" in g.dmesg, [x for x in g.dmesg if "kbdrm" in x]
    assert any("kbdrm DRM_INFO works" in x for x in g.dmesg), [x for x in g.dmesg if "kbdrm" in x]
