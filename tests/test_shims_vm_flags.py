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

DRIVER = FIXTURES / "layer" / "kbtest_vmflags_old"
EXPECTED = "kbvmf before_had=0 set=1 cleared=1 kept_dontexpand=1 kept_dontdump=0"


@pytest.mark.slow
@pytest.mark.parametrize("target", ["6.1", "6.12", "newest"])
def test_old_driver_writes_vm_flags_in_mmap(tmp_path, target):  # type: ignore[no-untyped-def]
    target = newest_series() if target == "newest" else target
    drv = DRIVER
    if target != "6.1":
        drv = tmp_path / "out"
        proc = run_cli("bridge", str(DRIVER), "--target", "6.1", "--target", target, "-o", str(drv))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert (drv / "compat" / "rules" / "vm_flags_const").is_dir()
    rel = release(target)
    build, kos = runner.build_for(drv, rel, tmp_path / "build")
    assert build.ok, build.log[-3000:]
    g = runner.run_guest(kos, rel, timeout=300)
    assert g.ok, (g.reasons, g.problems)
    assert any(EXPECTED in x for x in g.dmesg), [x for x in g.dmesg if "kbvmf" in x]
