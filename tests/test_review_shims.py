"""Independent review of session 6's shims (branch review): one test per bug found.

- platform_driver_remove_void old_on_new on 6.11/6.12, whose struct platform_driver
  makes .remove and .remove_new one slot (a union): a module of 6.3..6.10 (Debian's
  6.1) with one driver on an int .remove and another on the void .remove_new cannot
  be bridged faithfully there -- the registration-time trampoline reads the slot as
  the driver's int function for both, so the void .remove_new was called as an int
  one and the old core's "remove callback returned a non-zero value" warning was
  printed for whatever its return register held (6.12 guest: 1 warning for the
  .remove_new driver). Refused by name now (shim.toml refused_inits).
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

LAYER = FIXTURES / "layer"


@pytest.mark.parametrize("strategy", ["layer", "inline"])
def test_int_remove_beside_remove_new_is_refused_on_the_union_kernel(strategy, tmp_path):  # type: ignore[no-untyped-def]
    rep = bridge(drv_mod.load(LAYER / "kbtest_plat_mixed"),
                 [targets.resolve("6.1"), targets.resolve("6.12")], strategy, tmp_path / "out")
    assert not rep.ok
    mine = [u for u in rep.unbridged if u.rule == "platform_driver_remove_void"]
    assert mine and mine[0].direction == "old_on_new", rep.unbridged
    assert "sets .remove_new in an initializer" in mine[0].why, mine[0].why


def test_int_remove_alone_still_bridges_to_the_union_kernel(tmp_path):  # type: ignore[no-untyped-def]
    rep = bridge(drv_mod.load(LAYER / "kbtest_plat_int"),
                 [targets.resolve("6.1"), targets.resolve("6.12")], "layer", tmp_path / "out")
    assert rep.ok, rep.unbridged
    assert "platform_driver_remove_void" in {s["rule"] for s in rep.shims}
