"""Series built in Debian roots (toolchain = "root"): 5.10 (bullseye), 7.2 (sid), 7.3
(experimental), on the real roots kbridge makes with mmdebstrap (the ``roots_ready``
fixture makes them once, then every run reuses them from the cache).

Nothing here names a Debian ABI release: releases, versions and paths are read from
the trees inside the roots.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, assert_bad_input, run_cli
from kbridge.actions import kbuild, roots
from kbridge.errors import KbridgeError
from kbridge.facts import driver as drv_mod
from kbridge.actions import kbuild_flags
from kbridge.facts import series as series_mod
from kbridge.facts import targets
from kbridge.storage import cache_root

ROOT_SERIES = ("5.10", "7.2", "7.3")
# the compiler each suite's headers were built with (its major version)
GCC = {"5.10": "10", "7.2": "16", "7.3": "16"}
TABLE = series_mod.DEFAULT_TABLE


def _mounts() -> str:
    return Path("/proc/self/mounts").read_text()


# --------------------------------------------------------------------------- the table

def test_table_names_the_root_series():
    by_name = {s.name: s for s in series_mod.all_series()}
    assert {"5.10", "6.1", "6.12", "7.2", "7.3"} <= set(by_name)
    assert {s.suite for s in series_mod.root_series()} == {"bullseye", "sid", "experimental"}
    for name in ROOT_SERIES:
        s = by_name[name]
        assert s.toolchain == "root" and s.defaults
        # never an ABI release in the table: the header package is a pattern
        assert s.headers.startswith("^linux-headers-") and s.headers.endswith("-amd64$")
    assert by_name["6.1"].toolchain == by_name["6.12"].toolchain == "host"
    # every series is in `kbridge matrix`'s defaults: the rules span 5.10..7.3
    assert series_mod.default_names() == series_mod.names()
    # 7.x guests come in three packages, all under /usr/lib/modules/<release>
    assert by_name["7.3"].image.names("7.3-amd64") == [
        "linux-binary-unsigned-7.3-amd64", "linux-base-7.3-amd64", "linux-modules-7.3-amd64"]
    assert by_name["7.2"].image.kernel == "usr/lib/modules/{release}/vmlinuz.unsigned"
    rel510 = series_mod.release("5.10")
    assert by_name["5.10"].image_package(rel510) == f"linux-image-{rel510}-unsigned"
    assert by_name["5.10"].image == by_name["6.1"].image == series_mod.ImageLayout()
    assert by_name["6.12"].image.kernel == "boot/vmlinuz-{release}"
    rel = series_mod.release("7.2")              # read from the installed tree, never written
    assert by_name["7.2"].header_package(f"linux-headers-{rel}", "cloud-") == \
        f"linux-headers-{rel.removesuffix('-amd64')}-cloud-amd64"


def test_header_expressions_pick_generic_packages_only():
    """Each root series' expression picks its installed generic header package and refuses
    its flavours, its -common package, a neighbouring series' name (7.2 vs 7.20) and the
    next series' package -- every name derived from the releases installed today."""
    by_name = {s.name: s for s in series_mod.all_series()}
    names = [s.name for s in series_mod.all_series()]
    cases = {}
    for name in ROOT_SERIES:
        rel = series_mod.release(name)
        base = rel.removesuffix("-amd64")
        neighbour = name + "0" + rel[len(name):]            # 7.2.N... -> 7.20.N...
        others = [f"linux-headers-{series_mod.release(n)}" for n in names
                  if n != name and n in ROOT_SERIES]
        cases[name] = ([f"linux-headers-{rel}"],
                       [f"linux-headers-{base}-cloud-amd64", f"linux-headers-{base}-rt-amd64",
                        f"linux-headers-{base}-common", f"linux-headers-{neighbour}", *others])
    for name, (good, bad) in cases.items():
        rx = re.compile(by_name[name].headers)
        assert all(rx.search(p) for p in good), (name, good)
        assert not any(rx.search(p) for p in bad), (name, bad)


ENTRY = '''[[series]]
name = "7.3"
suite = "experimental"
source = "linux-source-7.3"
headers = '^linux-headers-7\\.3(\\.[0-9]+)*-amd64$'
'''


@pytest.mark.parametrize("extra, needle", [
    ('toolchain = "chroot"\n', 'toolchain must be "host"'),
    ('image = "linux-binary-unsigned-{release}"\n', "image must be a table"),
    ('image = { packages = ["linux-binary-unsigned"] }\n', "must name the release as {release}"),
    ('image = { packages = ["linux-{rel}-unsigned"] }\n', "must name the release as {release}"),
    ('image = { packages = [] }\n', "image.packages must be a non-empty list"),
    ('image = { kernel = "boot/{release" }\n', "image.kernel"),
    ('image = { kernal = "boot/x" }\n', "image: unknown field kernal"),
    ('flavours = ["cloud-"]\n', 'with "" (the generic flavour)'),
    ('flavours = ["", "Cloud"]\n', "flavour 'Cloud'"),
    ("defaults = 1\n", "defaults must be true or false"),
    ('toolchian = "root"\n', "unknown field toolchian"),
])
def test_bad_table_entry_is_one_error_line(tmp_path, extra, needle):
    table = tmp_path / "series.toml"
    table.write_text(ENTRY + extra)
    proc = run_cli("targets", env={series_mod.TABLE_ENV: str(table)})
    assert_bad_input(proc, str(table), "series entry 1 (7.3)", needle)


def test_bad_table_name_regex_and_duplicates(tmp_path):
    table = tmp_path / "series.toml"
    table.write_text(ENTRY.replace('"7.3"', '"7.3.1"'))
    assert_bad_input(run_cli("targets", env={series_mod.TABLE_ENV: str(table)}), "not MAJOR.MINOR")
    table.write_text(ENTRY.replace("'^linux-headers-7", "'^linux-headers-(7"))
    assert_bad_input(run_cli("targets", env={series_mod.TABLE_ENV: str(table)}),
                     "headers is not a regular expression")
    table.write_text(ENTRY + "\n" + ENTRY)
    assert_bad_input(run_cli("targets", env={series_mod.TABLE_ENV: str(table)}),
                     "series 7.3 is listed twice")


# --------------------------------------------------------------------------- the roots

def test_roots_are_made_once_and_say_what_they_hold(roots_ready):
    assert set(roots_ready) == {"bullseye", "sid", "experimental"}
    for suite, root in roots_ready.items():
        assert root == cache_root() / "roots" / suite
        st = roots.stamp(root)
        assert st["suite"] == suite and st["packages"]
        assert {s["name"] for s in st["series"]} == {s.name for s in roots.suites()[suite]}
        for pkg in st["packages"]:   # every header package the stamp names is installed
            assert (root / "var/lib/dpkg/info" / f"{pkg}.list").is_file(), pkg
        # nothing half-made or left over next to it
        assert not list(root.parent.glob(f".{suite}.*"))
    # experimental sits on sid; bullseye has its security archive
    assert any(" experimental " in f" {ln} " for ln in roots.stamp(roots_ready["experimental"])["sources"])
    assert any("bullseye-security" in ln for ln in roots.stamp(roots_ready["bullseye"])["sources"])
    t0 = time.monotonic()
    for suite in roots_ready:
        assert roots.ensure(suite) == (roots_ready[suite], False)
    assert time.monotonic() - t0 < 1.0       # a made root costs a stat, no network


def test_header_packages_are_the_source_packages_version(roots_ready):
    """The generic header package whose version equals linux-source-X's, as set-up picks
    them on the host; and the flavours beside it."""
    for s in series_mod.root_series():
        root = roots_ready[s.suite]
        cands = roots._candidates(root)
        pkgs = roots.header_packages(s, cands)
        assert roots.stamp(root)["chosen"][roots._key(s)] == [*pkgs, s.source]
        assert re.search(s.headers, pkgs[0])
        assert cands[pkgs[0]] == cands[s.source], (s.name, pkgs[0])
        assert len(pkgs) == len(s.flavours)


def test_unknown_root_suite_is_an_error():
    with pytest.raises(KbridgeError, match="no series of the series table is built in a root of suite 'bookworm'"):
        roots.ensure("bookworm")
    assert_bad_input(run_cli("roots", "trixie"), "suite 'trixie'")


def test_run_in_root_binds_overlay_and_leaves_nothing(roots_ready, tmp_path):
    root = roots_ready["sid"]
    work = tmp_path / "work"
    work.mkdir()
    (work / "in.txt").write_text("from the host\n")
    before = _mounts()
    proc = roots.run_in_root(root, ["sh", "-c", "cat in.txt; echo made > out.txt; "
                                    "echo x > /usr/kbridge-scratch; cat /proc/self/mounts | wc -l; "
                                    "ls /dev/null; gcc -dumpversion"],
                             binds=(work,), cwd=work)
    assert proc.returncode == 0, proc.stdout
    lines = proc.stdout.splitlines()
    assert lines[0] == "from the host" and "/dev/null" in lines and lines[-1].startswith("16")
    assert (work / "out.txt").read_text() == "made\n"           # binds are the host's dirs
    assert not (root / "usr/kbridge-scratch").exists()          # the root itself is never written
    assert _mounts() == before                                  # no mount left behind
    assert not list((root / "tmp").iterdir())


def test_run_in_root_waits_while_the_root_is_being_replaced(roots_ready):
    """ensure() holds roots/<suite>.lock while it makes or replaces a root; a command in the
    root takes it shared, so it never runs in a root being swapped away."""
    import fcntl
    import threading
    root = roots_ready["sid"]
    held = threading.Event()

    def hold() -> None:
        with open(root.parent / "sid.lock", "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            held.set()
            time.sleep(2)
            fcntl.flock(fh, fcntl.LOCK_UN)

    t = threading.Thread(target=hold)
    t.start()
    held.wait()
    t0 = time.monotonic()
    assert roots.run_in_root(root, ["true"]).returncode == 0
    waited = time.monotonic() - t0
    t.join()
    assert waited >= 1.5, waited


def test_run_in_root_setup_failure_is_one_error(tmp_path):
    """A root that cannot be entered (here: no such directory) is a KbridgeError naming it,
    not a build log with mount's complaint in it; nothing stays mounted."""
    before = _mounts()
    with pytest.raises(KbridgeError, match=r"cannot enter the Debian root .*/gone: kbridge-root: "
                                           r"cannot mount an overlay over .*/gone"):
        roots.run_in_root(tmp_path / "gone", ["true"])
    assert _mounts() == before


@pytest.mark.parametrize("series", ROOT_SERIES)
def test_root_targets_are_discovered(trees, series):
    root = roots.root_path(series_mod.get(series).suite)
    mine = [t for t in trees if t.series == series]
    configured = [t for t in mine if t.configured]
    assert {t.flavour for t in configured} == {"generic", "cloud", "rt"}
    assert [t for t in mine if not t.configured], "the -common tree is listed too"
    for t in mine:
        assert t.root == root and t.path.is_relative_to(root)
        assert t.build_path == "/" + t.path.relative_to(root).as_posix()
        assert t.build_path.startswith("/usr/src/linux-headers-")
    for t in configured:
        assert t.arch == "x86_64" and t.has_symvers
        assert t.release == (t.path / "include/generated/utsrelease.h").read_text().split('"')[1]
    generic = targets.resolve(series, trees=trees)
    assert generic.flavour == "generic" and generic.series == series
    assert targets.resolve(generic.release, trees=trees) == generic
    assert targets.resolve(generic.version, trees=trees) == generic
    assert targets.resolve(str(generic.path), trees=trees) == generic     # by path: knows its root
    assert targets.inspect(generic.path).root == root
    # the flavour tree's Makefile includes /usr/src/...-common/Makefile: the root's, not the host's
    common = targets.source_tree(generic)
    assert common.is_relative_to(root) and (common / "include/linux/module.h").is_file()
    assert common.name.endswith("-common")
    assert generic.version == ".".join(generic.version.split(".")[:3])
    assert generic.version.startswith(series + ".")
    assert series_mod.release(series) == generic.release


def test_targets_cli_lists_root_targets(roots_ready):
    proc = run_cli("targets", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    for series in ROOT_SERIES:
        rows = [d for d in data if d["version"] and d["version"].startswith(series + ".")
                and d["configured"]]
        assert rows and all(d["root"] for d in rows), series
    assert all(d["root"] is None for d in data if d["path"].startswith("/usr/src/"))


@pytest.mark.parametrize("series", ROOT_SERIES)
def test_compile_command_is_the_roots_gcc(trees, series):
    tree = targets.resolve(series, trees=trees)
    cmd = kbuild_flags.compile_command(tree)
    assert cmd.root == tree.root and cmd.cwd == tree.path
    assert cmd.compiler.endswith(f"gcc-{GCC[series]}"), cmd.compiler
    assert re.search(rf"\b{GCC[series]}\.\d+\.\d+", cmd.compiler_version), cmd.compiler_version
    dirs = cmd.include_dirs()
    assert dirs and all(d.is_relative_to(tree.root) and d.exists() for d in dirs), dirs
    # the absolute paths kbuild wrote are the root's own (/usr/src/...), mapped for the host
    assert any(a.startswith("/usr/src/linux-headers-") or "/usr/src/linux-headers-" in a
               for a in cmd.argv)


@pytest.mark.parametrize("series", ROOT_SERIES)
def test_build_a_module_in_each_root(trees, series, tmp_path):
    """kbuild.build of a small hand-written module: built by the root's gcc (the .ko's
    .comment says so), vermagic the target's release, the user's directory untouched."""
    tree = targets.resolve(series, trees=trees)
    src = FIXTURES / "guest" / "hello"
    before = sorted(p.name for p in src.iterdir())
    keep = tmp_path / "kept"
    res = kbuild.build(drv_mod.load(src), tree, keep=keep)
    assert res.ok and res.errors == 0 and res.warnings == 0 and not res.undefined_symbols, res.log
    assert sorted(p.name for p in src.iterdir()) == before
    ko = keep / "hello.ko"
    comment = subprocess.run(["readelf", "-p", ".comment", str(ko)], capture_output=True,
                             text=True).stdout
    assert re.search(rf"GCC: \(Debian {GCC[series]}\.", comment), comment
    info = subprocess.run(["modinfo", "-F", "vermagic", str(ko)], capture_output=True, text=True)
    assert info.stdout.split()[0] == tree.release


def test_build_cli_reports_diagnostics_from_the_root(roots_ready, tmp_path):
    """A corpus-like driver with a real error: gcc's diagnostic names the driver's file."""
    drv = tmp_path / "broken"
    drv.mkdir()
    (drv / "Kbuild").write_text("obj-m += kbroken.o\n")
    (drv / "kbroken.c").write_text(textwrap.dedent("""\
        #include <linux/module.h>
        static int __init kbroken_init(void) { return no_such_function(); }
        module_init(kbroken_init);
        MODULE_LICENSE("GPL");
        """))
    proc = run_cli("build", str(drv), "--target", "7.3", "--json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert not data["ok"] and data["errors"] >= 1
    d = next(x for x in data["diagnostics"] if x["severity"] == "error")
    assert d["file"] == "kbroken.c" and d["line"] == 2 and "no_such_function" in d["message"]


def test_probe_asks_the_roots_compiler(trees):
    """A rule's compile probe on the root targets: vm_flags_set arrived in 6.3, so 5.10's
    gcc-10 says missing and 7.x's gcc-16 says present, none broken."""
    from kbridge.actions.probe import probe
    from kbridge.knowledge import rules as rules_mod
    rule = rules_mod.by_id(rules_mod.load())["vm_flags_set"]
    got = {s: probe(targets.resolve(s, trees=trees), [rule], use_cache=False)[0] for s in ROOT_SERIES}
    assert got["5.10"].status == "missing" and got["5.10"].result is False
    assert got["7.2"].status == got["7.3"].status == "present"
    assert "gcc-16" in got["7.3"].evidence or "16." in got["7.3"].evidence


# --------------------------------------------------------------------------- one entry

def test_a_series_is_one_table_entry(tmp_path, roots_ready):
    """Without its entry the experimental root's 7.3 is no target; with the one entry a
    maintainer writes (reusing the made root: no download), it is listed, resolved and
    builds, and `kbridge roots` and set-up know it."""
    real = TABLE.read_text()
    entries = real.split("[[series]]")
    without = "[[series]]".join(e for e in entries if 'name = "7.3"' not in e)
    table = tmp_path / "series.toml"
    table.write_text(without)
    env = {series_mod.TABLE_ENV: str(table)}
    assert_bad_input(run_cli("build", str(FIXTURES / "guest" / "hello"), "--target", "7.3", env=env),
                     "unknown target '7.3'")
    listed = json.loads(run_cli("targets", "--json", env=env).stdout)
    assert not [d for d in listed if (d["version"] or "").startswith("7.3.")]

    table.write_text(without + textwrap.dedent('''
        [[series]]
        name = "7.3"
        suite = "experimental"
        source = "linux-source-7.3"
        headers = '^linux-headers-7\\.3(\\.[0-9]+)*(\\+deb[0-9]+)?-amd64$'
        flavours = ["", "cloud-", "rt-"]
        toolchain = "root"
        '''))
    listed = json.loads(run_cli("targets", "--json", env=env).stdout)
    assert {d["flavour"] for d in listed if (d["version"] or "").startswith("7.3.") and d["configured"]} \
        == {"generic", "cloud", "rt"}
    proc = run_cli("build", str(FIXTURES / "guest" / "hello"), "--target", "7.3", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["target"].startswith("7.3")
    # its root: the entry's expression differs from the real table's, but the root holds
    # what it wants already: set-up's `kbridge roots --make` only rewrites the stamp
    root = roots_ready["experimental"]
    ino = root.stat().st_ino
    t0 = time.monotonic()
    proc = run_cli("roots", "--make", "experimental", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    rows = {r["suite"]: r for r in json.loads(proc.stdout)}
    assert rows["experimental"]["series"] == ["7.3"] and rows["experimental"]["ready"]
    assert not rows["experimental"]["made_now"] and root.stat().st_ino == ino
    assert time.monotonic() - t0 < 30
    # and with defaults (the entry's default), 7.3 joins `kbridge matrix`'s default targets
    assert "'7.3'" in subprocess.run(
        [sys.executable, "-c", "from kbridge.facts import series; print(series.default_names())"],
        capture_output=True, text=True, env={**os.environ, **env}).stdout


def test_setup_makes_roots_idempotently(roots_ready):
    from test_setup import run_setup
    before = {s: (r.stat().st_ino, (r / roots.STAMP).read_text()) for s, r in roots_ready.items()}
    proc = run_setup()
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    for suite, series in (("bullseye", "5.10"), ("sid", "7.2"), ("experimental", "7.3")):
        assert f"setup: root {suite} (series {series}): its gcc and headers" in lines
    assert lines[-1] == "setup: ready"
    # nothing made again, nothing fetched: the same roots, the same stamps
    assert {s: (r.stat().st_ino, (r / roots.STAMP).read_text()) for s, r in roots_ready.items()} \
        == before
    assert not [ln for ln in lines if "apt-get" in ln or "pip" in ln], lines


def test_setup_root_failure_is_one_error_line(tmp_path):
    """A root series whose headers the suite lacks: mmdebstrap's root cannot hold it;
    set-up ends with one line naming the step (exit 2). Uses a throw-away cache."""
    table = tmp_path / "series.toml"
    table.write_text(TABLE.read_text().split("[[series]]\nname = \"5.10\"")[0] + textwrap.dedent('''
        [[series]]
        name = "6.1"
        suite = "bookworm"
        source = "linux-source-6.1"
        headers = '^linux-headers-6\\.1(\\.[0-9]+)+(\\+deb[0-9]+)?(-[0-9]+)?-amd64$'
        toolchain = "host"

        [[series]]
        name = "9.9"
        suite = "no-such-suite"
        source = "linux-source-9.9"
        headers = '^linux-headers-9\\.9-amd64$'
        toolchain = "root"
        '''))
    from test_setup import assert_one_error, run_setup
    proc = run_setup({series_mod.TABLE_ENV: str(table), "KBRIDGE_CACHE_DIR": str(tmp_path / "cache")})
    assert_one_error(proc, "root no-such-suite (series 9.9): its gcc and headers", "mmdebstrap")
    assert not [p for p in (tmp_path / "cache" / "roots").iterdir() if p.is_dir()]


# --------------------------------------------------------------------------- corpus

@pytest.mark.parametrize("series", ROOT_SERIES)
def test_corpus_of_root_series_comes_from_the_roots_source(roots_ready, series):
    """The Xen front-ends of each root series, extracted from linux-source-X installed in
    the root: the same version as the root's headers; 5.10 predates xen-hcd (5.17)."""
    from kbridge.facts import corpus as corpus_mod
    s = series_mod.get(series)
    tar = roots_ready[s.suite] / "usr/src" / f"{s.source}.tar.xz"
    assert tar.is_file()
    entries = corpus_mod.ensure_series(series)
    names = {e.name for e in entries}
    want = {d.module for d in corpus_mod.XEN_FRONTENDS}
    assert names == (want - {"xen-hcd"} if series == "5.10" else want)
    assert {e.version for e in entries} == {targets.resolve(series).version}
    assert all(e.label.endswith("@" + series) and (e.path / "Kbuild").is_file() for e in entries)
    if series == "5.10":
        with pytest.raises(KbridgeError, match="xen-hcd is not in the 5.10 kernel's source"):
            corpus_mod.find("xen-hcd@5.10")


def test_matrix_plain_builds_on_root_series(roots_ready):
    """`kbridge matrix` over corpus drivers of the root series: each builds clean on its own
    kernel; 7.3's xen-blkfront fails on 5.10 (years of block API between them), with gcc's
    errors in the driver's own file."""
    proc = run_cli("matrix", "xen-kbdfront@5.10", "xen-blkfront@7.3", "--target", "5.10",
                   "--target", "7.3", "-j", "2", "--json")
    assert proc.returncode == 0, proc.stderr         # a failing cell is a result, not an error
    cells = {(r["driver"], r["target"].split(".")[0] + "." + r["target"].split(".")[1].split("-")[0]): r
             for r in json.loads(proc.stdout)}
    assert len(cells) == 4
    for own in (("xen-kbdfront@5.10", "5.10"), ("xen-blkfront@7.3", "7.3")):
        r = cells[own]
        assert r["ok"] and r["errors"] == 0 and not r["undefined_symbols"], r
    cross = cells[("xen-blkfront@7.3", "5.10")]
    assert not cross["ok"] and cross["errors"] > 10
    assert all(d["file"] == "xen-blkfront.c" for d in cross["diagnostics"] if d["severity"] == "error")


def test_a_root_gains_a_series_in_a_copy(roots_ready, tmp_path, monkeypatch):
    """A table entry whose packages the root lacks: ensure() completes a copy of the root
    (apt inside it) and swaps it in; the old root and the copy leave nothing behind. On a
    throw-away copy of the sid root (a private cache), so the shared one is untouched."""
    cache = tmp_path / "cache"
    (cache / "roots").mkdir(parents=True)
    subprocess.run(["cp", "-a", str(roots_ready["sid"]), str(cache / "roots" / "sid")], check=True)
    table = tmp_path / "series.toml"
    # the generic linux-source metapackage as this entry's source: not in the root yet
    table.write_text(TABLE.read_text() + textwrap.dedent('''
        [[series]]
        name = "7.1"
        suite = "sid"
        source = "linux-source"
        headers = '^linux-headers-7\\.2(\\.[0-9]+)+(\\+deb[0-9]+)?-amd64$'
        toolchain = "root"
        defaults = false
        '''))
    monkeypatch.setenv(series_mod.TABLE_ENV, str(table))
    root = cache / "roots" / "sid"
    ino = root.stat().st_ino
    try:
        _gains(cache, root, ino)
    finally:                        # ~750 MB: not left in pytest's kept temporary directories
        assert not roots._mounted_under(cache)
        subprocess.run(["rm", "-rf", "--one-file-system", str(cache)], check=True)


def _gains(cache: Path, root: Path, ino: int) -> None:
    got, changed = roots.ensure("sid", cache=cache)
    assert (got, changed) == (root, True)
    assert root.stat().st_ino != ino                                # a new directory, renamed in
    assert (root / "var/lib/dpkg/info/linux-source.list").is_file()
    st = roots.stamp(root)
    assert {s["name"] for s in st["series"]} == {"7.2", "7.1"} and len(st["chosen"]) >= 2
    assert [p.name for p in (cache / "roots").iterdir()] == ["sid"] or \
        sorted(p.name for p in (cache / "roots").iterdir()) == ["sid", "sid.lock"]
    assert roots.ensure("sid", cache=cache) == (root, False)


def test_kernel_source_files_reads_the_roots_tarball(roots_ready):
    """conftest.kernel_source_files for a root series: from linux-source-X inside the root."""
    from conftest import kernel_source_files
    top = kernel_source_files("5.10", "Makefile")
    text = (top / "Makefile").read_text()
    assert re.search(r"^VERSION = 5$", text, re.M) and re.search(r"^PATCHLEVEL = 10$", text, re.M)


@pytest.mark.parametrize("series", ROOT_SERIES)
def test_image_packages_the_table_names_exist_in_the_suite(roots_ready, series):
    """The table's image layout of each root series names packages the suite really has
    for the release of the series' tree (read from the root's own apt lists, offline)."""
    s = series_mod.get(series)
    names = s.image.names(series_mod.release(series))
    proc = roots.run_in_root(roots_ready[s.suite], ["apt-cache", "show", "--no-all-versions", *names],
                             merge_stderr=False)
    assert proc.returncode == 0, proc.stderr
    shown = re.findall(r"^Package: (\S+)$", proc.stdout, re.M)
    assert shown == names
