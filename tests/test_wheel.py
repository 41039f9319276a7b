"""The wheel carries everything kbridge needs at run time, and the installed command bridges
exactly as the checkout does.

`pip install kbridge` / `pip install .` build a wheel; until this test, that wheel shipped none
of knowledge/shims/, so an installed kbridge reported every corpus shim as "NOT BRIDGED ... no
new_on_old shim" while the editable install of set-up worked. The wheel is built from a copy of
the tracked files (the checkout is never written to), installed into a fresh virtual
environment, and its `kbridge bridge` output compared byte for byte with the checkout's.
"""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, run_cli


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    top = tmp_path_factory.mktemp("wheel")
    src = top / "src"
    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True,
                             check=True).stdout.decode().split("\0")
    for rel in filter(None, tracked):
        if (REPO / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, src / rel)
    whl_dir = top / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check",
                    "--no-deps", "-w", str(whl_dir), str(src)], check=True, capture_output=True)
    (wheel,) = whl_dir.glob("kbridge-*.whl")
    venv = top / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                    str(wheel)], check=True, capture_output=True)
    return wheel, venv


def test_wheel_carries_every_runtime_file(wheel_venv: tuple[Path, Path]):
    """Every file tracked under src/kbridge (rules, shims, series table, helpers' C) is in it."""
    wheel, _ = wheel_venv
    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files", "src/kbridge"],
                             capture_output=True, text=True, check=True).stdout.split()
    want = {p.removeprefix("src/") for p in tracked}
    have = set(zipfile.ZipFile(wheel).namelist())
    assert want - have == set()
    assert any(p.startswith("kbridge/knowledge/shims/") and p.endswith(".h") for p in have)


def test_installed_command_bridges_like_the_checkout(wheel_venv: tuple[Path, Path], tmp_path: Path,
                                                     tree61):
    _, venv = wheel_venv
    installed = tmp_path / "installed"
    proc = subprocess.run([str(venv / "bin" / "kbridge"), "bridge", "xen-blkfront@6.12",
                           "--target", tree61.release, "-o", str(installed), "--json"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["shims"] and not report.get("unbridged"), report
    checkout = tmp_path / "checkout"
    ref = run_cli("bridge", "xen-blkfront@6.12", "--target", tree61.release, "-o", str(checkout))
    assert ref.returncode == 0, ref.stderr
    cmp = filecmp.dircmp(installed, checkout)

    def differences(c: filecmp.dircmp) -> list[str]:
        out = [*c.left_only, *c.right_only, *c.funny_files]
        # dircmp compares shallowly by stat; compare contents for real
        out += [f for f in c.common_files
                if (Path(c.left) / f).read_bytes() != (Path(c.right) / f).read_bytes()]
        for sub in c.subdirs.values():
            out += differences(sub)
        return out

    assert differences(cmp) == []
    assert sum(1 for p in installed.rglob("*") if p.is_file()) > 5
