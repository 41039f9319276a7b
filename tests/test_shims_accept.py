"""struct proto_accept_arg (rules/net.toml proto_accept_arg; issue 16, corpus item 4).

6.10 passes accept's arguments in one struct (flags, kern in; err, is_empty out);
pvcalls-front of 7.2/7.3 names it in its own exported pvcalls_front_accept() and failed on
5.10 and 6.1, which do not define it ("conflicting types for 'pvcalls_front_accept'",
"invalid use of undefined type 'struct proto_accept_arg'"). The shim defines the type there,
with the newer kernel's layout.

tests/fixtures/layer/kbtest_accept_new (written for the newest kernel) takes the struct in
its own accept function over AF_UNIX kernel sockets; bridged for 5.10 and 6.1 (the kernels
the shim applies to) and natively on the newest, a guest of each prints the same line: the
non-blocking accept on an empty queue fails with -EAGAIN and stores it in arg.err, the
blocking one accepts the connected client's peer, and the layout is the newer kernel's.

Checked to fail first: with the shim stubbed (an empty new_on_old.h) the 5.10 and 6.1
builds fail (invalid use of undefined type 'struct proto_accept_arg').
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, newest_series, probe_states, release
from kbridge.actions.bridge import bridge
from kbridge.actions.guest import runner
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets
from sharedboot import Entry

FIXTURE = FIXTURES / "layer" / "kbtest_accept_new"
EXPECTED = "kbaccept nonblock=-11 err=-11 accept=0 peer=1 layout=16,0,4,8,12"


def test_probe_states(roots_ready):  # type: ignore[no-untyped-def]
    for series, state in (("5.10", "old"), ("6.1", "old"), ("6.12", "new"), (newest_series(), "new")):
        assert probe_states(series, ["proto_accept_arg"]) == {"proto_accept_arg": state}, series


SERIES = ("5.10", "6.1", "newest")


_OUTS: dict[str, object] = {}


def _outs(dest):  # type: ignore[no-untyped-def]
    """The fixture bridged for 5.10 and 6.1 from the newest, layer and inline (the rule named),
    once for the three kernels' entries (as the test bridged once before)."""
    if _OUTS:
        return _OUTS
    newest = newest_series()
    kernels = [targets.resolve(s) for s in ("5.10", "6.1", newest)]
    out = {}
    for strategy in ("layer", "inline"):
        o = dest / f"out-{strategy}" / "kbtest_accept_new"
        o.parent.mkdir()
        rep = bridge(drv_mod.load(FIXTURE), kernels, strategy, o, home=kernels[-1].version)
        assert rep.ok and not rep.unbridged, rep.unbridged
        assert "proto_accept_arg" in {s["rule"] for s in rep.shims}, rep.shims
        out[strategy] = o
    _OUTS.update(out)
    return _OUTS


def _entry(cell: str) -> Entry:
    """The module this kernel loads in its shared boot (tests/sharedboot.py): the layer's on
    5.10 and 6.1, the fixture natively on the newest; the inline OUT builds clean too."""
    newest = newest_series()
    series = newest if cell == "newest" else cell

    def build(dest):  # type: ignore[no-untyped-def]
        out = _outs(dest)
        rel = release(series)
        # inline OUT builds clean too (its kb_ spots); the layer's module is loaded
        b, _ = runner.build_for(out["inline"], rel, dest / f"inline-{series}")
        assert b.ok and not b.diagnostics, (series, b.log)
        src = FIXTURE if series == newest else out["layer"]
        b, kos = runner.build_for(src, rel, dest / f"build-{series}")
        assert b.ok and not b.diagnostics, (series, b.log)
        return kos

    return Entry(f"accept:{cell}", series, build)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    if name != "test_accept_arg_module_behaves_alike_bridged_and_native":
        return []
    return [_entry(cell) for cell in SERIES]


@pytest.mark.slow
def test_accept_arg_module_behaves_alike_bridged_and_native(shared_boot):  # type: ignore[no-untyped-def]
    for cell in SERIES:
        g = shared_boot(_entry(cell))
        assert g.ok, (cell, g.reasons, g.problems)
        seen = [x[x.index("kbaccept "):] for x in g.dmesg if "kbaccept " in x]
        assert seen == [EXPECTED], (cell, seen)
