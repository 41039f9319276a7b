"""The full corpus matrix on real kbuild: the baseline the issue measured by hand.

Stated as what must hold on any stable update of the two series, not as counts
measured once on one Debian release: every driver builds clean on its own kernel;
a cross build fails exactly when `kbridge check` predicts an error for it; the
blkfront cross builds fail on the queue-limits rework, each with gcc's errors on
lines check predicted or cascading from them, and the matrix reports exactly
what a plain kbuild of the same pair reports.
"""

from __future__ import annotations

import pytest

from kbridge.actions.kbuild import build
from kbridge.facts import driver as drivers
from test_check_accuracy import root_causes


@pytest.mark.slow
def test_corpus_baseline(corpus, tree61, tree612, corpus_plain_builds):
    trees = {"6.1": tree61, "6.12": tree612}
    # the 48 cells built by `kbridge matrix`'s runner (matrix.run) and check of each cross
    # cell: conftest.corpus_plain_builds, shared with test_check_accuracy
    results = corpus_plain_builds["builds"]
    assert len(results) == 2 * len(corpus) == 48
    own = {k: r for k, r in results.items() if k[0].endswith("@" + k[1])}
    cross = {k: r for k, r in results.items() if k not in own}
    assert len(own) == len(cross) == 24
    assert all(r.ok and r.errors == 0 for r in own.values()), \
        [k for k, r in own.items() if not r.ok]
    # a cross build fails exactly when check, from the indexes alone, predicts an error
    checks = corpus_plain_builds["checks"]     # run_check(driver, target, its own series)
    assert set(checks) == {label for label, _ in cross}
    predicted_fail = {k for k in cross if any(f.severity != "warning" for f in checks[k[0]].findings)}
    failed = {k for k, r in cross.items() if not r.ok}
    assert failed == predicted_fail, (sorted(failed - predicted_fail), sorted(predicted_fail - failed))
    # both ways some drivers build and some do not (the two series really differ)
    for series in trees:
        got = {k for k in cross if k[1] == series}
        assert got & failed and got - failed, series
    for label, series, api in (("xen-blkfront@6.12", "6.1", "blk_mq_alloc_disk"),
                               ("xen-blkfront@6.1", "6.12", "blk_queue_max_hw_sectors")):
        r = results[(label, series)]
        errors = [d for d in r.diagnostics if d.severity != "warning"]
        assert not r.ok and r.errors == len(errors) > 0
        assert any(api in d.message for d in errors)
        # each error is on a line check predicted or a cascade of one: no root cause unpredicted,
        # no prediction gcc does not confirm
        found = checks[label]
        predicted = {(f.file, f.line) for f in found.findings if f.severity != "warning"}
        roots, fatal = root_causes(r.diagnostics, found.scan.declared)
        assert not fatal and roots and roots <= predicted, sorted(roots - predicted)
        assert predicted <= {(d.file, d.line) for d in errors}
        # the matrix's cell is exactly what a plain kbuild of the pair shows today
        plain = build(drivers.resolve(label), trees[series])
        assert [d.to_json() for d in plain.diagnostics] == [d.to_json() for d in r.diagnostics]
    for label, series, header in (("xen-netfront@6.12", "6.1", "net/page_pool/types.h"),
                                  ("xen-netfront@6.1", "6.12", "net/page_pool.h")):
        diags = results[(label, series)].diagnostics
        assert [d.severity for d in diags] == ["fatal error"] and header in diags[0].message
    fb = results[("xen-fbfront@6.1", "6.12")]
    assert not fb.ok and any("FBINFO_FLAG_DEFAULT" in d.message for d in fb.diagnostics)
    scsi = results[("xen-scsifront@6.12", "6.1")]
    assert scsi.ok and scsi.warnings == own[("xen-scsifront@6.12", "6.12")].warnings + 1
