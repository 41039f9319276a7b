"""block_device_operations.getgeo across 6.12 (bdev) and 7.2 (gendisk): real modules, real guests.

tests/fixtures/layer/kbtest_geo_old (->getgeo(struct block_device *), up to 6.12) and
kbtest_geo_new (->getgeo(struct gendisk *), 7.2/7.3) are bio-based disks, each bridged
through the layer for the other kernel, built clean on both (ABI-checked by the
matrix elsewhere; here the build and the guest) and booted on both: busybox fdisk asks
HDIO_GETGEO, and the geometry it prints, the number of getgeo calls and whether the
callback got its own disk must be the same on both kernels -- the driver's function
called through the layer's trampoline with the argument of its own type.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

LAYER = FIXTURES / "layer"
SCRIPT = LAYER / "kbtest_geo_guest" / "geo.sh"


def _kbq(text: str) -> dict[str, str]:
    return dict(line[4:].split("=", 1) for line in text.splitlines()
                if line.startswith("kbq ") and "=" in line)


@pytest.fixture(scope="module")
def tree72(trees):  # type: ignore[no-untyped-def]
    return targets.resolve("7.2", trees=trees)


@pytest.mark.slow
@pytest.mark.parametrize("fixture,home", [("kbtest_geo_old", "6.12"), ("kbtest_geo_new", "7.2")])
def test_getgeo_gets_its_own_argument_on_both_kernels(fixture, home, tree612, tree72, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.image import guest_root
    from kbridge.actions.guest.runner import run_guest

    pair = (tree612, tree72)
    if not all((guest_root() / "images" / t.release).is_dir() for t in pair):
        pytest.skip("guest kernel images not in the cache (kbridge run fetches them)")
    home_tree = tree612 if home == "6.12" else tree72
    out = tmp_path / fixture
    rep = bridge(drv_mod.load(LAYER / fixture), list(pair), "layer", out, home=home_tree.version)
    assert rep.ok, rep.unbridged
    seen = {}
    for tree in pair:
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (
            tree.name, diags, undefined, proc.stdout[-3000:])
        ko = tmp_path / f"{fixture}-{tree.release}.ko"
        ko.write_bytes((out / f"{fixture}.ko").read_bytes())
        g = run_guest([ko], tree.release, test_script=SCRIPT, timeout=240)
        assert [m.returncode for m in g.modules] == [0], g.reasons
        assert g.test_returncode == 0, g.test_output
        assert g.ok, (g.reasons, g.problems)
        seen[tree.release] = _kbq(g.test_output)
    for release, kbq in seen.items():
        assert kbq.get("fdisk_rc") == "0", (release, kbq)
        assert kbq.get("geometry") == "128_cylinders__4_heads__16_sectors_track", (release, kbq)
        assert int(kbq.get("calls", "0")) >= 1 and kbq.get("right_arg") == "1", (release, kbq)
    assert seen[tree612.release] == seen[tree72.release]
