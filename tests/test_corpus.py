"""The Xen front-end corpus, extracted from the real source tarballs."""

from __future__ import annotations

import os

import pytest

from conftest import host_series
from kbridge.errors import KbridgeError
from kbridge.facts import corpus as corpus_mod

EXPECTED = {"xen-blkfront", "xen-netfront", "xen-scsifront", "xen-kbdfront", "xen-fbfront",
            "xen-pcifront", "xen-tpmfront", "pvcalls-front", "9pnet_xen", "xen-hcd",
            "snd_xen_front", "drm_xen_front"}


def test_24_entries(corpus):
    assert len(corpus) == 24
    assert {e.name for e in corpus.values()} == EXPECTED
    assert {e.series for e in corpus.values()} == {"6.1", "6.12"}


def test_entries_are_standalone_module_dirs(corpus):
    for entry in corpus.values():
        assert "Kbuild" in entry.files
        kbuild = (entry.path / "Kbuild").read_text()
        assert f"obj-m += {entry.name}.o" in kbuild
        for f in entry.files:
            assert (entry.path / f).is_file()


def test_multi_file_modules_and_local_headers(corpus):
    snd = corpus["snd_xen_front@6.12"]
    assert sum(f.endswith(".c") for f in snd.files) == 4
    assert "snd_xen_front-y := xen_snd_front.o" in (snd.path / "Kbuild").read_text()
    drm = corpus["drm_xen_front@6.1"]
    assert sum(f.endswith(".c") for f in drm.files) == 6
    assert "xen_drm_front_gem.h" in drm.files
    # tpmfront includes "tpm.h" from drivers/char/tpm; pvcalls its own header
    assert "tpm.h" in corpus["xen-tpmfront@6.12"].files
    assert "pvcalls-front.h" in corpus["pvcalls-front@6.1"].files
    # a driver gets only the headers it includes, not its whole directory
    assert corpus["xen-blkfront@6.1"].files == ("Kbuild", "xen-blkfront.c")


def test_versions_come_from_the_tarballs(corpus, tree61, tree612):
    # the source packages are paired with headers of the same release
    assert corpus["xen-blkfront@6.1"].version == tree61.version
    assert corpus["xen-blkfront@6.12"].version == tree612.version


def test_cache_is_reused(corpus):
    entry = corpus["xen-netfront@6.1"]
    before = os.stat(entry.path / "xen-netfront.c").st_mtime_ns
    again = {e.label: e for e in corpus_mod.corpus(series=host_series())}
    assert again["xen-netfront@6.1"].path == entry.path
    assert os.stat(entry.path / "xen-netfront.c").st_mtime_ns == before


def test_json_shape(corpus):
    data = corpus["xen-hcd@6.12"].to_json()
    assert set(data) == {"name", "version", "path", "files"}


def test_find_by_label(corpus):
    assert corpus_mod.find("xen-blkfront@6.12").path == corpus["xen-blkfront@6.12"].path
    for bad, msg in (("xen-blkfront", "NAME@SERIES"), ("nope@6.1", "no corpus driver"),
                     ("xen-blkfront@4.19", "the corpus has series")):
        with pytest.raises(KbridgeError, match=msg):
            corpus_mod.find(bad)


def test_missing_tarball(tmp_path):
    with pytest.raises(KbridgeError, match="linux-source-6.1.tar.xz not found"):
        corpus_mod.corpus(cache=tmp_path / "cache", sources=tmp_path, series=host_series())
    left = tmp_path / "cache" / "corpus"
    assert not left.exists() or not any(left.iterdir()), "nothing half-written"
