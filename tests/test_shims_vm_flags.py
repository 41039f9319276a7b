"""vm_flags_const old_on_new at run time: a 6.1 driver writing vma->vm_flags in its ->mmap.

tests/fixtures/layer/kbtest_vmflags_old sets VM_DONTEXPAND | VM_DONTDUMP and clears
VM_DONTDUMP by writing vma->vm_flags, in a real mmap of its own file (the mmap lock held for
writing, as for every driver), and reads back what the kernel's VMA kept. Natively on 6.1,
and bridged on 6.12 (the writable alias __vm_flags) and on the newest series (7.x: the
vma_flags_t bitmap flags, whose first word is the legacy vm_flags), the same line.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, newest_series, release, run_cli
from kbridge.actions.guest import runner
from sharedboot import Entry

DRIVER = FIXTURES / "layer" / "kbtest_vmflags_old"
EXPECTED = "kbvmf before_had=0 set=1 cleared=1 kept_dontexpand=1 kept_dontdump=0"


def _entry(target: str) -> Entry:
    """The cell's module (native on 6.1, bridged from 6.1 elsewhere) for its kernel's shared
    boot (tests/sharedboot.py)."""
    series = newest_series() if target == "newest" else target

    def build(dest):  # type: ignore[no-untyped-def]
        drv = DRIVER
        if series != "6.1":
            drv = dest / "out"
            proc = run_cli("bridge", str(DRIVER), "--target", "6.1", "--target", series, "-o", str(drv))
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert (drv / "compat" / "rules" / "vm_flags_const").is_dir()
        build, kos = runner.build_for(drv, release(series), dest / "build")
        assert build.ok, build.log[-3000:]
        return kos

    return Entry(f"vm_flags:{target}", series, build)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    return [_entry(params["target"])] if name == "test_old_driver_writes_vm_flags_in_mmap" else []


@pytest.mark.slow
@pytest.mark.parametrize("target", ["6.1", "6.12", "newest"])
def test_old_driver_writes_vm_flags_in_mmap(target, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry(target))
    assert g.ok, (g.reasons, g.problems)
    assert any(EXPECTED in x for x in g.dmesg), [x for x in g.dmesg if "kbvmf" in x]
