"""blk_rq_map_sg and BLK_MQ_F_SHOULD_MERGE across 6.12 and 7.2: real modules, real guests.

tests/fixtures/layer/kbtest_sg_old (6.12 API: BLK_MQ_F_SHOULD_MERGE, blk_rq_map_sg(q, rq, sg))
and kbtest_sg_new (7.2 API: no flag, blk_rq_map_sg(rq, sg)), each bridged for the other
kernel, built clean and booted on both: a 64 KiB O_DIRECT read is mapped through the
list and served as 0x5a bytes; every list must cover the request's bytes, the data must
arrive, and what the guest reads must be the same on both kernels. Without the rules
neither module builds on the other kernel.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from kbridge.actions.bridge import bridge
from kbridge.actions.kbuild import parse_log, run_kbuild
from kbridge.facts import driver as drv_mod
from kbridge.facts import targets

LAYER = FIXTURES / "layer"
SCRIPT = LAYER / "kbtest_sg_guest" / "sg.sh"


def _kbq(text: str) -> dict[str, str]:
    return dict(line[4:].split("=", 1) for line in text.splitlines()
                if line.startswith("kbq ") and "=" in line)


@pytest.mark.slow
@pytest.mark.parametrize("fixture,home", [("kbtest_sg_old", "6.12"), ("kbtest_sg_new", "7.2")])
def test_requests_map_alike_on_both_kernels(fixture, home, trees, tmp_path):  # type: ignore[no-untyped-def]
    from kbridge.actions.guest.image import guest_root
    from kbridge.actions.guest.runner import run_guest

    pair = [targets.resolve(s, trees=trees) for s in ((home, "7.2") if home == "6.12" else (home, "6.12"))]
    if not all((guest_root() / "images" / t.release).is_dir() for t in pair):
        pytest.skip("guest kernel images not in the cache (kbridge run fetches them)")
    out = tmp_path / fixture
    rep = bridge(drv_mod.load(LAYER / fixture), pair, "layer", out, home=pair[0].version)
    assert rep.ok, rep.unbridged
    seen = {}
    for tree in pair:
        proc = run_kbuild(out, tree)
        diags, undefined = parse_log(proc.stdout, out)
        assert proc.returncode == 0 and not diags and not undefined, (
            tree.name, diags, undefined, proc.stdout[-3000:])
        ko = tmp_path / f"{fixture}-{tree.release}.ko"
        ko.write_bytes((out / f"{fixture}.ko").read_bytes())
        g = run_guest([ko], tree.release, test_script=SCRIPT, timeout=240)
        assert [m.returncode for m in g.modules] == [0], (tree.release, g.reasons)
        assert g.test_returncode == 0, g.test_output
        assert g.ok, (tree.release, g.reasons, g.problems)
        seen[tree.release] = _kbq(g.test_output)
    for release, kbq in seen.items():
        assert kbq.get("dd_rc") == "0" and kbq.get("bytes") == "65536", (release, kbq)
        assert kbq.get("first") == kbq.get("last") == "5a5a5a5a", (release, kbq)
        assert int(kbq.get("rqs", "0")) >= 1 and kbq.get("sg_ok") == "1", (release, kbq)
        assert kbq.get("nomerges") == "0", (release, kbq)
    views = [{k: v for k, v in kbq.items() if k != "rqs"} for kbq in seen.values()]
    assert views[0] == views[1], seen
