"""Target discovery and naming, on the real installed trees and on small fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbridge.errors import KbridgeError
from kbridge.facts import targets


def make_tree(root: Path, *, release: str | None = "6.5.0-1-amd64", configured: bool = True,
              version: tuple[int, int, int] = (6, 5, 3)) -> Path:
    """A minimal hand-written kernel tree: top Makefile, include/linux, optional config."""
    root.mkdir(parents=True)
    (root / "Makefile").write_text(
        f"VERSION = {version[0]}\nPATCHLEVEL = {version[1]}\nSUBLEVEL = {version[2]}\nEXTRAVERSION =\n")
    (root / "include/linux").mkdir(parents=True)
    (root / "include/linux/kernel.h").write_text("/* fixture */\n")
    if configured:
        (root / ".config").write_text("CONFIG_X86_64=y\nCONFIG_PREEMPT_RT=y\n")
        (root / "include/generated").mkdir()
        if release:
            (root / "include/generated/utsrelease.h").write_text(f'#define UTS_RELEASE "{release}"\n')
    return root


def test_discovers_both_series_with_flavours(trees):
    configured = [t for t in trees if t.configured]
    series = {t.series for t in configured}
    assert {"6.1", "6.12"} <= series
    for s in ("6.1", "6.12"):
        flavours = {t.flavour for t in configured if t.series == s}
        assert {"generic", "cloud", "rt"} <= flavours, (s, flavours)
    for t in configured:
        assert t.arch == "x86_64"
        assert t.has_symvers
        assert t.release and t.version


def test_release_and_version_read_from_the_tree(tree61, tree612):
    # Debian's 6.1 tree: the release is the ABI name, the version the real sublevel
    assert tree61.release == (tree61.path / "include/generated/utsrelease.h").read_text().split('"')[1]
    assert tree61.version.startswith("6.1.") and int(tree61.version.split(".")[2]) > 100
    assert tree612.version.startswith("6.12.")
    assert tree612.release.startswith(tree612.version)


def test_aliases_from_lib_modules(trees):
    generic61 = targets.resolve("6.1", trees=trees)
    assert f"/lib/modules/{generic61.release}/build" in generic61.aliases


def test_common_trees_are_listed_unconfigured(trees):
    common = [t for t in trees if t.path.name.endswith("-common")]
    assert common, "Debian's -common header trees are kernel trees too"
    assert not any(t.configured for t in common)


def test_resolve_by_path_release_and_prefix(trees, tree61, tree612):
    assert targets.resolve(str(tree61.path), trees=trees) == tree61
    assert targets.resolve(f"/lib/modules/{tree612.release}/build", trees=trees).path == tree612.path
    assert targets.resolve(tree612.release, trees=trees) == tree612
    assert targets.resolve("6.12", trees=trees).flavour == "generic"
    assert targets.resolve("6.1", trees=trees).series == "6.1"     # not 6.12
    assert targets.resolve(tree612.version, trees=trees) == tree612
    rt = next(t for t in trees if t.flavour == "rt" and t.series == "6.1")
    assert targets.resolve(rt.release, trees=trees) == rt


@pytest.mark.parametrize("name", ["6.7", "4", "linux-9.9", "6.1.0-999-amd64"])
def test_unknown_target(name, trees):
    with pytest.raises(KbridgeError, match="unknown target"):
        targets.resolve(name, trees=trees)


def test_unconfigured_tree_is_refused(trees):
    common = next(t for t in trees if t.path.name.endswith("-common"))
    with pytest.raises(KbridgeError, match="not configured"):
        targets.resolve(str(common.path), trees=trees)
    assert targets.resolve(str(common.path), configured=False, trees=trees).version


def test_fixture_tree(tmp_path):
    tree = targets.inspect(make_tree(tmp_path / "k", release="6.5.0-1-rt-amd64"))
    assert (tree.release, tree.version, tree.flavour, tree.arch) == ("6.5.0-1-rt-amd64", "6.5.3", "rt", "x86_64")
    assert tree.configured and not tree.has_symvers
    # the directory name plays no part
    bare = targets.inspect(make_tree(tmp_path / "linux-headers-9.9.9", release=None, configured=False))
    assert bare.release is None and bare.version == "6.5.3" and not bare.configured


def test_not_a_tree(tmp_path):
    (tmp_path / "file").write_text("x")
    for bad, msg in ((tmp_path / "missing", "no such directory"),
                     (tmp_path / "file", "not a directory"),
                     (tmp_path, "not a kernel tree")):
        with pytest.raises(KbridgeError, match=msg):
            targets.inspect(bad)


def test_extra_path_is_discovered(tmp_path):
    extra = make_tree(tmp_path / "k")
    found = targets.discover(extra=[extra])
    assert any(t.path == extra.resolve() for t in found)


def test_version_tuple():
    assert targets.version_tuple("6.12.117") == (6, 12, 117)
    assert targets.version_tuple("6.1.0-rc1") == (6, 1, 0)
    assert targets.version_tuple("6.1") < targets.version_tuple("6.12")
