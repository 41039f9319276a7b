"""The fb generator shim, both of its branches, under real kbuild on 6.1.

fb_gen_default_deferred_sysmem_ops (new_on_old) uses the kernel's own
generator where a stable backport has it under its first name
(FB_GEN_DEFAULT_DEFERRED_SYS_OPS, as Debian's 6.1 headers do) and its own
otherwise. The corpus only ever compiles the first branch on this machine,
so the fixture module is built a second time with the kernel's generator
hidden. modpost must find every helper the generated code calls.
"""

from __future__ import annotations

import shutil

import pytest

from conftest import FIXTURES
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.knowledge.rules import SHIMS_DIR


@pytest.mark.parametrize("own", ["0", "1"])
def test_fb_generator_shim_builds_in_both_branches(tree61, tmp_path, own):  # type: ignore[no-untyped-def]
    mod = tmp_path / "m"
    shutil.copytree(FIXTURES / "layer" / "kbtest_fb_gen", mod)
    shim = SHIMS_DIR / "fb_gen_default_deferred_sysmem_ops"
    proc = run_kbuild(mod, tree61, extra=(f"KBT_SHIM_DIR={shim}", f"KBT_OWN_GENERATOR={own}"))
    diags, undefined = parse_log(proc.stdout, mod)
    assert proc.returncode == 0 and not diags and not undefined, proc.stdout[-3000:]
    assert (mod / "kbtest_fb_gen.ko").is_file()
