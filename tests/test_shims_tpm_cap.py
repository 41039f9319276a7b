"""tpm_cap_t_public, old_on_new (rules/tpm.toml; issue 16, corpus item 5).

7.3's public <linux/tpm_command.h> (reached through <linux/tpm.h>) defines cap_t, its member
structs and the capability enums that the TPM core kept in its private tpm.h until then;
xen-tpmfront of 5.10..7.2 carries that private tpm.h, so on 7.3 every one of them was
defined twice (21 errors for 5.10's driver, 92 for 6.1's) and bridge exited 1 ("no
old_on_new shim ... kbridge cannot bridge cap_t yet"). The wrapper of <linux/tpm_command.h>
gives the kernel's copies kb_kernel_ names while it is read, for such a driver only.

Here the real drivers: xen-tpmfront@5.10 and @6.1 bridged for 7.3 (layer and inline) build
clean there (inline: 6.1's; 5.10's also needs a copy of xenbus_grant_ring, which only the
layer's compat object carries), the layer's module passes the ABI check against 7.3's
BTF, and loads in a 7.3 guest exactly as 7.3's own front-end does without Xen (init returns
-ENODEV, no unknown symbol, no warning).

Checked to fail first: with the [old_on_new] table removed from the rule's shim.toml (a copy
of the shim library through KBRIDGE_SHIMS_DIR: the wrapper ships but its direction flag is
gone) the 7.3 build fails with "redefinition of 'struct stclear_flags_t'" and the others.
"""

from __future__ import annotations

import pytest

from conftest import release
from kbridge.actions.bridge import abi, bridge
from kbridge.actions.guest import runner
from kbridge.facts import corpus as corpus_mod
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets
from sharedboot import Entry


def _entry(home: str) -> Entry:
    """xen-tpmfront@HOME bridged for 7.3 (the checks of the bridge, the inline build and the
    ABI as before), its layer module for 7.3's shared boot (tests/sharedboot.py; the two
    homes' modules share the name xen_tpmfront, so they load in two boots)."""
    def build(tmp_path):  # type: ignore[no-untyped-def]
        e = corpus_mod.find(f"xen-tpmfront@{home}")
        drv = drv_mod.load(e.path, label=e.label, origin_version=e.version)
        t73 = targets.resolve("7.3")
        own = targets.resolve(home)
        out, shimmed = {}, []
        for strategy in ("layer", "inline"):
            o = tmp_path / strategy / "xen-tpmfront"
            o.parent.mkdir()
            rep = bridge(drv, [t73, own], strategy, o, home=e.version)
            assert rep.ok and not rep.unbridged, rep.unbridged
            assert ("tpm_cap_t_public", "old_on_new") in {(s["rule"], s["direction"]) for s in rep.shims}
            out[strategy] = o
            if strategy == "layer":
                shimmed = [s["rule"] for s in rep.shims]
        rel = release("7.3")
        if home != "5.10":      # 5.10's also needs xenbus_grant_ring, a compat object copy: layer only
            b, _ = runner.build_for(out["inline"], rel, tmp_path / "inline-build")
            assert b.ok and not b.diagnostics, b.log
        # the rules' own [abi] declarations apply (tpm_send_bufsiz renames and grows tpm_class_ops)
        (res,) = abi.check_out(out["layer"], [t73], drv, rules=shimmed)
        assert res.ok and not res.diagnostics and res.abi["ok"], ([d.message for d in res.diagnostics], res.abi)
        b, kos = runner.build_for(out["layer"], rel, tmp_path / "layer-build")
        assert b.ok and not b.diagnostics, b.log
        return kos

    return Entry(f"tpm_cap:{home}", "7.3", build)


def shared_boot_entries(name, params):  # type: ignore[no-untyped-def]
    if name == "test_older_tpmfront_bridged_for_7_3_builds_and_loads_as_7_3s_own":
        return [_entry(params["home"])]
    return []


@pytest.mark.slow
@pytest.mark.parametrize("home", ["5.10", "6.1"])
def test_older_tpmfront_bridged_for_7_3_builds_and_loads_as_7_3s_own(home, shared_boot):  # type: ignore[no-untyped-def]
    g = shared_boot(_entry(home))
    (m,) = g.modules
    assert m.errno == "ENODEV" and not m.unknown_symbols and not g.problems, (m.to_json(), g.problems)
