"""Two contracts of 5.10's xen-netfront that no declaration shows (bench/README.md, "The
generations under Xen", findings 2 and 3), on 6.12 and 7.3: real modules, real guests.

tests/fixtures/layer/kbtest_pp510 is written for 5.10 the way 5.10's netfront is: it
takes RX pages from a page_pool, adds them to skbs with skb_add_rx_frag() and hands the
skbs to the stack unmarked (rule page_pool_skb_unmarked), and it parses its MAC into
dev->dev_addr in place, before register_netdev() and again while registered (rule
netdev_dev_addr_shadow). Bridged with the shims stubbed, 6.12 and 7.3 log eight "BUG: Bad
page state ... page_pool leak" (one per page) and "WARNING ... dev_addr_check" from
free_netdev; with them, nothing. 5.10 loads the same OUT with its own behaviour.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, run_cli
from kbridge.actions.bridge import bridge, layer
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import corpus as corpus_mod
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets
from kbridge.knowledge import rules as rules_mod

LAYER = FIXTURES / "layer"
FIXTURE = "kbtest_pp510"
SCRIPT = LAYER / "kbtest_pp510_guest" / "report.sh"
RULES = ("page_pool_skb_unmarked", "netdev_dev_addr_shadow")
# the driver passes dev->dev_addr to its own parser: gcc's warning on a kernel where it is
# const (the bridge cannot change the driver's code; the shim keeps the kernel in sync)
CONST_WARNING = "discards 'const' qualifier"


def _kbq(text: str) -> dict[str, str]:
    return dict(line[4:].split("=", 1) for line in text.splitlines()
                if line.startswith("kbq ") and "=" in line)


def test_rules_chosen_for_the_old_driver_only():  # type: ignore[no-untyped-def]
    """From the rules' answers alone (no probe, no build): a 5.10 driver gets both old_on_new
    shims on a kernel answering "new", none on its own; 6.1's netfront (which marks its skbs)
    gets no shim for 5.10 (noop) nor for 6.12."""
    by_id = rules_mod.by_id(rules_mod.load())
    rules = [by_id[i] for i in RULES]
    drv = drv_mod.load(LAYER / FIXTURE)
    assert {r.id for r in layer.used_rules(rules, drv)} == set(RULES)
    p = layer.plan(rules, drv, dict.fromkeys(RULES, "old"), [dict.fromkeys(RULES, "new")])
    assert sorted((s.rule.id, s.direction) for s in p.shims) == sorted((i, "old_on_new") for i in RULES)
    assert not p.unbridged, p.unbridged
    own = layer.plan(rules, drv, dict.fromkeys(RULES, "old"), [dict.fromkeys(RULES, "old")])
    assert not own.shims and not own.unbridged
    nf61 = drv_mod.load(corpus_mod.find("xen-netfront@6.1").path)
    # it allocates from its pool and adds the pages with skb_add_rx_frag (it never names
    # ->dev_addr: eth_hw_addr_set)
    assert {r.id for r in layer.used_rules(rules, nf61)} == {"page_pool_skb_unmarked"}
    for target in ("old", "new"):
        p61 = layer.plan(rules, nf61, dict.fromkeys(RULES, "new"), [dict.fromkeys(RULES, target)])
        assert not p61.shims and not p61.unbridged, (target, p61.shims, p61.unbridged)


def test_check_sees_writes_through_dev_addr():  # type: ignore[no-untyped-def]
    """kbridge check (and so bridge's self-check) names what gcc only warns about: a write
    through net_device.dev_addr, which points to const from 5.17 -- memcpy or
    ether_addr_copy into it, a store through it, the driver's own parser filling it -- and
    not its reads (a source argument, a comparison, an explicit cast)."""
    import json

    proc = run_cli("check", str(FIXTURES / "scan" / "kbtest_devaddr_write"), "--target", "6.12",
                   "--against", "5.10", "--json")
    found = [(f["line"], f["kind"], f["api"]) for f in json.loads(proc.stdout)["findings"]]
    assert found == [(line, "const-changed", "struct net_device.dev_addr") for line in (11, 12, 13, 14)], found
    proc = run_cli("check", str(LAYER / FIXTURE), "--target", "6.12", "--against", "5.10", "--json")
    found = [f["line"] for f in json.loads(proc.stdout)["findings"] if f["api"] == "struct net_device.dev_addr"]
    assert found == [110, 121], found   # kbtest_read_mac(dev->dev_addr, ...), twice
    proc = run_cli("check", str(LAYER / FIXTURE), "--target", "5.10", "--against", "5.10", "--json")
    assert json.loads(proc.stdout)["findings"] == []


def test_probes_batched_with_skb_mark_for_recycle_on_510():  # type: ignore[no-untyped-def]
    """The build-time probes run in one gcc unit, where gcc reports an implicit declaration
    once, at the first call: page_pool_skb_unmarked's probe asks for sk_buff.pp_recycle, not
    for a call of skb_mark_for_recycle as rule skb_mark_for_recycle's probe does -- with two
    such calls 5.10 answered "new" for the second rule, and 6.1's netfront bridged to 5.10
    lost its skb_mark_for_recycle shim (implicit declaration, a build error)."""
    import json

    proc = run_cli("probe", "5.10", "--rule", "page_pool_skb_unmarked", "--rule", "skb_mark_for_recycle",
                   "--rule", "netdev_dev_addr_shadow", "--method", "compile", "--no-cache", "--json")
    states = {r["rule"]: r["state"] for r in json.loads(proc.stdout)["results"]}
    assert states == dict.fromkeys(("page_pool_skb_unmarked", "skb_mark_for_recycle",
                                    "netdev_dev_addr_shadow"), "old"), states


def _build(out, tree):  # type: ignore[no-untyped-def]
    proc = run_kbuild(out, tree)
    diags, undefined = parse_log(proc.stdout, out)
    other = [d for d in diags if CONST_WARNING not in d.message]
    assert proc.returncode == 0 and not other and not undefined, (
        tree.name, diags, undefined, proc.stdout[-3000:])
    return out / f"{FIXTURE}.ko"


@pytest.mark.slow
def test_pool_pages_and_address_reach_the_kernel_as_it_expects(trees, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.image import guest_root
    from kbridge.actions.guest.runner import run_guest

    home, *news = (targets.resolve(s, trees=trees) for s in ("5.10", "6.12", "7.3"))
    if not all((guest_root() / "images" / t.release).is_dir() for t in (home, *news)):
        pytest.skip("guest kernel images not in the cache (kbridge run fetches them)")
    drv = drv_mod.load(LAYER / FIXTURE)
    runs = []
    for strategy in ("layer", "inline"):
        out = tmp_path / strategy
        rep = bridge(drv, [home, *news], strategy, out, home=home.version)
        assert rep.ok, rep.unbridged
        assert {(s["rule"], s["direction"]) for s in rep.shims} >= {(r, "old_on_new") for r in RULES}
        # the layer on every kernel; inline, the same shims, on 6.12
        for tree in ((home, *news) if strategy == "layer" else news[:1]):
            ko = tmp_path / f"{FIXTURE}-{strategy}-{tree.release}.ko"
            ko.write_bytes(_build(out, tree).read_bytes())
            runs.append((strategy, tree.release, ko))
    for strategy, release, ko in runs:
        g = run_guest([ko], release, test_script=SCRIPT, timeout=240)
        where = (strategy, release)
        assert [m.returncode for m in g.modules] == [0], (where, g.reasons)
        assert g.test_returncode == 0, (where, g.test_output)
        kbq = _kbq(g.test_output)
        assert kbq.get("rx") == "8" and kbq.get("mac_ok") == "1", (where, kbq)
        assert not [line for line in g.dmesg if "page_pool leak" in line or "dev_addr_check" in line], (
            where, g.problems)
        assert g.ok and not g.problems, (where, g.reasons, g.problems)
