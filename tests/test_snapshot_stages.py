"""snapshot.take_many's guest script and its parsers (no guest: the boots are in
tests/test_guest_runtime.py, whose differential cases share one boot per kernel)."""

from __future__ import annotations

from kbridge.actions.guest import snapshot


def test_stage_script_loads_runs_and_unloads_each_stage_in_order():
    script = snapshot.stage_script([("own:macvlan", ["dummy", "macvlan"]), ("b", ["null_blk"])])
    lines = script.splitlines()
    order = [i for i, line in enumerate(lines) if "kbridge-insmod" in line or "rmmod " in line
             or "snapshot.sh" in line]
    assert [lines[i].split()[0] for i in order][:4] == ["kbridge-insmod"] * 2 + ["timeout", "grep"]
    assert "rmmod macvlan" in lines[order[3]] and "rmmod dummy" in lines[order[4]]  # reverse order
    assert "/kbridge/stage/01/00-null_blk.ko" in script
    assert "echo 'kbridge-guest: stage 01' > /dev/kmsg" in script
    assert lines[-1] == "echo 'kbridge-guest: stages done' > /dev/kmsg"


def test_parse_stages_and_per_stage_kernel_log():
    out = "\n".join([
        "@@KBSTAGE 00 begin", "@@KBSTAGE 00 insmod 0 ifb ", "@@KBSTAGE 00 test 0",
        "@@KBSTAGE 00 output-begin", "net/mtu=1500", "@@KBSTAGE 00 output-end",
        "@@KBSTAGE 00 rmmod 0 ifb ", "@@KBSTAGE 00 end",
        "@@KBSTAGE 01 begin", "@@KBSTAGE 01 insmod 1 ifb errno 17 File exists", "@@KBSTAGE 01 end"])
    st = snapshot._parse_stages(out, 2)
    assert st[0]["loads"] == [("ifb", 0, "")] and st[0]["test"] == 0 and st[0]["ended"]
    assert st[0]["output"] == ["net/mtu=1500"] and st[0]["rmmod"] == [("ifb", 0, "")]
    assert st[1]["loads"] == [("ifb", 1, "errno 17 File exists")] and st[1]["test"] is None
    dmesg = ["boot", "kbridge-guest: insmod dep dummy", "WARNING: at dep", "kbridge-guest: test",
             "kbridge-guest: stage 00", "WARNING: in stage 0", "kbridge-guest: stage 01", "fine",
             "kbridge-guest: stages done", "after the stages", "kbridge-guest: done"]
    before, parts = snapshot._stage_dmesg(dmesg, 2)
    # a stage's warning is its own; what comes after the last stage is nobody's
    assert parts == [["WARNING: in stage 0"], ["fine"]]
    # a warning while the dependencies load, before any stage, is the boot's
    assert snapshot.boot_problems(dmesg) == ["WARNING: at dep"]
    assert snapshot.boot_problems(["WARNING: before init", "kbridge-guest: stage 00", "x"]) == []
