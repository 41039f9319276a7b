"""Mutation check of tests/test_shims_behaviour.py: not a test, run by hand (about 20-60 s a mutation).

Each entry replaces one line of one shim with what a stub that "only quiets
the compiler" would do (ignore the value, return 0, take no lock, accept any
callback); the behaviour tests must then fail. Usage, from the repository:

    .venv/bin/python tests/shim_mutations.py [NAME...]

It copies the shim library to a temporary directory, edits the copy, and
runs pytest with kbridge.knowledge.rules.SHIMS_DIR pointed at it; the real
shims are never touched. Measured 2026-11-25: all 18 caught (list_unlock_nolock
by a guest time-out: console_lock is never released).
"""
import shutil, subprocess, sys, tempfile
from pathlib import Path
REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src" / "kbridge" / "knowledge" / "shims"
MUT = {
 "chunk": ("blk_queue_chunk_sectors_removed/old_on_new.h", "KB_QUEUE_LIMITS_UPDATE(q, chunk_sectors, val);", "(void)q;"),
 "io_min": ("blk_queue_io_min_removed/old_on_new.h", "KB_QUEUE_LIMITS_UPDATE(q, io_min, val);", "(void)q;"),
 "io_opt": ("blk_queue_io_opt_removed/old_on_new.h", "KB_QUEUE_LIMITS_UPDATE(q, io_opt, val);", "(void)q;"),
 "discard_segs": ("blk_queue_max_discard_segments_removed/old_on_new.h", "KB_QUEUE_LIMITS_UPDATE(q, max_discard_segments, val);", "(void)q;"),
 "secure_erase": ("blk_queue_max_secure_erase_sectors_removed/old_on_new.h", "KB_QUEUE_LIMITS_UPDATE(q, max_secure_erase_sectors, val);", "(void)q;"),
 "write_zeroes": ("blk_queue_max_write_zeroes_sectors_removed/old_on_new.h", "KB_QUEUE_LIMITS_UPDATE(q, max_write_zeroes_sectors, val);", "(void)q;"),
 "virt_boundary_segsize": ("blk_queue_virt_boundary_removed/old_on_new.h", "\tif (val)\n\t\t__kb_lim.max_segment_size = UINT_MAX;\t/* as the old setter did */\n", ""),
 "disable_discard": ("blk_queue_disable_discard/new_on_old.h", "q->limits.max_discard_sectors = 0;", "(void)q;"),
 "disable_secure": ("blk_queue_disable_secure_erase/new_on_old.h", "q->limits.max_secure_erase_sectors = 0;", "(void)q;"),
 "list_lock": ("console_list_lock/new_on_old.h", "\tconsole_lock();\n}", "}"),
 "list_unlock_nolock": ("console_list_lock/new_on_old.h", "\tconsole_unlock();\n\tkb_console_force_preferred_finish();", "\tkb_console_force_preferred_finish();"),
 "force_preferred": ("console_force_preferred_locked/new_on_old.h", "\tkb_console_force_preferred_pending = con;", "\t(void)con;"),
 "drm_accept_any": ("drm_gem_prime_mmap_removed/old_on_new.h", "if (drv->gem_prime_mmap && drv->gem_prime_mmap != drm_gem_prime_mmap) {", "if (0) {"),
 "init_late_0": ("pci_xen_swiotlb_init_late_removed/old_on_new.h", "return -ENXIO;", "return 0;"),
 "swiotlb_false": ("pci_xen_swiotlb_init_late_removed/old_on_new.h", "return dev->dma_io_tlb_mem && dev->dma_io_tlb_mem->nslabs;", "return false;"),
 "vm_flags_set": ("vm_flags_set/new_on_old.h", "vma->vm_flags |= flags;", "(void)flags;"),
 "vm_flags_clear": ("vm_flags_set/new_on_old.h", "vma->vm_flags &= ~flags;", "(void)flags;"),
 "vmap_stub": ("vmalloc_h_not_implied/old_on_new.h", "#include <linux/vmalloc.h>", "#include <linux/mm.h>\nstatic inline void *vmap(struct page **p, unsigned int n, unsigned long f, pgprot_t prot) { return NULL; }\nstatic inline void vunmap(const void *a) { }\n#define VM_MAP 0x4"),
}
names = sys.argv[1:] or list(MUT)
work = Path(tempfile.mkdtemp(prefix="kbridge-mutations-"))
for name in names:
    rel, old, new = MUT[name]
    dest = work / name / "shims"
    shutil.rmtree(dest.parent, ignore_errors=True)
    shutil.copytree(SRC, dest)
    f = dest / rel
    text = f.read_text()
    assert text.count(old) == 1, (name, old)
    f.write_text(text.replace(old, new))
    code = ("import sys; sys.argv=['pytest'];import kbridge.knowledge.rules as r; from pathlib import Path; "
            f"r.SHIMS_DIR=Path('{dest}'); import pytest; "
            "raise SystemExit(pytest.main(['-q','-x','-p','no:cacheprovider','tests/test_shims_behaviour.py::test_shim_behaviour_in_guests']))")
    p = subprocess.run(["nice", sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    last = [l for l in p.stdout.splitlines() if l.strip()]
    why = [l for l in p.stdout.splitlines() if l.startswith("E ")][:2]
    print(f"{name}: {'CAUGHT' if p.returncode else 'MISSED'} rc={p.returncode} {last[-1] if last else ''} {why}", flush=True)
shutil.rmtree(work, ignore_errors=True)
