"""[configured_out] (shim manifests): a driver feature a kernel with neither side of a rule
cannot be given faithfully is built as that kernel would build it without the option.

Cheap checks (no build, no boot): which of a driver's files a build without the option
leaves out, the manifest's validation, and that the zoned rule's list of the kernel's
headers that test CONFIG_BLK_DEV_ZONED is complete for 5.10. The build and the guest:
test_shims_null_blk.py and test_guest_runtime.py (null_blk@7.3 on 5.10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import common_dir
from kbridge.actions.bridge import configout
from kbridge.facts import driver as drv_mod
from kbridge.knowledge import rules as rules_mod


def _driver(tmp_path: Path, makefile: str, files: dict[str, str]) -> drv_mod.Driver:
    d = tmp_path / "drv"
    d.mkdir()
    (d / "Makefile").write_text(makefile)
    for name, text in files.items():
        (d / name).write_text(text)
    return drv_mod.load(d, label="drv", origin_version="7.3.0")


def test_objects_and_headers_only_built_with_the_option(tmp_path):
    # null_blk's own forms: X-$(CONFIG_O) += a.o, and an ifeq block around another object
    drv = _driver(tmp_path, "obj-m += nb.o\nnb-objs := main.o\n"
                  "ifeq ($(CONFIG_BLK_DEV_ZONED), y)\nnb-$(CONFIG_TRACING) += trace.o\nendif\n"
                  "nb-$(CONFIG_BLK_DEV_ZONED) += zoned.o\nnb-$(CONFIG_OTHER) += other.o\n",
                  {"main.c": '#include "nb.h"\n', "nb.h": "int x;\n",
                   "zoned.c": '#include "nb.h"\n#include "trace.h"\n', "trace.c": '#include "trace.h"\n',
                   "trace.h": "int t;\n", "other.c": "int o;\n"})
    assert configout.objects_only_with(drv, "CONFIG_BLK_DEV_ZONED") == {"zoned.c", "trace.c"}
    # a header only the dropped files include is not compiled either; nb.h still is
    assert configout.files_not_built(drv, "CONFIG_BLK_DEV_ZONED") == {"zoned.c", "trace.c", "trace.h"}
    assert configout.files_not_built(drv, "CONFIG_NOT_USED") == set()


def test_else_branch_and_ifdef_forms(tmp_path):
    drv = _driver(tmp_path, "obj-m += nb.o\nifdef CONFIG_Z\nnb-y += a.o\nelse\nnb-y += b.o\nendif\n"
                  "ifneq ($(CONFIG_Z),)\nnb-y += c.o\nendif\n",
                  {"a.c": "", "b.c": "", "c.c": ""})
    # b.o is what the build WITHOUT the option compiles
    assert configout.objects_only_with(drv, "CONFIG_Z") == {"a.c", "c.c"}


def test_compiled_rows_and_the_drivers_stand_in(tmp_path):
    drv = _driver(tmp_path, "obj-m += nb.o\nnb-$(CONFIG_BLK_DEV_ZONED) += zoned.o\n",
                  {"main.c": '#include "nb.h"\nstatic const struct ops o = {\n\t.report_zones = nb_report,\n};\n',
                   "nb.h": "#ifdef CONFIG_BLK_DEV_ZONED\nint nb_report(int a);\n#else\n"
                           "#define nb_report NULL\n#endif\n",
                   "zoned.c": "int nb_report(int a) { return a; }\n"})
    test = configout.compiled(drv, "CONFIG_BLK_DEV_ZONED", None)
    f = {"file": "main.c", "line": 3, "kind": "ops-changed",
         "message": "initialization of 'struct ops.report_zones' from incompatible pointer type: "
                    "'nb_report' matches the member's type on A, not on B"}
    assert not test(f)                     # every declaration configured out, a #define stands in
    assert not test({"file": "zoned.c", "line": 1, "kind": "missing-function", "message": ""})
    assert test({"file": "main.c", "line": 2, "kind": "missing-function", "message": ""})


def test_manifest_is_validated(tmp_path):
    shim = tmp_path / "shim.toml"
    shim.write_text('[configured_out]\nconfig = "BLK_DEV_ZONED"\nheaders = ["linux/blkdev.h"]\nwhy = "w"\n')
    with pytest.raises(rules_mod.RuleError, match="configured_out"):
        rules_mod._parse_manifest(shim, "r", set())
    shim.write_text('[configured_out]\nconfig = "CONFIG_X"\nheaders = ["linux/blkdev.h"]\nwhy = "w"\n')
    co = rules_mod._parse_manifest(shim, "r", set()).configured_out
    assert co is not None and co.config == "CONFIG_X" and co.headers == ("linux/blkdev.h",)


def test_zoned_rule_names_every_510_header_that_tests_the_option():
    """The wrapper undefines CONFIG_BLK_DEV_ZONED once the kernel's headers that test it
    were read: a header left out of the list would be read later with the option gone,
    and its structs would lose their zoned members (a layout that is not the kernel's)."""
    r = {x.id: x for x in rules_mod.load()}["zoned_settings_in_queue_limits"]
    co = r.manifest.configured_out
    assert co is not None and co.config == "CONFIG_BLK_DEV_ZONED"
    inc = common_dir("5.10") / "include"
    if not inc.is_dir():
        pytest.skip("no 5.10 headers")
    testing = {p.relative_to(inc).as_posix() for p in inc.rglob("*.h")
               if re.search(rb"\bCONFIG_BLK_DEV_ZONED\b", p.read_bytes())}
    assert testing and testing <= set(co.headers), testing - set(co.headers)


def test_matrix_reports_the_configured_out_shim_active_where_the_kernel_has_neither():
    from kbridge.actions.matrix import shim_applies
    assert shim_applies({"state": "neither"}, "configured_out") is True
    assert shim_applies({"state": "new"}, "configured_out") is False
    assert shim_applies({"state": "old"}, "new_on_old") and shim_applies({"state": "new"}, "old_on_new")


@pytest.mark.slow
def test_a_listed_header_included_first_keeps_the_kernels_layout(trees, tmp_path):
    """The option is undefined once the OUTERMOST of the rule's headers is complete. Before
    (session 11 review) only the first header (linux/blkdev.h) had the wrapper: a file that
    includes <linux/device-mapper.h> first (the usual order of a device-mapper target) reached
    blkdev.h's wrapper from inside device-mapper.h, whose own include of device-mapper.h was
    then a no-op (its guard already set), the option was undefined, and the rest of
    device-mapper.h was read without it -- 5.10's struct target_type (CONFIG_BLK_DEV_ZONED=y in
    Debian's 5.10) lost report_zones and every callback after it moved by one pointer. A
    newer driver with the zoned rule's API, two files: sizeof(struct target_type) as an
    array's size, device-mapper.h first in one, blkdev.h first in the other; bridged for 5.10
    and built: both sizes must be the same (nm -S)."""
    import subprocess
    from kbridge.actions.bridge import bridge
    from kbridge.actions.kbuild import run_kbuild
    from kbridge.facts import targets
    from conftest import newest_series
    src = tmp_path / "src"
    src.mkdir()
    (src / "kbt_z.c").write_text(
        "#include <linux/module.h>\n#include <linux/blkdev.h>\n#include <linux/device-mapper.h>\n"
        "char kbt_tt_blkdev_first[sizeof(struct target_type)];\n"
        "#ifdef CONFIG_BLK_DEV_ZONED\n"
        "int kbt_revalidate(struct gendisk *disk) { return blk_revalidate_disk_zones(disk); }\n"
        "#endif\n"
        "static int __init kbt_init(void) { return 0; }\nmodule_init(kbt_init);\nMODULE_LICENSE(\"GPL\");\n")
    (src / "kbt_dm.c").write_text(
        "#include <linux/device-mapper.h>\n#include <linux/module.h>\n"
        "char kbt_tt_dm_first[sizeof(struct target_type)];\n")
    (src / "Kbuild").write_text("obj-m := kbt_co.o\nkbt_co-y := kbt_z.o kbt_dm.o\n")
    old, home = targets.resolve("5.10", trees=trees), targets.resolve(newest_series(), trees=trees)
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(src), [home, old], "layer", out)
    assert rep.configured_out.get("zoned_settings_in_queue_limits") == [old.name], rep.to_json()
    proc = run_kbuild(out, old)
    assert proc.returncode == 0, proc.stdout[-3000:]
    sizes = {}
    for o in ("kbt_z.o", "kbt_dm.o"):
        for line in subprocess.run(["nm", "-S", str(next(out.rglob(o)))], capture_output=True,
                                   text=True, check=True).stdout.splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[3].startswith("kbt_tt_"):
                sizes[parts[3]] = int(parts[1], 16)
    assert len(sizes) == 2 and len(set(sizes.values())) == 1, sizes
