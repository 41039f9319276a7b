"""The compat object in inline OUT (kbridge.actions.bridge.compatobj, the inline strategy).

Both strategies carry the same compat object: exported functions a target lacks, copied at
bridge time from the driver's kernel's source package into compat/kb_drafts.c and linked
into the driver's module, each used only where the target's Module.symvers lacks the export
(KB_HAVE_EXPORT_<name>, asked by OUT's Kbuild). The layer renames the driver's calls in
header wrappers; inline OUT shows them: each call is a spot, the driver's own line under
``#ifdef KB_HAVE_EXPORT_<name>`` and the same line calling ``kb_<name>`` otherwise.

xen-pcifront of 6.1 on 5.10 is the case: 5.10 exports neither xenbus_setup_ring nor
xenbus_teardown_ring. Before the inline strategy carried the compat object, its inline OUT
did not build on 5.10 (the copies were refused, "only the layer strategy carries a compat
object", and kbuild stopped at the implicit declaration of xenbus_setup_ring).
"""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import run_cli
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import build
from kbridge.actions.prune import prune_text
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

LABEL = "xen-pcifront@6.1"
FILE = "xen-pcifront.c"
COPIES = {"xenbus_setup_ring", "xenbus_teardown_ring"}


@pytest.fixture(scope="module")
def tree510(trees):  # type: ignore[no-untyped-def]
    return targets.resolve("5.10", trees=trees)


@pytest.fixture(scope="module")
def pcifront(corpus):  # type: ignore[no-untyped-def]
    e = corpus[LABEL]
    return e, drv_mod.load(e.path, label=e.label, origin_version=e.version)


@pytest.fixture(scope="module")
def bridged(tmp_path_factory, pcifront, tree510):  # type: ignore[no-untyped-def]
    _, drv = pcifront
    base = tmp_path_factory.mktemp("inline_compat")
    rep = bridge(drv, [tree510], "inline", base / "out")
    return rep, base / "out"


def _home_symbols(report, text: str) -> tuple[dict[str, int], list[str]]:  # type: ignore[no-untyped-def]
    """-D/-U set of the driver's own kernel: the rules' guards as it answers them, and every
    draft and export guard of the text defined (the driver's kernel has what they copy)."""
    defines = {s["guard"]: 1 for s in report.shims if s["direction"] == "new_on_old"}
    undefs = [s["guard"] for s in report.shims if s["direction"] == "old_on_new"]
    import re
    for g in sorted(set(re.findall(r"\bKB_HAVE_(?:EXPORT|DRAFT)_\w+", text))):
        defines[g] = 1
    return defines, undefs


def test_inline_out_calls_the_copies_in_guarded_spots(bridged, tree510, pcifront):  # type: ignore[no-untyped-def]
    rep, out = bridged
    assert rep.ok, rep.unbridged
    assert not rep.compat.refused, rep.compat.refused
    assert {d.name for d in rep.compat.drafts} == COPIES
    assert all(d.targets == [tree510.name] for d in rep.compat.drafts)
    # the copies' needs fed back as for the layer: gnttab_end_foreign_access's rule for
    # xenbus_teardown_ring's copy, INVALID_GRANT_REF drafted for xenbus_setup_ring's
    assert "gnttab_end_foreign_access_page" in {s["rule"] for s in rep.shims}
    assert any(d.api == "INVALID_GRANT_REF" for d in rep.drafts.drafts)
    spots = {n: sp for sp in rep.spots for n in sp["names"]}
    assert spots["xenbus_setup_ring"]["rules"] == ["compat_xenbus_setup_ring"]
    assert spots["xenbus_teardown_ring"]["rules"] == ["compat_xenbus_teardown_ring"]
    text = (out / FILE).read_text()
    assert "#ifdef KB_HAVE_EXPORT_xenbus_setup_ring\n\tif (xenbus_setup_ring(" in text
    assert "#else\n\tif (kb_xenbus_setup_ring(" in text
    # no header wrapper renames the kernel's names behind the reader's back (the layer's way)
    assert not (out / "compat" / "include.draft").exists()
    decl = (out / "compat" / "kb_drafts.h").read_text()
    assert "int kb_xenbus_setup_ring(struct xenbus_device *dev" in decl
    header = (out / "compat" / "kb_inline.h").read_text()
    assert header.index('#include "kb_drafts.h"') < header.index("#ifndef KB_INLINE_LAYER_NAMES")
    copies = (out / "compat" / "kb_drafts.c").read_text()
    assert "#define KB_INLINE_LAYER_NAMES\n#include \"kb_inline.h\"" in copies
    assert "EXPORT_SYMBOL" not in copies and "linux-source-6.1 " in copies
    kbuild = (out / "Kbuild").read_text()
    assert "xen-pcifront-y := compat/kb_drv_xen-pcifront.o compat/kb_drafts.o" in kbuild
    assert "include.draft" not in kbuild
    assert (out / "compat" / "Kbuild.driver").read_bytes() == (pcifront[0].path / "Kbuild").read_bytes()
    assert "-DKB_HAVE_EXPORT_xenbus_setup_ring" in (out / "compat" / "INLINE.md").read_text()


def test_inline_out_pruned_for_its_own_kernel_is_the_driver(bridged, pcifront):  # type: ignore[no-untyped-def]
    e, _ = pcifront
    rep, out = bridged
    text = (out / FILE).read_text()
    defines, undefs = _home_symbols(rep, text)
    assert {"KB_HAVE_EXPORT_xenbus_setup_ring", "KB_HAVE_EXPORT_xenbus_teardown_ring"} <= set(defines)
    orig = (e.path / FILE).read_text()
    assert prune_text(text, min_kernel=None, defines=defines, undefs=undefs, use_rules=False) == orig
    proc = subprocess.run(["unifdef", *[f"-D{k}={v}" for k, v in defines.items()],
                           *[f"-U{u}" for u in undefs], str(out / FILE)], capture_output=True, text=True)
    assert proc.returncode in (0, 1) and proc.stdout == orig, proc.stderr


def test_audit_names_the_copies_api(bridged):  # type: ignore[no-untyped-def]
    _, out = bridged
    proc = run_cli("audit", str(out / FILE), "--json")
    assert proc.returncode == 0, proc.stderr
    spots = [s for s in json.loads(proc.stdout)["spots"] if s["symbols"] == ["KB_HAVE_EXPORT_xenbus_setup_ring"]]
    assert spots and all(s["kind"] == "kbridge_guard" and s["api"] == ["xenbus_setup_ring"] and
                         s["note"].startswith("compat object: kb_xenbus_setup_ring") for s in spots), spots


def _symbols(ko) -> dict[str, str]:  # type: ignore[no-untyped-def]
    out = subprocess.run(["nm", str(ko)], capture_output=True, text=True, check=True).stdout
    return {p[-1]: p[-2] for p in (ln.split() for ln in out.splitlines()) if len(p) >= 2}


@pytest.mark.slow
def test_inline_out_with_copies_builds_clean_on_510_and_home(bridged, pcifront, tree510, tree61,
                                                             tmp_path):  # type: ignore[no-untyped-def]
    _, drv = pcifront
    # the driver itself does not build on 5.10: the two functions are undeclared there
    plain = build(drv, tree510)
    assert not plain.ok and any("xenbus_setup_ring" in d.message for d in plain.diagnostics)
    _, out = bridged
    for tree, copied in ((tree510, True), (tree61, False)):
        res = build(drv_mod.load(out, label=LABEL), tree, keep=tmp_path / tree.name)
        assert res.ok and res.errors == 0 and res.warnings == 0 and not res.undefined_symbols, \
            (tree.name, [d.message for d in res.diagnostics][:10], res.log[-2000:])
        syms = _symbols(tmp_path / tree.name / "xen-pcifront.ko")
        for name in COPIES:
            if copied:      # the copy, in the module, not exported; nothing of the kernel's
                assert syms.get(f"kb_{name}") == "T" and name not in syms, (name, syms.get(f"kb_{name}"))
            else:           # the driver's own kernel: its own functions, no copy
                assert f"kb_{name}" not in syms and syms.get(name) == "U", name
        assert not any(s.startswith(("__ksymtab", "__kstrtab")) for s in syms)
    # loaded in Debian's 5.10 guest: every symbol resolves (the copies are the module's own,
    # their callees 5.10's exports); init ends as the driver's does on its own kernel outside
    # a Xen PV domain (ENODEV), with no unknown symbol and nothing in the kernel log
    from kbridge.actions.guest.runner import modules_in, run_guest
    g = run_guest(modules_in(tmp_path / tree510.name), tree510.release)
    (ld,) = [x for x in g.loads if x.kind == "module"]
    assert ld.name == "xen_pcifront" or ld.name == "xen-pcifront", ld.name
    assert ld.errno == "ENODEV" and not ld.unknown_symbols and not g.problems, (g.reasons, ld.dmesg)


@pytest.mark.slow
def test_inline_out_is_deterministic(bridged, pcifront, tree510, tmp_path):  # type: ignore[no-untyped-def]
    _, drv = pcifront
    _, out = bridged
    bridge(drv, [tree510], "inline", tmp_path / "again")
    a = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert a == sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*") if p.is_file())
    assert all((out / f).read_bytes() == (tmp_path / "again" / f).read_bytes() for f in a)


def test_a_drafted_whole_header_is_on_inline_outs_include_path(tmp_path):  # type: ignore[no-untyped-def]
    # xen-hcd of 6.1 on 5.10: <xen/interface/io/usbif.h> came in 5.17 and is drafted whole
    # into compat/include (the layer's wrapper directory). Inline drops the layer's "after"
    # wrappers there; with no rule wrapper left in compat/include the directory was not on
    # OUT's include path and the build stopped at the #include (every xen-hcd of 6.1..7.3 on
    # 5.10, the layer's cells clean). Build-proved by the inline matrix (bench/README.md)
    proc = run_cli("bridge", "xen-hcd@6.1", "--target", "5.10", "--strategy", "inline",
                   "-o", str(tmp_path / "out"), "--no-abi-check", "--json")
    res = json.loads(proc.stdout)
    assert proc.returncode == 0 and res["prediction"]["remaining"] == [], proc.stdout[-2000:] + proc.stderr
    out = tmp_path / "out"
    assert (out / "compat" / "include" / "xen" / "interface" / "io" / "usbif.h").is_file()
    dirs = [w for ln in (out / "Kbuild").read_text().splitlines() if ln.startswith("NOSTDINC_FLAGS +=")
            for w in ln.split()[2:]]
    assert "-I$(KB_COMPAT)/include" in dirs, dirs


def test_a_copied_function_in_a_driver_macro_body_is_a_spot():  # type: ignore[no-untyped-def]
    """A driver macro whose body calls a copied function (tree-sitter leaves macro bodies as
    text): the whole #define is the spot, the kernel's name under KB_HAVE_EXPORT_<name>, the
    copy's otherwise -- the layer's header wrapper renames it there too. Before, inline OUT
    left the body alone: where the macro expanded on 5.10, the kernel's undeclared
    bitmap_zalloc_node stopped the build (implicit declaration) while bridge said ok. A name
    in the body's string literal or comment is not renamed."""
    from kbridge.actions.bridge import inline

    rid = "compat_bitmap_zalloc_node"
    guards = inline.Guards("feature", {rid: inline.CopyGuard(rid, "KB_HAVE_EXPORT_bitmap_zalloc_node")},
                           {rid: True})
    data = (b"#include <linux/bitmap.h>\n"
            b"#define KBM_ZALLOC(n)\tbitmap_zalloc_node(n, GFP_KERNEL, \\\n"
            b"\t\t\t\t   NUMA_NO_NODE) /* bitmap_zalloc_node */\n"
            b'#define KBM_NAME "bitmap_zalloc_node"\n'
            b"static unsigned long *f(void) { return KBM_ZALLOC(3); }\n")
    edit = inline.rewrite("x.c", data, {"bitmap_zalloc_node": ("kb_bitmap_zalloc_node", rid)},
                          set(), guards)
    text = edit.text.decode()
    assert ("#ifdef KB_HAVE_EXPORT_bitmap_zalloc_node\n"
            "#define KBM_ZALLOC(n)\tbitmap_zalloc_node(n, GFP_KERNEL, \\\n"
            "\t\t\t\t   NUMA_NO_NODE) /* bitmap_zalloc_node */\n"
            "#else\n"
            "#define KBM_ZALLOC(n)\tkb_bitmap_zalloc_node(n, GFP_KERNEL, \\\n"
            "\t\t\t\t   NUMA_NO_NODE) /* bitmap_zalloc_node */\n"
            "#endif\n") in text, text
    assert '#define KBM_NAME "bitmap_zalloc_node"\n' in text and "kb_bitmap_zalloc_node(3)" not in text
    assert [(s.first, s.last) for s in edit.spots] == [(2, 3)]
    # pruned for the driver's own kernel (it exports the function), the driver's lines again
    pruned = prune_text(text, min_kernel=None, defines={"KB_HAVE_EXPORT_bitmap_zalloc_node": 1},
                        use_rules=False)
    assert "kb_bitmap_zalloc_node" not in pruned and "#define KBM_ZALLOC(n)\tbitmap_zalloc_node(n," in pruned
