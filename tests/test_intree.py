"""In-tree drivers extracted from the source tarballs for the differential tests."""

from __future__ import annotations

import pytest

from conftest import version
from kbridge.errors import KbridgeError
from kbridge.facts import intree


@pytest.mark.parametrize("series", ["6.1", "6.12"])
def test_extract_differential_drivers(series):
    got = intree.extract(series)
    assert set(got) == {"null_blk", "macvlan", "ifb"}
    nb = got["null_blk"]
    # the source package's version is the installed headers' (set-up matches them)
    assert nb.version == version(series) and nb.label == f"null_blk@{series}"
    files = sorted(p.name for p in nb.path.iterdir())
    # the directory's own Makefile builds it out of tree; Kconfig is not needed
    assert files == ["Makefile", "main.c", "null_blk.h", "trace.c", "trace.h", "zoned.c"]
    assert (got["macvlan"].path / "Kbuild").read_text() == "obj-m += macvlan.o\n"
    assert sorted(p.name for p in got["ifb"].path.iterdir()) == ["Kbuild", "ifb.c"]
    # cached: a second call returns the same directories without extracting
    mtime = nb.path.stat().st_mtime_ns
    assert intree.extract(series)["null_blk"].path.stat().st_mtime_ns == mtime


def test_find_rejects_unknown():
    with pytest.raises(KbridgeError, match="NAME@SERIES"):
        intree.find("e1000@6.1")
