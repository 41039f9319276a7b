"""The build cache (kbridge.actions.buildcache, KBRIDGE_BUILD_CACHE): a run of the same
inputs is given back as it was made; any changed input -- a byte of the driver, an
environment variable kbuild reads -- builds again; a make that failed without saying
why is never kept; off unless asked for."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES
from kbridge.actions import buildcache, kbuild
from kbridge.facts import driver as drv_mod

HELLO = FIXTURES / "guest" / "hello"


@pytest.fixture
def counted(monkeypatch):  # type: ignore[no-untyped-def]
    """kbuild.run_kbuild, counting its calls for the builds (not the cache's own reading of
    the tree's compile command, kbuild_flags, which runs kbuild once per tree)."""
    calls: list[Path] = []
    real = kbuild.run_kbuild

    def run(module_dir, tree, **kw):  # type: ignore[no-untyped-def]
        if module_dir.parent.name.startswith("kbridge-build-"):
            calls.append(module_dir)
        return real(module_dir, tree, **kw)

    monkeypatch.setattr(kbuild, "run_kbuild", run)
    return calls


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    d = tmp_path / "builds"
    monkeypatch.setenv(buildcache.ENV, str(d))
    return d


def _copy(tmp_path: Path, name: str = "drv") -> Path:
    dst = tmp_path / name
    shutil.copytree(HELLO, dst)
    return dst


def test_the_same_inputs_are_built_once_and_given_back_whole(tree61, tmp_path, cache, counted):  # type: ignore[no-untyped-def]
    src = _copy(tmp_path)
    first = kbuild.build(drv_mod.load(src), tree61, keep=tmp_path / "k1")
    # another directory with the same files: the same inputs
    second = kbuild.build(drv_mod.load(_copy(tmp_path, "again")), tree61, keep=tmp_path / "k2")
    assert len(counted) == 1, "the second build ran make again"
    assert first.ok and second.ok, first.log
    assert (second.errors, second.warnings, second.diagnostics, second.log, second.returncode) == \
        (first.errors, first.warnings, first.diagnostics, first.log, first.returncode)
    files = sorted(p.relative_to(tmp_path / "k1") for p in (tmp_path / "k1").rglob("*"))
    assert files == sorted(p.relative_to(tmp_path / "k2") for p in (tmp_path / "k2").rglob("*"))
    assert (tmp_path / "k2" / "hello.ko").read_bytes() == (tmp_path / "k1" / "hello.ko").read_bytes()


def test_a_changed_byte_or_kbuild_variable_builds_again(tree61, tmp_path, cache, counted, monkeypatch):  # type: ignore[no-untyped-def]
    src = _copy(tmp_path)
    kbuild.build(drv_mod.load(src), tree61)
    c = src / "hello.c"
    c.write_text(c.read_text() + "\n/* one more line */\n")
    kbuild.build(drv_mod.load(src), tree61)
    assert len(counted) == 2
    monkeypatch.setenv("KCFLAGS", "-DKB_BUILDCACHE_TEST=1")
    kbuild.build(drv_mod.load(src), tree61)
    assert len(counted) == 3
    kbuild.build(drv_mod.load(src), tree61)     # now the same again
    assert len(counted) == 3


def test_the_extra_symbols_files_contents_are_part_of_the_key(tree61, tmp_path, cache, counted, monkeypatch):  # type: ignore[no-untyped-def]
    # KBUILD_EXTRA_SYMBOLS names Module.symvers files of other modules (a compat module's):
    # modpost reads them, so the same path with other contents is another build (review12)
    src = _copy(tmp_path)
    sym = tmp_path / "other" / "Module.symvers"
    sym.parent.mkdir()
    sym.write_text("0x00000000\tkb_other_a\t/tmp/other/kb\tEXPORT_SYMBOL_GPL\t\n")
    monkeypatch.setenv("KBUILD_EXTRA_SYMBOLS", str(sym))
    kbuild.build(drv_mod.load(src), tree61)
    sym.write_text("0x00000000\tkb_other_b\t/tmp/other/kb\tEXPORT_SYMBOL_GPL\t\n")
    kbuild.build(drv_mod.load(src), tree61)
    assert len(counted) == 2, "a changed KBUILD_EXTRA_SYMBOLS file was given the old build"
    kbuild.build(drv_mod.load(src), tree61)     # now the same again
    assert len(counted) == 2


def test_a_compile_error_is_kept_with_its_diagnostics(tree61, tmp_path, cache, counted):  # type: ignore[no-untyped-def]
    src = _copy(tmp_path)
    c = src / "hello.c"
    c.write_text(c.read_text() + "\nint kb_broken(void) { return kb_undeclared_thing; }\n")
    first = kbuild.build(drv_mod.load(src), tree61)
    second = kbuild.build(drv_mod.load(src), tree61)
    assert not first.ok and first.errors >= 1
    assert len(counted) == 1
    assert second.diagnostics == first.diagnostics and not second.ok
    assert any("kb_undeclared_thing" in d.message and d.file == "hello.c" for d in second.diagnostics)


def test_a_make_that_failed_without_a_diagnostic_runs_again(tree61, tmp_path, cache, monkeypatch):  # type: ignore[no-untyped-def]
    calls = []

    def killed(module_dir, tree, **kw):  # type: ignore[no-untyped-def]
        calls.append(module_dir)
        return subprocess.CompletedProcess(["make"], 2, "make[2]: *** [hello.o] Killed\n", None)

    monkeypatch.setattr(kbuild, "run_kbuild", killed)
    src = _copy(tmp_path)
    for _ in range(2):
        res = kbuild.build(drv_mod.load(src), tree61)
        assert not res.ok and res.errors == 1
    assert len(calls) == 2, "a failure the compiler did not explain was served from the cache"


def test_off_unless_asked_for(tree61, tmp_path, counted, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv(buildcache.ENV, raising=False)
    assert buildcache.directory() is None
    src = _copy(tmp_path)
    kbuild.build(drv_mod.load(src), tree61)
    kbuild.build(drv_mod.load(src), tree61)
    assert len(counted) == 2


def test_the_suite_runs_with_a_cache_of_its_own():  # type: ignore[no-untyped-def]
    """tests/conftest.py turns the cache on for one run, in a directory of that run, so a
    run builds each input once and its time is a cold cache's."""
    import os
    assert buildcache.directory() is not None, f"{buildcache.ENV} is not set in the suite"
