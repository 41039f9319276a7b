"""The CLI as a user meets it: JSON shapes, and one clear line + exit 2 for bad input."""

from __future__ import annotations

import json

import pytest

from conftest import assert_bad_input, run_cli


def test_targets_json_lists_both_series():
    proc = run_cli("targets", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    versions = {t["version"].rsplit(".", 1)[0] for t in data if t["configured"]}
    assert {"6.1", "6.12"} <= versions
    assert set(data[0]) >= {"release", "version", "flavour", "arch", "configured", "module_symvers", "path"}


def test_corpus_json_has_every_series_front_ends():
    """The default corpus is every series' 12 front-ends (xen-hcd came in 5.17: 11 before)."""
    from collections import Counter

    from kbridge.facts import series

    proc = run_cli("corpus", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    per = Counter(".".join(e["version"].split(".")[:2]) for e in data)
    assert per == {s: 12 if tuple(map(int, s.split("."))) >= (5, 17) else 11 for s in series.names()}
    assert all(set(e) == {"name", "version", "path", "files"} for e in data)


def test_build_json(tmp_path):
    proc = run_cli("build", "xen-netfront@6.1", "--target", "6.12", "--json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"driver", "target", "ok", "errors", "warnings", "undefined_symbols",
                         "seconds", "diagnostics"}
    assert data["ok"] is False and data["errors"] == 1
    assert data["diagnostics"][0]["file"] == "xen-netfront.c"
    assert "net/page_pool.h" in data["diagnostics"][0]["message"]


def test_matrix_json_small():
    proc = run_cli("matrix", "xen-kbdfront@6.1", "xen-pcifront@6.1", "--target", "6.1",
                   "--target", "6.12", "-j", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    cells = {(c["driver"], c["target"].split(".")[0] + "." + c["target"].split(".")[1]): c
             for c in json.loads(proc.stdout)}
    assert cells[("xen-kbdfront@6.1", "6.1")]["ok"] and cells[("xen-kbdfront@6.1", "6.12")]["ok"]
    assert cells[("xen-pcifront@6.1", "6.1")]["ok"]
    bad = cells[("xen-pcifront@6.1", "6.12")]
    assert not bad["ok"] and any("pci_xen_swiotlb_init_late" in d["message"] for d in bad["diagnostics"])


def test_matrix_table_output():
    proc = run_cli("matrix", "xen-kbdfront@6.12", "--target", "6.1")
    assert proc.returncode == 0, proc.stderr
    assert "xen-kbdfront@6.12" in proc.stdout and "1/1 builds succeeded" in proc.stdout


@pytest.fixture
def hello(tmp_path):
    d = tmp_path / "hello"
    d.mkdir()
    (d / "hello.c").write_text('#include <linux/module.h>\nMODULE_LICENSE("GPL");\n')
    (d / "Kbuild").write_text("obj-m += hello.o\n")
    return d


def test_bad_target_path(tmp_path, hello):
    assert_bad_input(run_cli("build", str(hello), "--target", str(tmp_path / "nope")), "no such directory")
    assert_bad_input(run_cli("build", str(hello), "--target", str(tmp_path)), "not a kernel tree")


def test_unconfigured_target(hello, trees):
    common = next(t for t in trees if t.path.name.endswith("-common"))
    assert_bad_input(run_cli("build", str(hello), "--target", str(common.path)), "not configured")


def test_unknown_target(hello):
    assert_bad_input(run_cli("build", str(hello), "--target", "6.7"), "unknown target '6.7'")
    assert_bad_input(run_cli("matrix", str(hello), "--target", "3.2"), "unknown target")


def test_driver_without_c_files(tmp_path):
    (tmp_path / "README").write_text("not a driver")
    assert_bad_input(run_cli("build", str(tmp_path), "--target", "6.1"), "no .c files")
    assert_bad_input(run_cli("build", str(tmp_path / "missing"), "--target", "6.1"), "no such driver")
    assert_bad_input(run_cli("build", "xen-nothing@6.1", "--target", "6.1"), "no corpus driver")


def test_missing_source_tarball(tmp_path):
    proc = run_cli("--cache-dir", str(tmp_path / "cache"), "corpus",
                   env={"KBRIDGE_SOURCE_DIR": str(tmp_path)})
    assert_bad_input(proc, "linux-source-6.1.tar.xz not found", "install")


def test_unwritable_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert_bad_input(run_cli("--cache-dir", str(blocker / "sub"), "corpus"), "cache directory")


def test_usage_errors_are_one_line():
    assert_bad_input(run_cli("matrix", "-j", "0"), "positive integer")
    assert_bad_input(run_cli("build", "x"), "--target")
    assert_bad_input(run_cli("frobnicate"), "invalid choice")


def test_intree_test_drivers_are_named_like_corpus_drivers():
    # null_blk@6.12, macvlan@6.1, ifb@... work wherever a driver is named
    proc = run_cli("build", "ifb@6.12", "--target", "6.12", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["driver"] == "ifb@6.12"
