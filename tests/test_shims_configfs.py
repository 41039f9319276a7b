"""Rule configfs_type_ops_const (rules/fs.toml): a 7.x driver's const configfs tables on 5.10.

tests/fixtures/configfs_const is a module for the 7.3 API: its config_item_types point to
static const item and group operations (as null_blk@7.3's do). Bridged for 5.10, it builds
without a warning (unbridged: "initialization discards 'const' qualifier" for each table),
keeps the kernel's layout (the bridge's ABI check), and in a booted 5.10 guest configfs
makes, shows, stores, refuses and releases its items as 7.3 does with the same module
natively. One 5.10 boot and one 7.3 boot.
"""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, release, run_cli
from kbridge.facts import driver as drv_mod

CFS = FIXTURES / "configfs_const"
SCRIPT = r"""set -e
mount -t configfs none /sys/kernel/config 2>/dev/null || true
d=/sys/kernel/config/kbcfs
echo "kbcfs released=$(cat $d/released)"
mkdir $d/a
echo "kbcfs a=$(cat $d/a/value)"
echo 42 > $d/a/value
echo "kbcfs a=$(cat $d/a/value)"
if echo notanumber > $d/a/value 2>/dev/null; then echo "kbcfs bad=accepted"; else echo "kbcfs bad=refused"; fi
rmdir $d/a
echo "kbcfs released=$(cat $d/released)"
"""
EXPECTED = "kbcfs released=0\nkbcfs a=7\nkbcfs a=42\nkbcfs bad=refused\nkbcfs released=1"

pytestmark = pytest.mark.slow


def _run(path, series: str, tmp_path) -> dict:  # type: ignore[no-untyped-def]
    script = tmp_path / "cfs.sh"
    script.write_text(SCRIPT)
    proc = run_cli("run", str(path), "--kernel", release(series), "--test", str(script), "--json")
    assert proc.returncode == 0, (series, proc.stdout[-2000:], proc.stderr[-2000:])
    return json.loads(proc.stdout)["guest"]


def test_const_configfs_tables_on_510_behave_as_on_73(roots_ready, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.kbuild import build
    from kbridge.facts import targets

    out = tmp_path / "out"
    proc = run_cli("bridge", str(CFS), "--target", "7.3", "--target", "5.10", "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "shim configfs_type_ops_const (new_on_old" in proc.stdout
    assert "ABI on " + release("5.10") + ": ok" in proc.stdout, proc.stdout
    res = build(drv_mod.load(out), targets.resolve("5.10"))
    assert res.ok and res.errors == 0 and res.warnings == 0, res.diagnostics
    bridged = _run(out, "5.10", tmp_path)
    native = _run(CFS, "7.3", tmp_path)
    assert native["test_output"].strip() == EXPECTED, native
    assert bridged["test_output"].strip() == native["test_output"].strip(), bridged
