"""One reading of what a driver names (kbridge.facts.scan.file_names) for the
layer, inline and audit: the two strategies pick the same rules for the same driver."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import host_series
from kbridge.actions import audit
from kbridge.actions.bridge import inline, layer
from kbridge.facts import corpus, scan
from kbridge.facts import driver as drv_mod
from kbridge.knowledge import rules as rules_mod


def _labels() -> list[str]:
    # the bundled drivers of the host series (the whole default corpus would be 60 drivers)
    return [e.label for e in corpus.corpus(series=host_series())] + \
        [f"{m}@{s}" for s in host_series() for m in ("null_blk", "macvlan", "ifb")]


def _inline_rules(d: drv_mod.Driver, home: str, other: str,
                  rules: list[rules_mod.Rule]) -> tuple[set[str], set[str], set[str]]:
    """(the rules inline OUT's files use: the union of each file's guarded include and
    spots; the rules the plan ships C for; every rule the plan bridges, a moved header's
    wrapper too), the plan from the series' releases (no probes)."""
    needed = layer.needed_rules(rules, d)
    p = layer.plan(rules, d, layer.version_answers(needed, home), [layer.version_answers(needed, other)])
    res = inline.files(d, home, p, "feature")
    return ({r for e in res.edits for r in e.rules}, {s.rule.id for s in p.shims if s.text},
            {s.rule.id for s in p.shims})


def test_layer_and_inline_pick_the_same_rules_on_every_bundled_driver():
    rules = rules_mod.load()
    checked = 0
    for label in _labels():
        d = drv_mod.resolve(label)
        by_driver = {r.id for r in layer.used_rules(rules, d)}
        by_file: set[str] = set()
        for rel in d.sources:
            by_file |= {r.id for r in layer.rules_named(rules, scan.file_names(d.read(rel), rel))}
        assert by_driver == by_file, label
        home = label.rsplit("@", 1)[1]
        for other in host_series():
            if other == home:
                continue
            in_files, with_c, bridged = _inline_rules(d, home, other, rules)
            # every rule the layer picks and inline ships C for is used by some file of
            # inline OUT; inline uses no rule the layer does not bridge
            assert by_driver & with_c <= in_files, (label, other)
            assert in_files <= bridged, (label, other)
            checked += 1
    assert checked == len(_labels()) * (len(host_series()) - 1)


DEMO = b"""#include <linux/module.h>
#include <linux/blkdev.h>

#define KBDEMO_FEATURES (BLK_FEAT_WRITE_CACHE | \\
\t\t\t BLK_FEAT_FUA)

static unsigned int kbdemo_features(void)
{
\treturn KBDEMO_FEATURES;
}
MODULE_LICENSE("GPL");
"""


@pytest.fixture
def macro_only(tmp_path: Path) -> drv_mod.Driver:
    """A driver that names its kernel API (BLK_FEAT_*, 6.11) only in a #define body."""
    d = tmp_path / "kbdemo"
    d.mkdir()
    (d / "Kbuild").write_text("obj-m := kbdemo.o\n")
    (d / "kbdemo.c").write_bytes(DEMO)
    return drv_mod.load(d, label="kbdemo", origin_version="6.12")


def test_names_in_a_define_body_are_read_at_their_rows(macro_only):
    found = scan.file_names(DEMO, "kbdemo.c")
    assert (3, "BLK_FEAT_WRITE_CACHE") in found.rows and (4, "BLK_FEAT_FUA") in found.rows
    assert "__kb_macro" not in found.names      # the wrapper the bodies are parsed in
    assert found.includes == {"linux/module.h", "linux/blkdev.h"}


def test_an_api_only_in_a_define_body_is_picked_by_layer_and_inline(macro_only):
    rules = rules_mod.load()
    assert "queue_limits_features" in {r.id for r in layer.used_rules(rules, macro_only)}
    in_files, with_c, _ = _inline_rules(macro_only, "6.12", "6.1", rules)
    assert "queue_limits_features" in with_c
    assert "queue_limits_features" in in_files
    # the file includes the shims on the kernels without the API
    needed = layer.needed_rules(rules, macro_only)
    p = layer.plan(rules, macro_only, layer.version_answers(needed, "6.12"),
                   [layer.version_answers(needed, "6.1")])
    text = inline.files(macro_only, "6.12", p, "feature").content["kbdemo.c"]
    assert b'#include "kb_inline.h"' in text


def test_audit_reads_a_define_body_in_a_branch():
    text = ("#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)\n"
            "#define KBDEMO_FEATURES (BLK_FEAT_WRITE_CACHE | \\\n\tBLK_FEAT_FUA)\n"
            "#else\n#define KBDEMO_FEATURES 0\n#endif\n")
    spots, _ = audit.audit_text(text, "x.c")
    assert spots and spots[0].kind == "version"
    assert {"BLK_FEAT_WRITE_CACHE", "BLK_FEAT_FUA"} <= set(spots[0].api)
