"""scripts/setup.sh: one line per step, one clear error line (exit 2) on any failure.

A fresh Debian 12 machine once got a silent exit 1 after 0.03 s: dpkg-query
failed for a package it had never heard of, inside a pipeline under
``set -e``. These tests run the real script: its failure paths with inputs
replaced through the two variables it documents, and its idempotent path on
this (set-up) machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import REPO

SETUP = REPO / "scripts" / "setup.sh"
BASH = shutil.which("bash") or "/bin/bash"


def run_setup(env: dict[str, str] | None = None, path: str | None = None,
              args: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ)
    full.update(env or {})
    if path is not None:
        full["PATH"] = path
    return subprocess.run([BASH, str(SETUP), *args], capture_output=True, text=True, env=full,
                          stdin=subprocess.DEVNULL, timeout=600)


def assert_one_error(proc: subprocess.CompletedProcess[str], step: str, *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("setup: error:")]
    assert len(errors) == 1 and errors[0] == lines[-1], proc.stderr
    assert errors[0].startswith(f"setup: error: {step}: "), errors[0]
    for n in needles:
        assert n in errors[0], (n, errors[0])
    # every other line is a step line
    assert all(ln.startswith("setup: ") for ln in lines), proc.stderr


def test_setup_is_idempotent_without_network():
    """On a machine that is set up, set-up installs nothing and runs no apt-get at all."""
    proc = run_setup()
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1] == "setup: ready"
    assert not [ln for ln in lines if "apt-get" in ln or "pip" in ln], lines
    assert "setup: series 6.1: linux-source-6.1 and its matching headers" in lines


def test_setup_without_apt_get(tmp_path: Path):
    """No apt-get on PATH: one line saying so, exit 2 (not Debian, or a broken PATH)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "id", "mktemp", "rm", "cat", "grep", "tail", "cut"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    proc = run_setup(path=str(bin_dir))
    assert_one_error(proc, "checking the machine", "apt-get not found")


def test_setup_series_whose_source_package_the_mirror_lacks(tmp_path: Path):
    table = tmp_path / "series.toml"
    table.write_text('[[series]]\nname = "9.99"\nsuite = "bookworm"\n'
                     'source = "linux-source-9.99"\n'
                     "headers = '^linux-headers-9\\.99(\\.[0-9]+)+-amd64$'\n")
    proc = run_setup({"KBRIDGE_SERIES_TABLE": str(table)})
    assert_one_error(proc, "series 9.99: linux-source-9.99 and its matching headers",
                     "linux-source-9.99 is not available from apt")


def test_setup_package_apt_cannot_install():
    proc = run_setup({"KBRIDGE_SETUP_EXTRA": "kbridge-no-such-package"})
    assert_one_error(proc, "apt-get install kbridge-no-such-package", "kbridge-no-such-package",
                     "apt-get could not install")


def test_setup_broken_series_table(tmp_path: Path):
    table = tmp_path / "series.toml"
    table.write_text("[[series]\nname = ")
    proc = run_setup({"KBRIDGE_SERIES_TABLE": str(table)})
    assert_one_error(proc, f"reading the series table {table}", "TOMLDecodeError")


def test_setup_of_one_series_makes_only_its_root():
    """`--series NAME` (a CI job of one series, as `kbridge ci` writes it): the host's series
    always, the root of NAME's suite only; a host series needs no root at all."""
    from kbridge.facts import series as series_mod

    table = series_mod.all_series()
    root = next(s for s in table if s.toolchain == "root")
    host = next(s for s in table if s.toolchain == "host")
    root_steps = {s.suite: f"setup: root {s.suite} (series " for s in table if s.toolchain == "root"}
    for args, wanted in (((), set(root_steps)), (("--series", root.name), {root.suite}),
                         ((f"--series={host.name}",), set())):
        proc = run_setup(args=args)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert lines[-1] == "setup: ready"
        assert f"setup: series {host.name}: {host.source} and its matching headers" in lines
        made = {suite for suite, step in root_steps.items() if any(ln.startswith(step) for ln in lines)}
        assert made == wanted, (args, lines)


def test_setup_of_an_unknown_series_or_argument():
    proc = run_setup(args=("--series", "9.99"))
    assert_one_error(proc, "reading the series table src/kbridge/knowledge/series.toml",
                     "--series 9.99: no such series in the table")
    assert_one_error(run_setup(args=("--frobnicate",)), "reading the arguments",
                     "unknown argument '--frobnicate'")
    assert_one_error(run_setup(args=("--series",)), "reading the arguments", "--series needs a series name")
