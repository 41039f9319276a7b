"""5.10 API removed by 6.1, at run time: tests/fixtures/layer/kbtest_scsi_510 and kbtest_msi_510,
written for 5.10, bridged and booted on every later kernel of the table.

kbtest_scsi_510 completes commands with cmd->scsi_done(cmd) (scsi_cmnd_scsi_done_removed on
6.1 and later; on 7.2/7.3 also the host template rules); the guest script reads what the SCSI
core made of the host (LUN 0 scanned through queuecommand and completed, LUN 1 refused by
slave_configure, LUN 0 deleted) and what the module counted: the same on every kernel. Its
.shost_attrs/.sdev_attrs (scsi_host_attrs_to_groups on 6.1 and later) must give the same
files, modes and values, and a user's writes (a valid one stored, a negative one refused
with an error and not stored) must behave the same. Its commands' cmd->request and cmd->SCp
(scsi_cmnd_request_removed, scsi_cmnd_scp_removed on 6.1 and later: members appended to the
driver's view of struct scsi_cmnd, in a private area the core allocates larger) must be right
for every command: request the command's own (blk_mq_rq_from_pdu), on the device's queue,
its unique tag finding the command (scsi_host_find_tag); SCp zeroed when queuecommand gets
the command and kept, with the module's private data (cmd_size), until a work item completes
it later. The SG_SCSI_RESET ioctl on LUN 0's sg node (the guest helper kbridge-sgreset) makes
the core build a command of its own, never queued, and call ->eh_device_reset_handler with
it: there too cmd->request must be the request before the command, SCp zeroed.

kbtest_msi_510 walks every PCI device's MSI descriptors with for_each_pci_msi_entry()
(for_each_pci_msi_entry_removed), reads each one's msi_attrib.entry_nr
(msi_attrib_entry_nr_removed: msi_desc.msi_index from 5.17) and reads swiotlb_nr_tbl()
(is_swiotlb_active_dev's old_on_new). The guest has a virtio-rng PCI device (MSI-X enabled by virtio_pci) and boots
with swiotlb=force, so there are descriptors and a pool: the walk must find, per device,
exactly the interrupts sysfs lists in msi_irqs/, each descriptor's entry_nr must be its
table entry (0, 1, ... in walk order: virtio_pci asks for entries 0..n-1; an MSI
descriptor's is 0), and swiotlb_nr_tbl() must equal debugfs' swiotlb/io_tlb_nslabs
(non-zero).

Checked to fail first: with the copy's eh_device_reset_handler left to the driver's own
(mutation scsi_cmnd_request_eh_slot) the reset's command reaches it with cmd->request NULL
on 6.1 and 7.3 (eh_req_ok 0); with kb_scsi_cmnd_done stubbed (not completing) the 6.1 run fails (the
module does not load: the scan's INQUIRY times out, the device is offlined); with the MSI
walk stubbed to MSI_DESC_NOTASSOCIATED (the filter upstream's xen-pcifront conversion uses)
it finds no descriptor of the enabled device (every one has an interrupt) and the irq lists
differ; with kb_swiotlb_nr_tbl() returning 0 nr_tbl differs from io_tlb_nslabs; with
msi_attrib.entry_nr aliased to the high byte of msi_index instead of the whole u16 (the
wrapper of <linux/msi.h> stubbed) every entry reads 0 on 6.1 and 7.3 and the entries differ.
"""

from __future__ import annotations


import pytest

from conftest import FIXTURES, newest_series, probe_states
from kbridge.actions.bridge import bridge
from kbridge.actions.guest import qemu
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

LAYER = FIXTURES / "layer"
SCRIPT = LAYER / "kbtest_old510_guest" / "old510.sh"
SERIES = ("5.10", "6.1", "6.12", "7.2", "7.3")
EXPECTED = {"lun0": "1", "lun0_type": "3", "lun0_vendor": "KBTEST", "lun1": "0",
            "lun0_after_delete": "0", "configure_calls": "2", "right_host": "1",
            # .shost_attrs/.sdev_attrs (scsi_host_attrs_to_groups on 6.1 and later)
            "knob_mode": "-rw-r--r--", "host_mode": "-r--r--r--", "lun_mode": "-r--r--r--",
            "knob": "7", "host_attr": "1", "lun_attr": "0,1", "knob_write": "0",
            "knob_after": "42", "knob_bad_write": "1", "knob_after_bad": "42",
            # the SG_SCSI_RESET ioctl: the core's own command to ->eh_device_reset_handler
            # (scsi_cmnd_request_removed's trampoline on 6.1 and later)
            "sgreset": "sgreset_0", "eh_calls": "1", "eh_req_ok": "1", "eh_scp_clean": "1",
            "eh_priv_ok": "1",
            # a second host of the template after the driver changed its can_queue: the
            # template copy the core gets on 6.1 and later (scsi_template_box) follows it
            "host2_can_queue": "3"}


# the state each rule's probe must find in each series' headers
STATES = {
    "for_each_pci_msi_entry_removed": ("old", "new", "new", "new", "new"),
    "msi_attrib_entry_nr_removed": ("old", "new", "new", "new", "new"),
    "scsi_cmnd_scsi_done_removed": ("old", "new", "new", "new", "new"),
    "scsi_cmnd_request_removed": ("old", "new", "new", "new", "new"),
    "scsi_cmnd_scp_removed": ("old", "new", "new", "new", "new"),
    "scsi_queuecommand_lck_done_removed": ("old", "new", "new", "new", "new"),
    "page_index_removed": ("old", "old", "old", "new", "new"),
    "scsi_host_attrs_to_groups": ("old", "new", "new", "new", "new"),
    # two sides: sdev_configure (new) / slave_configure (old); 6.12's device_configure
    # is the shim's anchor, not a state
    "scsi_sdev_configure": ("old", "old", "old", "new", "new"),
}


@pytest.mark.parametrize("series", SERIES)
def test_probe_states_on_every_series(series, roots_ready):  # type: ignore[no-untyped-def]
    got = probe_states(series, STATES)
    assert got == {rid: st[SERIES.index(series)] for rid, st in STATES.items()}


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["kbtest_scsi_510", "kbtest_msi_510"])
def test_510_modules_build_clean_inline(fixture, trees, tmp_path):  # type: ignore[no-untyped-def]
    """The same shims through the inline strategy: OUT's kb_ spots build clean on the oldest
    and the newest kernel the shims apply to (the guest test above runs the layer)."""
    all_trees = [targets.resolve(s, trees=trees) for s in ("5.10", "6.1", "7.3")]
    out = tmp_path / fixture
    rep = bridge(drv_mod.load(LAYER / fixture), all_trees, "inline", out,
                 home=all_trees[0].version)
    assert rep.ok, rep.unbridged
    text = (out / f"{fixture}.c").read_text()
    if fixture == "kbtest_scsi_510":
        # a member call has no spot (inline renames no member): kb_inline.h keeps the macro
        assert "cmd->scsi_done(cmd);" in text
        assert "#undef scsi_done" not in (out / "compat" / "kb_inline.h").read_text()
    else:
        assert "kb_for_each_pci_msi_entry" in text and "kb_swiotlb_nr_tbl" in text, text
    for tree in all_trees:
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (
            tree.name, diags, undefined, proc.stdout[-3000:])


def _lines(text: list[str] | str, tag: str) -> list[str]:
    rows = text.splitlines() if isinstance(text, str) else text
    return [r.split(tag + " ", 1)[1].strip() for r in rows if (tag + " ") in r]


# The suite boots 5.10 (native), the host's older series and the newest one; the two
# others are a sweep (bench/bench_suite.py --mark sweep): the shims are the same code there.
SUITE_KERNELS = ("5.10", "6.1", newest_series())


@pytest.mark.slow
def test_510_scsi_and_msi_modules_behave_alike_on_every_kernel(trees, tmp_path):  # type: ignore[no-untyped-def]
    _behave_alike([s for s in SERIES if s in SUITE_KERNELS], trees, tmp_path)


@pytest.mark.slow
@pytest.mark.sweep
def test_510_scsi_and_msi_modules_behave_alike_on_the_other_kernels(trees, tmp_path):  # type: ignore[no-untyped-def]
    _behave_alike(["5.10"] + [s for s in SERIES if s not in SUITE_KERNELS], trees, tmp_path)


def _behave_alike(series: list[str], trees, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.image import ensure_image, guest_root
    from kbridge.actions.guest.initramfs import ModuleIndex
    from kbridge.actions.guest.runner import run_guest

    all_trees = [targets.resolve(s, trees=trees) for s in series]
    if not all((guest_root() / "images" / t.release).is_dir() for t in all_trees):
        pytest.skip("guest kernel images not in the cache (kbridge run fetches them)")
    outs = {}
    for fixture in ("kbtest_scsi_510", "kbtest_msi_510"):
        out = tmp_path / fixture
        rep = bridge(drv_mod.load(LAYER / fixture), all_trees, "layer", out, home=all_trees[0].version)
        assert rep.ok, rep.unbridged
        outs[fixture] = out
    seen = {}
    for tree in all_trees:
        kos = []
        for fixture, out in outs.items():
            proc = run_kbuild(out, tree)
            diags, undefined = parse_log(proc.stdout, out)
            assert proc.returncode == 0 and not diags and not undefined, (
                tree.name, fixture, diags, undefined, proc.stdout[-3000:])
            ko = tmp_path / f"{fixture}-{tree.release}.ko"
            ko.write_bytes((out / f"{fixture}.ko").read_bytes())
            kos.append(ko)
        image = ensure_image(tree.release)
        extra = [m for m in ("virtio_pci", "virtio_rng", "sg") if m in ModuleIndex.load(image).paths]
        g = run_guest(kos, tree.release, test_script=SCRIPT, timeout=300, image=image,
                      extra_modules=extra,
                      qemu_args=["-device", "virtio-rng-pci",
                                 "-append", qemu.APPEND + " swiotlb=force"])
        assert [m.returncode for m in g.modules] == [0, 0], (tree.release, g.reasons)
        assert g.test_returncode == 0, g.test_output
        assert g.ok, (tree.release, g.reasons, g.problems)
        kbq = dict(x.split("=", 1) for x in _lines(g.test_output, "kbq"))
        kbs = _lines(g.test_output, "kbs")
        kbmsi = _lines(g.dmesg, "kbmsi")
        seen[tree.release] = kbq
        # the walk: per device the interrupts sysfs lists, and a device with MSI-X is there
        sysfs = {r.split()[0]: sorted(r.split("irqs=")[1].split(","), key=int)
                 for r in kbs if " irqs=" in r}
        walked = {r.split()[0]: r.split("irqs=")[1].split(",") for r in kbmsi if " irqs=" in r}
        assert sysfs, (tree.release, g.test_output)
        assert {k: sorted(v, key=int) for k, v in walked.items()} == sysfs, (tree.release,
                                                                            kbmsi, kbs)
        for r in kbmsi:
            if " n=" in r:
                n = int(r.split("n=")[1].split()[0])
                assert n == len(r.split("irqs=")[1].split(","))
                # msi_attrib.entry_nr: the MSI-X table entry, 0..n-1 in walk order
                entries = r.split("entries=")[1].split()[0].split(",")
                assert entries == [str(i) for i in range(n)], (tree.release, r)
        nslabs = [r.split("=", 1)[1] for r in kbs if r.startswith("nslabs=")]
        nr_tbl = [r.split("=", 1)[1] for r in kbs if r.startswith("nr_tbl=")]
        assert nslabs and nslabs[0].isdigit() and int(nslabs[0]) > 0, (tree.release, kbs)
        assert nr_tbl == nslabs, (tree.release, kbs)
    for rel, kbq in seen.items():
        for k, v in EXPECTED.items():
            assert kbq.get(k) == v, (rel, k, kbq)
        assert int(kbq["qc_calls"]) >= 2 and kbq["done_calls"] == kbq["qc_calls"], (rel, kbq)
        assert int(kbq["destroy_calls"]) >= 1, (rel, kbq)
        # cmd->request, SCp and the private data: right for every command
        # DEF_SCSI_QCMD's _lck: under the host lock, done the command's completion pointer
        # (scsi_queuecommand_lck_done_removed on 6.1 and later)
        for k in ("req_ok", "scp_clean", "scp_kept", "priv_kept", "lck_ok"):
            assert kbq[k] == kbq["qc_calls"], (rel, k, kbq)
    counts = {r: (k["configure_calls"], k["destroy_calls"]) for r, k in seen.items()}
    assert len(set(counts.values())) == 1, counts


@pytest.mark.parametrize("body,elsewhere", [
    # snd_xen_front: names struct page, reads ->index of its own stream struct
    ("struct kbt_stream { int index; };\n"
     "int kbt_f(struct kbt_stream *s, struct page *p) { return s->index + !p; }\n", True),
    # xen-fbfront@5.10: page->index (and a console's index)
    ("int kbt_f(struct page *page, struct console *c) { return page->index + c->index; }\n",
     False),
    # an owner the scan cannot resolve without the kernel's index counts as the rule's
    ("struct page *kbt_get(void);\nint kbt_f(void) { return kbt_get()->index; }\n", False),
])
def test_cannot_bridge_member_rule_needs_its_struct(tmp_path, body, elsewhere):  # type: ignore[no-untyped-def]
    """A direction that cannot be bridged fails the whole bridge, so a member rule's is
    reported only when the driver may read S.m (used_rules matches members by name):
    page_index_removed must not fail snd_xen_front@6.12 on 7.3 (failed before the fix:
    'NOT BRIDGED page_index_removed' for its stream->index), and must fail xen-fbfront@5.10
    (while its old_on_new was impossible; it is bridged since, by a wrapper)."""
    from kbridge.actions.bridge import layer
    from kbridge.knowledge import rules

    (tmp_path / "kbt.c").write_text("#include <linux/mm_types.h>\n#include <linux/console.h>\n"
                                    + body)
    (tmp_path / "Kbuild").write_text("obj-m := kbt.o\n")
    rule = rules.by_id(rules.load())["page_index_removed"]
    drv = drv_mod.load(tmp_path)
    assert rule in layer.used_rules([rule], drv)
    assert layer._members_elsewhere(rule, drv) is elsewhere


@pytest.mark.parametrize("read,refused", [
    ("desc->msi_attrib.entry_nr", False),
    ("desc->msi_attrib.is_msix", True),
    ("desc->msi_attrib.default_irq", True),
])
def test_msi_attrib_alias_serves_only_entry_nr(tmp_path, read, refused):  # type: ignore[no-untyped-def]
    """msi_attrib_entry_nr_removed's old_on_new aliases only entry_nr (onto msi_index): the
    older msi_attrib's flags live in desc->pci.msi_attrib on 5.17+, at another offset, so a
    5.10 driver reading them is refused with the reason instead of being taken up by the
    rule (whose alias struct has no such member: gcc would stop at 'no member named
    is_msix'). The two refusal cases failed with the manifest's refused_reads removed."""
    from kbridge.actions.bridge import layer
    from kbridge.knowledge import rules

    (tmp_path / "kbt.c").write_text("#include <linux/msi.h>\n"
                                    f"int kbt_f(struct msi_desc *desc) {{ return {read}; }}\n")
    (tmp_path / "Kbuild").write_text("obj-m := kbt.o\n")
    rule = rules.by_id(rules.load())["msi_attrib_entry_nr_removed"]
    drv = drv_mod.load(tmp_path)
    assert rule in layer.used_rules([rule], drv)
    why = layer._refused_uses(rule.manifest.direction("old_on_new"), drv, rule)
    assert bool(why) is refused, why


# the rules whose shim hands the core a copy of the driver's SCSI host template
TEMPLATE_COPIES = [("scsi_slave_configure_removed", "old_on_new"),
                   ("scsi_queuecommand_qc_status", "old_on_new"),
                   ("scsi_host_attrs_to_groups", "old_on_new"),
                   ("scsi_cmnd_request_removed", "old_on_new"),
                   ("scsi_bios_param_gendisk", "new_on_old"),
                   ("scsi_bios_param_gendisk", "old_on_new"),
                   ("scsi_host_template_const", "new_on_old"),
                   ("scsi_sdev_configure", "new_on_old")]


@pytest.mark.parametrize("rid,direction", TEMPLATE_COPIES)
@pytest.mark.parametrize("cookie", [True, False])
def test_a_raid_class_cookie_is_refused_where_the_core_gets_a_template_copy(tmp_path, rid, direction,
                                                                           cookie):  # type: ignore[no-untyped-def]
    """raid_class matches a SCSI device to a driver's raid_function_template by comparing its
    .cookie (the driver's &template) with sdev->host->hostt, which is the shims' copy: the
    driver's devices would silently get no raid_devices entries (mpt3sas, myrb, myrs). Each
    rule whose shim hands the core a copy refuses a driver that sets .cookie (review12: none
    did, the bridge counted such a driver as bridged); a driver without it is not refused."""
    from kbridge.actions.bridge import layer
    from kbridge.knowledge import rules

    (tmp_path / "kbt.c").write_text(
        "#include <scsi/scsi_host.h>\n#include <linux/raid_class.h>\n"
        "static struct scsi_host_template kbt_sht = { .name = \"kbt\" };\n"
        + ("static struct raid_function_template kbt_raid = { .cookie = &kbt_sht };\n" if cookie
           else "static struct raid_function_template kbt_raid = { .is_raid = NULL };\n"))
    (tmp_path / "Kbuild").write_text("obj-m := kbt.o\n")
    rule = rules.by_id(rules.load())[rid]
    why = layer._refused_uses(rule.manifest.direction(direction), drv_mod.load(tmp_path), rule)
    assert ("sets .cookie in an initializer" in why) is cookie, why
