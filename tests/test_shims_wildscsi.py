"""Issue 17's wild set, session 11: classes of API change met by SCSI and PCI drivers of the
candidate list (bench/bench_wild.py), each bridged by a hand-written rule, both ways.

- pci_irq_intx_renamed: pci_alloc_irq_vectors()'s INTx flag, PCI_IRQ_LEGACY (5.10, 6.1) ->
  PCI_IRQ_INTX (6.12 on): the same bit at the same place. A module of each spelling bridged
  onto the kernels of the other builds clean; without the rule neither does (undeclared).
- scsi_queuecommand_lck_done_removed: DEF_SCSI_QCMD's fn_lck(cmd, done) (5.10) <-> fn_lck(cmd)
  (6.1 on). Its behaviour in a guest is checked by kbtest_scsi_510 (tests/test_shims_old510.py:
  lck_ok, the _lck call under the host lock with the command's completion pointer; mutation
  scsi_qcmd_done_arg).
- scsi_bios_param_gendisk: scsi_host_template.bios_param and the scsicam helpers take the
  gendisk (7.2 on) instead of a block_device (up to 6.12). Build checks only (HDIO_GETGEO
  needs an sd disk on a test host).
Each build test bridges with kbridge's own prediction (rep.ok: nothing predicted left).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import probe_states
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets


# the module around each fixture's host template kbt_sht: one host, allocated at init
HOST_MAIN = """static struct Scsi_Host *kbt_host;

static int __init kbt_init(void)
{
	kbt_host = scsi_host_alloc(&kbt_sht, 0);
	return kbt_host ? 0 : -ENOMEM;
}

static void __exit kbt_exit(void)
{
	scsi_host_put(kbt_host);
}

module_init(kbt_init);
module_exit(kbt_exit);
MODULE_LICENSE("GPL");
"""


def _write(d: Path, name: str, body: str) -> Path:
    d.mkdir(parents=True)
    (d / "Kbuild").write_text(f"obj-m += {name}.o\n")
    (d / f"{name}.c").write_text(body)
    return d


def _bridge_and_build(d: Path, home: str, others: tuple[str, ...], strategy: str, rule: str,
                      out: Path) -> None:
    trees = [targets.resolve(s) for s in (home, *others)]
    rep = bridge(drv_mod.load(d), trees, strategy, out)
    assert rep.ok, rep.unbridged
    assert rule in {s["rule"] for s in rep.shims}
    for t in trees:
        proc = run_kbuild(out, t)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (t.release, proc.stdout[-3000:])


# --- pci_irq_intx_renamed -------------------------------------------------------------

def _pci_module(flag: str, d: Path) -> Path:
    return _write(d, "kbtest_pci_intx", f"""// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/pci.h>

static int kbt_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{{
	int n = pci_alloc_irq_vectors(pdev, 1, 1, {flag} | PCI_IRQ_MSI);

	return n < 0 ? n : 0;
}}

static void kbt_remove(struct pci_dev *pdev)
{{
	pci_free_irq_vectors(pdev);
}}

static const struct pci_device_id kbt_ids[] = {{ {{ PCI_DEVICE(0x1af4, 0x10ff) }}, {{ }} }};

static struct pci_driver kbt_driver = {{
	.name = "kbtest_pci_intx",
	.id_table = kbt_ids,
	.probe = kbt_probe,
	.remove = kbt_remove,
}};
module_pci_driver(kbt_driver);
MODULE_LICENSE("GPL");
""")


def test_pci_irq_intx_renamed_probes(roots_ready) -> None:  # type: ignore[no-untyped-def]
    want = {"5.10": "old", "6.1": "old", "6.12": "new", "7.2": "new", "7.3": "new"}
    assert {s: probe_states(s, ("pci_irq_intx_renamed",))["pci_irq_intx_renamed"]
            for s in want} == want


@pytest.mark.parametrize("flag,home,others,strategy", [
    ("PCI_IRQ_LEGACY", "6.1", ("6.12",), "layer"), ("PCI_IRQ_LEGACY", "6.1", ("6.12",), "inline"),
    ("PCI_IRQ_LEGACY", "5.10", ("7.3",), "layer"),
    ("PCI_IRQ_INTX", "6.12", ("6.1",), "layer"), ("PCI_IRQ_INTX", "6.12", ("6.1",), "inline"),
    ("PCI_IRQ_INTX", "7.3", ("5.10",), "layer")])
def test_pci_irq_intx_renamed_builds(flag, home, others, strategy, tmp_path):  # type: ignore[no-untyped-def]
    d = _pci_module(flag, tmp_path / "src")
    _bridge_and_build(d, home, others, strategy, "pci_irq_intx_renamed", tmp_path / "out")


# --- scsi_queuecommand_lck_done_removed -----------------------------------------------

def _qcmd_module(old: bool, d: Path) -> Path:
    """A host template whose queuecommand is DEF_SCSI_QCMD's: 5.10's form (the _lck
    function takes done, stores it into cmd->scsi_done and completes through it) or the
    newer one (no done; scsi_done(cmd))."""
    if old:
        lck = """static int kbt_queue_lck(struct scsi_cmnd *cmd, void (*done)(struct scsi_cmnd *))
{
	cmd->scsi_done = done;
	cmd->result = DID_NO_CONNECT << 16;
	if (cmd->cmnd[0] == TEST_UNIT_READY)
		done(cmd);
	else
		cmd->scsi_done(cmd);
	return 0;
}"""
    else:
        # upstream's conversion keeps a local done (= scsi_done) in many drivers
        lck = """static int kbt_queue_lck(struct scsi_cmnd *cmd)
{
	void (*done)(struct scsi_cmnd *) = scsi_done;

	cmd->result = DID_NO_CONNECT << 16;
	if (cmd->cmnd[0] == TEST_UNIT_READY)
		done(cmd);
	else
		scsi_done(cmd);
	return 0;
}"""
    return _write(d, "kbtest_qcmd", f"""// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_host.h>

{lck}

static DEF_SCSI_QCMD(kbt_queue)

static struct scsi_host_template kbt_sht = {{
	.module = THIS_MODULE,
	.name = "kbtest_qcmd",
	.queuecommand = kbt_queue,
	.can_queue = 1,
	.this_id = -1,
}};

{HOST_MAIN}""")


def test_scsi_queuecommand_lck_done_removed_probes(roots_ready) -> None:  # type: ignore[no-untyped-def]
    want = {"5.10": "old", "6.1": "new", "6.12": "new", "7.2": "new", "7.3": "new"}
    assert {s: probe_states(s, ("scsi_queuecommand_lck_done_removed",))[
        "scsi_queuecommand_lck_done_removed"] for s in want} == want


@pytest.mark.parametrize("old,home,others,strategy", [
    (True, "5.10", ("6.1", "7.3"), "layer"), (True, "5.10", ("6.12",), "inline"),
    (False, "7.3", ("5.10",), "layer"), (False, "6.1", ("5.10",), "inline")])
def test_scsi_queuecommand_lck_done_removed_builds(old, home, others, strategy, tmp_path):  # type: ignore[no-untyped-def]
    d = _qcmd_module(old, tmp_path / "src")
    _bridge_and_build(d, home, others, strategy, "scsi_queuecommand_lck_done_removed",
                      tmp_path / "out")


# --- scsi_bios_param_gendisk ----------------------------------------------------------

def _bios_module(arg: str, d: Path, configure: bool = False) -> Path:
    """A host template with .bios_param of one kernel's type (arg: "struct block_device"
    or "struct gendisk") that asks the scsicam helpers with its argument; *configure*: also
    7.3's .sdev_configure (whose new_on_old hands the core a template copy of its own)."""
    cfg = ("static int kbt_cfg(struct scsi_device *sdev, struct queue_limits *lim)\n"
           "{\n\treturn 0;\n}\n") if configure else ""
    slot = "\t.sdev_configure = kbt_cfg,\n" if configure else ""
    return _write(d, "kbtest_bios", f"""// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/slab.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>
#include <scsi/scsicam.h>

static int kbt_bios_param(struct scsi_device *sdev, {arg} *b, sector_t capacity, int geom[])
{{
	unsigned char *p = scsi_bios_ptable(b);

	kfree(p);
	if (scsi_partsize(b, capacity, geom))
		return 0;
	return scsicam_bios_param(b, capacity, geom);
}}

{cfg}
static struct scsi_host_template kbt_sht = {{
	.module = THIS_MODULE,
	.name = "kbtest_bios",
	.bios_param = kbt_bios_param,
{slot}	.this_id = -1,
}};

{HOST_MAIN}""")


def test_scsi_bios_param_gendisk_probes(roots_ready) -> None:  # type: ignore[no-untyped-def]
    want = {"5.10": "old", "6.1": "old", "6.12": "old", "7.2": "new", "7.3": "new"}
    assert {s: probe_states(s, ("scsi_bios_param_gendisk",))["scsi_bios_param_gendisk"]
            for s in want} == want


@pytest.mark.parametrize("arg,home,others,strategy", [
    ("struct block_device", "5.10", ("7.3",), "layer"), ("struct block_device", "6.12", ("7.3",), "inline"),
    ("struct gendisk", "7.3", ("5.10", "6.1"), "layer"), ("struct gendisk", "7.3", ("6.12",), "inline")])
def test_scsi_bios_param_gendisk_builds(arg, home, others, strategy, tmp_path):  # type: ignore[no-untyped-def]
    d = _bios_module(arg, tmp_path / "src")
    _bridge_and_build(d, home, others, strategy, "scsi_bios_param_gendisk", tmp_path / "out")


def test_scsi_bios_param_gendisk_with_sdev_configure_builds(tmp_path):  # type: ignore[no-untyped-def]
    """7.3's template with .sdev_configure and .bios_param on 5.10 and 6.1: both new_on_old
    shims hand the core a template copy; they make one (before: the #error of the first
    version, met by 3w-9xxx of 7.3 on 5.10 in the class measurement)."""
    d = _bios_module("struct gendisk", tmp_path / "src", configure=True)
    _bridge_and_build(d, "7.3", ("5.10", "6.1"), "layer", "scsi_bios_param_gendisk",
                      tmp_path / "out")
