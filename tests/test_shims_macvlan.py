"""macvlan between the oldest and the newest series (issue 16): the rules it needs.

* test_rtnl_newlink_params_newest_on_510_in_guest: a link type written for 6.15+'s
  rtnl_link_ops.newlink(dev, struct rtnl_newlink_params *, extack)
  (tests/fixtures/layer/kbtest_rtnl_new) bridged to 5.10 and driven by Debian's
  `ip link` in a 5.10 guest: the device is created through the trampoline with the
  attributes the core parsed (tb: name, MTU), rtnl_newlink_link_net() is the
  namespace the core means, the driver's refusal and its extack message reach user
  space and leave no device behind, and the device is deleted. The lines are those
  the same module prints on its own kernel (7.3, measured: EXPECTED).
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, newest_series
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

OLDEST = "5.10"
NEWEST = newest_series()
RTNL_NEW = FIXTURES / "layer" / "kbtest_rtnl_new"

# what kbtest_rtnl_new's check.sh prints on its own kernel (7.3), line for line
EXPECTED = {
    "add": "ok",
    "mtu": "1400",
    "fail": "Error: kbrtnl refuses this name.",
    "fail_dev": "absent",
    "del": "ok",
    "after_del": "absent",
    "newlink_kbr0": "src_init=1 link_init=1 peer_init=1 link_net_set=0 tb_ifname=kbr0 tb_mtu=1400 data=0",
    "newlink_kbfail0": "src_init=1 link_init=1 peer_init=1 link_net_set=0 tb_ifname=kbfail0 tb_mtu=0 data=0",
}


def _build(out, tree):  # type: ignore[no-untyped-def]
    proc = run_kbuild(out, tree)
    diags, undefined = parse_log(proc.stdout, out)
    return proc.returncode == 0 and not [d for d in diags if d.severity != "warning"] and not undefined, \
        (diags, undefined, proc.stdout[-3000:])


def _seen(output: str) -> dict[str, str]:
    seen: dict[str, str] = {}
    for line in output.splitlines():
        if line.startswith("kbr "):
            body = line[4:]
            cut = min(i for i in (body.find("="), body.find(" "), len(body)) if i >= 0)
            seen[body[:cut]] = body[cut + 1:]
    return seen


@pytest.mark.slow
def test_rtnl_newlink_params_newest_on_510_in_guest(trees, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.runner import run_guest

    old, home = targets.resolve(OLDEST, trees=trees), targets.resolve(NEWEST, trees=trees)
    for strategy in ("inline", "layer"):       # inline: build only; layer: built and loaded
        out = tmp_path / strategy
        rep = bridge(drv_mod.load(RTNL_NEW), [home, old], strategy, out)
        assert rep.ok, rep.unbridged
        assert "rtnl_newlink_params" in {str(s["rule"]) for s in rep.shims}
        ok, why = _build(out, old)
        assert ok, (strategy, why)
    g = run_guest([tmp_path / "layer" / "kbtest_rtnl.ko"], old.release, test_script=RTNL_NEW / "check.sh",
                  timeout=300, tools=True)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    seen = _seen(g.test_output)
    diff = {k: (EXPECTED.get(k), seen.get(k)) for k in sorted(EXPECTED.keys() | seen.keys())
            if EXPECTED.get(k) != seen.get(k)}
    assert not diff, f"bridged on {old.name} (expected = the module on {NEWEST}): {diff}"
