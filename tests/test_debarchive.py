"""Debian packages of any suite through kbridge's private apt state
(kbridge.actions.guest.debarchive): real downloads from the host's mirror, and the
host's apt configuration and lists byte for byte as they were."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from kbridge.actions.guest import debarchive
from kbridge.errors import KbridgeError

HOST_APT = (Path("/etc/apt"), Path("/var/lib/apt/lists"))


def _snapshot() -> dict[str, str]:
    """Every file and symlink under the host's apt configuration and lists: content hash."""
    out: dict[str, str] = {}
    for top in HOST_APT:
        for dirpath, dirnames, filenames in os.walk(top):
            for name in dirnames + filenames:
                p = Path(dirpath) / name
                if p.is_symlink():
                    out[str(p)] = "-> " + os.readlink(p)
                elif p.is_file():
                    try:
                        out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
                    except PermissionError:
                        out[str(p)] = f"unreadable {p.stat().st_size} {p.stat().st_mtime_ns}"
                elif p.is_dir():
                    out[str(p)] = "dir"
    return out


def _field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_download_of_other_suites_leaves_the_host_apt_untouched(tmp_path: Path):
    before = _snapshot()
    assert before, "no host apt state to compare"
    cache = tmp_path / "cache"
    cache.mkdir()
    got: dict[str, Path] = {}
    for suite in ("bullseye", "sid"):
        debs = debarchive.download(["hello", "base-files"], suite, tmp_path / suite, cache)
        assert [_field(d, "Package") for d in debs] == ["hello", "base-files"], debs
        got[suite] = debs[1]
        # the private state of that suite, and nothing of it outside the cache
        state = cache / "apt" / suite
        assert (state / "sources.list").read_text() == debarchive.sources_list(suite)
        assert any((state / "state" / "lists").glob(f"*_dists_{suite}_*Packages*"))
    # each from its own suite: base-files carries the suite's Debian version
    assert _field(got["bullseye"], "Version").startswith("11"), _field(got["bullseye"], "Version")
    assert debarchive.compare_versions(_field(got["bullseye"], "Version"),
                                       _field(got["sid"], "Version")) < 0
    # a second suite's look-ups work from the same cache: dependencies in bullseye
    assert "libc6" in debarchive.depends("hello", "bullseye", cache)
    assert _snapshot() == before


def test_sources_follow_the_hosts_archives_with_the_suite_swapped():
    host = debarchive.host_suite()
    mirror = [u for u, p in debarchive.host_archives() if p == ""]
    assert mirror
    bullseye = debarchive.sources_list("bullseye").splitlines()
    # the mirror and, for a stable suite, its -updates and -security archives
    assert any(f" {mirror[0]} bullseye main" in ln for ln in bullseye), bullseye
    assert any(" bullseye-security main" in ln for ln in bullseye), bullseye
    assert not any(f" {host}" in ln for ln in bullseye), bullseye
    # the host's own suite goes through the same code: its archives as apt reads them
    own = debarchive.sources_list(host)
    for uri, pocket in debarchive.host_archives():
        assert f" {uri} {host}{pocket} main" in own, own
    # experimental comes with sid; neither has -security; both skip Valid-Until
    exp = debarchive.sources_list("experimental").splitlines()
    assert [ln.split()[-2] for ln in exp] == ["sid", "experimental"], exp
    for suite in ("sid", "experimental"):
        opts = debarchive.options(suite)
        assert "Acquire::Check-Valid-Until=false" in opts
    assert "Acquire::Check-Valid-Until=false" not in debarchive.options("bullseye")


@pytest.mark.parametrize("bad", ["../etc", "Bullseye", "", "sid main"])
def test_a_bad_suite_name_is_refused(bad: str):
    with pytest.raises(KbridgeError, match="suite"):
        debarchive.sources_list(bad)


def test_a_package_the_suite_lacks_is_one_error(tmp_path: Path):
    with pytest.raises(KbridgeError, match="cannot download no-such-package-kb"):
        debarchive.download(["no-such-package-kb"], "bullseye", tmp_path / "d")


def test_only_debians_own_archives_are_taken_from_the_host(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    """The host's own Debian mirror is the one used, even before the host's lists were
    ever fetched; a third-party repository naming the host's suite is not a Debian
    mirror and must not become one for bullseye or sid (apt reads a stand-in host
    config without lists)."""
    host = debarchive.host_suite()
    (tmp_path / "lists").mkdir()
    (tmp_path / "parts").mkdir()
    (tmp_path / "sources.list").write_text(
        f"deb http://ftp.de.debian.org/debian {host} main\n"
        f"deb https://vendor.example.invalid/apt {host} main\n")
    (tmp_path / "apt.conf").write_text(
        f'Dir::Etc::SourceList "{tmp_path}/sources.list";\n'
        f'Dir::Etc::SourceParts "{tmp_path}/parts";\n'
        f'Dir::State::Lists "{tmp_path}/lists";\n')
    monkeypatch.setenv("APT_CONFIG", str(tmp_path / "apt.conf"))
    debarchive.host_archives.cache_clear()
    try:
        got = debarchive.host_archives()
        assert got[0] == ("http://ftp.de.debian.org/debian", ""), got
        assert not any("example.invalid" in uri for uri, _ in got), got
        assert "example.invalid" not in debarchive.sources_list("bullseye")
    finally:
        monkeypatch.delenv("APT_CONFIG")
        debarchive.host_archives.cache_clear()
