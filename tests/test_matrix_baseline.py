"""The full corpus matrix on real kbuild: the baseline the issue measured by hand."""

from __future__ import annotations

import pytest

from kbridge.actions import matrix
from kbridge.facts import driver as drivers


@pytest.mark.slow
def test_corpus_baseline(corpus, tree61, tree612):
    trees = {"6.1": tree61, "6.12": tree612}
    cells = [matrix.Cell(drivers.load(e.path, label=label), tree)
             for label, e in sorted(corpus.items()) for tree in trees.values()]
    results = {(c.driver.label, c.tree.series): r for c, r in zip(cells, matrix.run(cells, jobs=2))}
    own = {k: r for k, r in results.items() if k[0].endswith("@" + k[1])}
    cross = {k: r for k, r in results.items() if k not in own}
    assert len(own) == len(cross) == 24
    assert all(r.ok and r.errors == 0 for r in own.values()), \
        [k for k, r in own.items() if not r.ok]
    assert sum(r.ok for r in cross.values()) == 13
    assert results[("xen-blkfront@6.12", "6.1")].errors == 13
    assert results[("xen-blkfront@6.1", "6.12")].errors == 13
    for label, series, header in (("xen-netfront@6.12", "6.1", "net/page_pool/types.h"),
                                  ("xen-netfront@6.1", "6.12", "net/page_pool.h")):
        diags = results[(label, series)].diagnostics
        assert [d.severity for d in diags] == ["fatal error"] and header in diags[0].message
    fb = results[("xen-fbfront@6.1", "6.12")]
    assert not fb.ok and any("FBINFO_FLAG_DEFAULT" in d.message for d in fb.diagnostics)
    scsi = results[("xen-scsifront@6.12", "6.1")]
    assert scsi.ok and scsi.warnings == own[("xen-scsifront@6.12", "6.12")].warnings + 1
