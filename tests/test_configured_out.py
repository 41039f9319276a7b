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
