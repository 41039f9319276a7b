"""Differential runtime test of a zoned null_blk, bridged with the layer (issue 6 part 3, zoned).

The zoned limits travel through the newer struct queue_limits on 6.1 (rules
queue_limits_features and zoned_settings_in_queue_limits, new_on_old) and
through the limits update API on 6.12 (old_on_new). The oracle is the target
kernel's own null_blk making the same zoned device through configfs
(snapshot kind "zoned": every queue attribute -- zoned model, zone size,
number of zones, open/active zone limits, zone append size, write
granularity, the elevator the kernel picks -- plus sequential O_DIRECT
writes read back with checksums and a write off the write pointer, which
both kernels refuse). Every attribute present in both must be equal.
"""

from __future__ import annotations

import json

import pytest

from conftest import release, run_cli
from kbridge.actions.guest import snapshot
from kbridge.facts import intree

RELEASE = {s: release(s) for s in ("6.1", "6.12")}   # the installed trees' releases

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("source,target", [("6.1", "6.12"), ("6.12", "6.1")])
def test_differential_zoned_null_blk_layer(tmp_path, source, target):
    out = tmp_path / "out"
    proc = run_cli("bridge", f"null_blk@{source}", "--target", source, "--target", target,
                   "--strategy", "layer", "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cand = snapshot.snapshot(out, RELEASE[target], "zoned")
    ref = snapshot.snapshot(intree.find(f"null_blk@{target}").path, RELEASE[target], "zoned")
    assert cand["ok"], cand["reasons"]
    assert ref["ok"], ref["reasons"]
    a = ref["attributes"]
    assert a["z/zoned"] == "host-managed" and a["z/chunk_sectors"] == "8192"
    assert a["z/nr_zones"] == "16" and a["z/max_open_zones"] == "4"
    assert a["io/zoned_roundtrip"] == "ok" and a["io/write_off_wp"] == "refused"
    cmp = snapshot.compare(cand, ref)
    print(json.dumps(cmp.to_json(), indent=1))
    assert len(cmp.same) >= 40
    assert cmp.equal, f"shim bug: {cmp.different}"


ZONE_APPEND_EMULATION = r'''#!/bin/sh
mkdir -p /sys/kernel/config
mount -t configfs configfs /sys/kernel/config || exit 1
d=/sys/kernel/config/nullb/kbe
mkdir $d || exit 1
echo 64 > $d/size && echo 1 > $d/memory_backed && echo 1 > $d/zoned && echo 4 > $d/zone_size \
    && echo 0 > $d/zone_append_max_sectors || exit 1
if echo 1 > $d/power 2>/dev/null; then echo "kbz power=on"; else echo "kbz power=refused"; fi
echo "kbz device=$([ -b /dev/kbe ] && echo yes || echo no)"
echo "kbz message=$(dmesg | grep -c 'zone append emulation')"
rmdir $d
exit 0
'''


def test_zone_append_emulation_is_refused_not_faked_on_61(tmp_path):
    """6.12's null_blk asks for zone append emulation (zone_append_max_sectors=0):
    6.1 has none, so the layer refuses the limits (-EOPNOTSUPP, a kernel message)
    and the driver's device creation fails instead of a disk claiming a zone
    append it cannot do."""
    from kbridge.actions.guest.runner import build_for, run_guest

    out = tmp_path / "out"
    proc = run_cli("bridge", "null_blk@6.12", "--target", "6.12", "--target", "6.1",
                   "--strategy", "layer", "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result, kos = build_for(str(out), RELEASE["6.1"], tmp_path / "build")
    assert kos, result
    script = tmp_path / "emul.sh"
    script.write_text(ZONE_APPEND_EMULATION)
    g = run_guest(kos, RELEASE["6.1"], test_script=script, timeout=240)
    assert g.ok, (g.reasons, g.problems, g.test_output)
    got = dict(line.split(" ", 1)[1].split("=", 1)
               for line in g.test_output.splitlines() if line.startswith("kbz "))
    assert got == {"power": "refused", "device": "no", "message": "1"}, got
