"""The 9P transport, XDP and TPM changes of the corpus's 9pnet_xen, xen-netfront and
xen-tpmfront across 5.10..7.3 (rules 9p.toml: p9_trans_pooled_rbuffers,
p9_trans_supports_vmalloc, p9_trans_create_fs_context; net.toml: xdp_init_buff;
tpm.toml: tpm_cap_t_public). Proven on the real kernels:
 - each rule's probe answers what the five series' headers say;
 - kbtest_p9net_new (7.3's API) bridged to 5.10 and 6.12 and kbtest_p9net_old (6.1's
   API) bridged to 7.3 build clean there with the layer and inline;
 - loaded in Debian's 5.10 and 6.12 kernels, kbtest_p9net_new's transport registers
   and is found by name (the kernel reads its members at its offsets), the added flags
   read back, the kernel's own p9_client_create() reaches the driver's
   create(client, fc) with the device name as fc->source and hands create's error back,
   xdp_init_buff() sets frame_sz and rxq and nothing else, cap_t has the TPM 1.2
   layout; loaded in 7.3, kbtest_p9net_old's create(client, devname, args) is called,
   through the kernel's slot as the newer client calls it, with fc->source and no
   option string;
 - loaded in 6.1, 6.12, 7.2 and 7.3, kbtest_p9put_old (5.10's p9_req_put(r), rule
   p9_req_put_client old_on_new) puts its requests as the kernel's own p9_req_put(c, r)
   does, on the kernel's own clients: the transport's last put (hard IRQ and process
   context) removes the tag from the right client's IDR and returns 1, a put before the
   client's returns 0.
"""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, assert_builds_clean, probe_states, run_cli
from kbridge.actions.bridge import bridge
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

NEW = FIXTURES / "layer" / "kbtest_p9net_new"
OLD = FIXTURES / "layer" / "kbtest_p9net_old"
RULES = ("p9_trans_pooled_rbuffers", "p9_trans_supports_vmalloc", "p9_trans_create_fs_context",
         "xdp_init_buff", "tpm_cap_t_public")
OLDEST = dict.fromkeys(RULES, "old")
STATES = {
    "5.10": OLDEST,
    "6.1": {**OLDEST, "p9_trans_pooled_rbuffers": "new", "xdp_init_buff": "new"},
    "6.12": {**OLDEST, "p9_trans_pooled_rbuffers": "new", "xdp_init_buff": "new"},
    "7.2": {**dict.fromkeys(RULES, "new"), "tpm_cap_t_public": "old"},
    "7.3": dict.fromkeys(RULES, "new"),
}


@pytest.fixture(scope="module")
def ptrees(trees):  # type: ignore[no-untyped-def]
    return {s: targets.resolve(s, trees=trees) for s in ("5.10", "6.12", "7.3")}


@pytest.mark.parametrize("series", sorted(STATES))
def test_p9net_rules_probe_each_series(series, roots_ready):  # type: ignore[no-untyped-def]
    assert probe_states(series, RULES) == STATES[series]



@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["layer", "inline"])
@pytest.mark.parametrize("mod,home,others,want", [
    # and c_dialect_gnu11: a 7.3 module is gnu11 code, 5.10 builds gnu89; and
    # strscpy_size_optional: the module calls strscpy(), whose size 5.10 requires (its
    # three-argument call passes through the shim unchanged)
    (NEW, "7.3", ("5.10", "6.12"), {*RULES, "c_dialect_gnu11", "strscpy_size_optional"}),
    (OLD, "6.12", ("7.3",), {"p9_trans_create_fs_context"}),
], ids=["new-on-5.10-6.12", "old-on-7.3"])
def test_kbtest_p9net_bridged_builds_clean(mod, home, others, want, strategy, ptrees, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(mod), [ptrees[home], *(ptrees[o] for o in others)], strategy, out)
    assert not rep.unbridged, rep.unbridged
    assert {s["rule"] for s in rep.shims} == want
    if strategy == "layer":     # the driver's own file is untouched
        assert (out / f"{mod.name}.c").read_bytes() == (mod / f"{mod.name}.c").read_bytes()
    for series in (*others, home):
        assert_builds_clean(out, ptrees[series])


@pytest.mark.slow
@pytest.mark.parametrize("mod,home,other", [(NEW, "7.3", "5.10"), (NEW, "7.3", "6.12"), (OLD, "6.12", "7.3")],
                         ids=["new-on-5.10", "new-on-6.12", "old-on-7.3"])
def test_kbtest_p9net_behaves_in_guest(mod, home, other, ptrees, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(mod), [ptrees[home], ptrees[other]], "layer", out)
    assert not rep.unbridged, rep.unbridged
    proc = run_cli("run", str(out), "--kernel", other, "--json")
    res = json.loads(proc.stdout)
    guest = res["guest"]
    assert proc.returncode == 0 and res["ok"], (guest and guest["reasons"], proc.stderr[-2000:],
                                                 res["build"]["diagnostics"][:5])
    lines = [line for ld in guest["loads"]
             for line in (ld["dmesg"] if isinstance(ld["dmesg"], list) else ld["dmesg"].splitlines())]
    assert any(f"{mod.name}: ok" in line for line in lines), lines[-20:]


PUT = FIXTURES / "layer" / "kbtest_p9put_old"


@pytest.mark.slow
@pytest.mark.parametrize("strategy,other", [("layer", "6.1"), ("layer", "6.12"), ("layer", "7.2"), ("layer", "7.3"),
                                            ("inline", "7.3")],
                         ids=["layer-6.1", "layer-6.12", "layer-7.2", "layer-7.3", "inline-7.3"])
def test_kbtest_p9put_old_puts_as_the_kernel_in_guest(strategy, other, roots_ready, tmp_path):  # type: ignore[no-untyped-def]
    """Rule p9_req_put_client, old_on_new: kbtest_p9put_old (5.10's API: p9_req_put(r)) bridged
    to each kernel with the client-naming put. In the booted kernel, on its own
    p9_client_create/p9_client_destroy, the module runs one scenario with the driver's
    p9_req_put(r) and the same with the kernel's own p9_req_put(c, r) (a call the layer does
    not touch): two clients whose Tversion requests (tag P9_NOTAG in each client's IDR) the
    transport keeps, the last put of one from hard IRQ context and of the other from process
    context, then a put inside request() before the client's. The two logged lines must be
    equal, and say what the newer kernel does: the tag stays in its client's IDR while the
    transport holds the request, the transport's last put returns 1 and removes it, leaving
    the other client's entry, and a put before the client's returns 0. Inline carries the
    same shim into the driver's files: one cell, 7.3 (with p9_trans_create_fs_context)."""
    home = targets.resolve("5.10")
    tree = targets.resolve(other)
    out = tmp_path / "out"
    rep = bridge(drv_mod.load(PUT), [home, tree], strategy, out)
    assert not rep.unbridged, rep.unbridged
    assert "p9_req_put_client" in {s["rule"] for s in rep.shims}
    proc = run_cli("run", str(out), "--kernel", other, "--json")
    res = json.loads(proc.stdout)
    guest = res["guest"]
    assert proc.returncode == 0 and res["ok"], (guest and guest["reasons"], proc.stderr[-2000:],
                                                res["build"]["diagnostics"][:5])
    lines = [line for ld in guest["loads"]
             for line in (ld["dmesg"] if isinstance(ld["dmesg"], list) else ld["dmesg"].splitlines())]
    seen = {}
    for line in lines:
        for kind in ("native", "bridged"):
            if f"kbtest_p9put_old: {kind}: " in line:
                seen[kind] = line.split(f"kbtest_p9put_old: {kind}: ", 1)[1].strip()
    want = ("before=r,r irq_put=1 hardirq=1 after=none other=r put=1 after=none "
            "put_in_request=0 after=none creates=3 closes=3")
    assert seen == {"native": want, "bridged": want}, lines[-30:]
    assert any("kbtest_p9put_old: ok" in line for line in lines), lines[-30:]
