"""scsi_host_template.slave_alloc -> sdev_init (6.14, scsi_sdev_init_renamed): a pure
rename of one callback (same type, same call site), so a build check: a module whose
template sets .slave_alloc (6.12's spelling) bridged onto 7.3, and one setting
.sdev_init (7.3's) bridged onto 6.12 and 5.10, build clean with the layer and inline.
Without the rule neither builds on the other kernel (no member of that name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import probe_states
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets


def _module(member: str, d: Path) -> None:
    d.mkdir(parents=True)
    (d / "Kbuild").write_text("obj-m += kbtest_sdev_init.o\n")
    (d / "kbtest_sdev_init.c").write_text(f"""// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <scsi/scsi_host.h>

static int kbt_alloc(struct scsi_device *sdev)
{{
	return 0;
}}

static struct scsi_host_template kbt_sht = {{
	.module = THIS_MODULE,
	.name = "kbtest_sdev_init",
	.{member} = kbt_alloc,
}};

static struct Scsi_Host *kbt_host;

static int __init kbt_init(void)
{{
	kbt_host = scsi_host_alloc(&kbt_sht, 0);
	return kbt_host ? 0 : -ENOMEM;
}}

static void __exit kbt_exit(void)
{{
	scsi_host_put(kbt_host);
}}

module_init(kbt_init);
module_exit(kbt_exit);
MODULE_LICENSE("GPL");
""")


def test_scsi_sdev_init_renamed_probes(roots_ready) -> None:  # type: ignore[no-untyped-def]
    want = {"5.10": "old", "6.1": "old", "6.12": "old", "7.2": "new", "7.3": "new"}
    assert {s: probe_states(s, ("scsi_sdev_init_renamed",))["scsi_sdev_init_renamed"]
            for s in want} == want


@pytest.mark.parametrize("member,home,others,strategy", [
    ("slave_alloc", "6.12", ("7.3",), "layer"), ("slave_alloc", "6.12", ("7.3",), "inline"),
    ("sdev_init", "7.3", ("6.12", "5.10"), "layer")])
def test_scsi_sdev_init_renamed_builds(member, home, others, strategy, tmp_path):  # type: ignore[no-untyped-def]
    d = tmp_path / member
    _module(member, d)
    trees = [targets.resolve(s) for s in (home, *others)]
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(d), trees, strategy, out)
    assert rep.ok, rep.unbridged
    assert "scsi_sdev_init_renamed" in {s["rule"] for s in rep.shims}
    for t in trees:
        proc = run_kbuild(out, t)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (t.release, proc.stdout[-3000:])
