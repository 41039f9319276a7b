"""Guest kernels of the series outside the host's suite (issue 16, guests): 5.10 from
bullseye, 7.2 from sid and 7.3 from experimental, fetched through kbridge's private apt
state of the series' suite (the series table's ``suite``) and booted bare under QEMU:
/init runs on that very kernel and the guest powers off cleanly.

The release is the newest one the suite's package lists carry (never written here).
Until the series table names these series (the Reach work adds them), the test reads
a copy of the table with the missing entries appended (KBRIDGE_SERIES_TABLE)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kbridge.actions.guest import image as image_mod
from kbridge.actions.guest.initramfs import MARK, build_initramfs
from kbridge.actions.guest.qemu import boot
from kbridge.facts import series as series_mod

pytestmark = pytest.mark.slow

# what the Reach entries say of each series (used only when the table lacks one)
ENTRIES = {
    "5.10": ('suite = "bullseye"\nsource = "linux-source-5.10"\n'
             "headers = '^linux-headers-5\\.10\\.0-[0-9]+-amd64$'\ntoolchain = \"root\"\n"),
    "7.2": ('suite = "sid"\nsource = "linux-source-7.2"\n'
            "headers = '^linux-headers-7\\.2(\\.[0-9]+)+(\\+deb[0-9]+)?-amd64$'\ntoolchain = \"root\"\n"),
    "7.3": ('suite = "experimental"\nsource = "linux-source-7.3"\n'
            "headers = '^linux-headers-7\\.3-amd64$'\ntoolchain = \"root\"\n"),
}


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory):
    missing = [s for s in ENTRIES if s not in series_mod.names()]
    if not missing:
        yield series_mod.table_path()
        return
    path = tmp_path_factory.mktemp("series") / "series.toml"
    path.write_text(series_mod.table_path().read_text() + "".join(
        f'\n[[series]]\nname = "{s}"\n{ENTRIES[s]}' for s in missing))
    mp = pytest.MonkeyPatch()
    mp.setenv(series_mod.TABLE_ENV, str(path))
    yield path
    mp.undo()


@pytest.mark.parametrize("name", list(ENTRIES))
def test_series_guest_boots_bare_to_init_and_powers_off(table: Path, tmp_path: Path, name: str):
    suite = series_mod.get(name).suite
    release = image_mod.newest_release(name)
    assert release.startswith(name) and release.endswith("-amd64"), release
    assert series_mod.of_release(release) == name
    assert image_mod.suite_for(release) == suite
    img = image_mod.ensure_image(release)
    meta = json.loads((img.vmlinuz.parent / "image.json").read_text())
    assert meta["suite"] == suite, meta
    assert img.modules_dir.is_dir() and (img.modules_dir / "modules.dep").is_file()
    assert img.boot_kernel.name == "vmlinux", "Debian's kernels boot through PVH"
    initrd = build_initramfs(tmp_path / "initrd.cpio", img, [])
    b = boot(img, initrd.path, timeout=180)
    lines = b.console.splitlines()
    assert f"{MARK} begin {release}" in lines, b.console[-2000:]   # /init on that kernel
    assert f"{MARK} end" in lines, b.console[-2000:]
    assert not b.timed_out and b.returncode == 0, (b.seconds, b.returncode, b.console[-2000:])
    panics = [ln for ln in lines if "Kernel panic" in ln or "BUG:" in ln or "Oops" in ln]
    assert not panics, panics
    print(f"\n{name}: {release} from {suite}, {b.seconds:.1f} s ({b.accel})")


def test_a_release_of_no_series_comes_from_the_hosts_suite(table: Path):
    from kbridge.actions.guest import debarchive
    assert series_mod.of_release("4.19.0-27-amd64") is None
    assert image_mod.suite_for("4.19.0-27-amd64") == debarchive.host_suite()
    # a prefix is not a series: 6.1 is not 6.12's, 7.2 not 7.22's
    assert series_mod.of_release(f"{series_mod.names()[-1]}2.0-1-amd64") is None


def test_a_release_the_suite_lacks_is_one_error(table: Path, tmp_path: Path):
    from kbridge.errors import KbridgeError
    rel = image_mod.newest_release("5.10").replace("-amd64", "-noflavour")
    with pytest.raises(KbridgeError, match="Debian bullseye has no kernel package of release"):
        image_mod.ensure_image(rel, cache=tmp_path)
