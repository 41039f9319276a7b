"""tests/sharedboot.py's views and grouping, without a boot (a GuestResult made by hand)."""

from __future__ import annotations

from pathlib import Path

import sharedboot
from kbridge.actions.guest.runner import GuestResult, ModuleLoad


def _boot(reasons, problems=()):  # type: ignore[no-untyped-def]
    loads = [ModuleLoad("dep_x", "dep", 0, "", None, ["dep line"]),
             ModuleLoad("mod_a", "module", 0, "", None, ["kbt a ok", "mod_a: ok"]),
             ModuleLoad("mod_b", "module", 1, "errno 19 No such device", "ENODEV", ["kbt b FAIL"]),
             ModuleLoad("mod_c", "module", 0, "", None, ["kbt c ok"])]
    dmesg = [line for m in loads for line in m.dmesg]
    return GuestResult("r", not reasons, list(reasons), loads, None, "", dmesg, list(problems),
                       "", 1.0, False, "tcg")


def test_a_view_keeps_its_own_modules_lines_and_failures_only():
    g = _boot(["module mod_b did not load: ENODEV (No such device)"])
    a = sharedboot._view(g, {"mod_a", "mod_c"}, {"mod_a", "mod_b", "mod_c"}, ["A", "B"])
    assert a.ok and a.reasons == [] and [m.name for m in a.modules] == ["mod_a", "mod_c"]
    assert a.dmesg == ["kbt a ok", "mod_a: ok", "kbt c ok"]          # not mod_b's "kbt b FAIL"
    assert [m.name for m in a.loads if m.kind == "dep"] == ["dep_x"]
    b = sharedboot._view(g, {"mod_b"}, {"mod_a", "mod_b", "mod_c"}, ["A", "B"])
    assert not b.ok and b.reasons == g.reasons and b.dmesg == ["kbt b FAIL"]


def test_anything_boot_wide_fails_every_view():
    for why in ("kernel log: WARNING: CPU: 0 PID: 1 at x", "time-out after 300 s",
                "the guest stopped before reporting (kernel panic or early crash)",
                "dep dep_x did not load: ENOENT"):
        g = _boot([why], problems=["WARNING: CPU: 0 PID: 1 at x"])
        for own in ({"mod_a"}, {"mod_b"}, {"mod_c"}):
            v = sharedboot._view(g, own, {"mod_a", "mod_b", "mod_c"}, [])
            assert not v.ok and why in v.reasons and v.problems == g.problems, (why, own)


def test_modules_sharing_a_name_boot_apart_and_a_failed_build_stays_its_own(monkeypatch, tmp_path):
    booted = []

    def fake_run_guest(kos, rel, timeout):  # type: ignore[no-untyped-def]
        booted.append([k.name for k in kos])
        loads = [ModuleLoad(k.stem, "module", 0, "", None, [f"{k.stem} ok"]) for k in kos]
        return GuestResult(rel, True, [], loads, None, "", [], [], "", 1.0, False, "tcg")

    import kbridge.actions.guest.initramfs as initramfs
    import kbridge.actions.guest.runner as runner
    monkeypatch.setattr(runner, "run_guest", fake_run_guest)
    monkeypatch.setattr(initramfs, "module_name", lambda ko: Path(ko).stem)
    monkeypatch.setattr("kbridge.facts.series.release", lambda s: f"rel-{s}")

    def ko(dest, name):  # type: ignore[no-untyped-def]
        (dest / f"{name}.ko").write_text("")
        return [dest / f"{name}.ko"]

    def broken(dest):  # type: ignore[no-untyped-def]
        raise AssertionError("build failed")

    reg = sharedboot.SharedBoots()
    es = [sharedboot.Entry("layer", "6.1", lambda d: ko(d, "m")),
          sharedboot.Entry("inline", "6.1", lambda d: ko(d, "m")),
          sharedboot.Entry("other", "6.1", lambda d: ko(d, "n")),
          sharedboot.Entry("broken", "6.1", broken)]
    for e in es:
        reg.want(e)
    dirs: dict[str, Path] = {}

    def mktemp(name):  # type: ignore[no-untyped-def]
        d = tmp_path / f"{name}-{len(dirs)}"
        d.mkdir()
        dirs[name] = d
        return d

    assert reg.view(es[0], mktemp).dmesg == ["m ok"]
    assert booted == [["m.ko", "n.ko"], ["m.ko"]]          # two boots: the name m twice
    assert reg.view(es[1], mktemp).ok and reg.view(es[2], mktemp).dmesg == ["n ok"]
    assert len(booted) == 2                                  # no boot more for the others
    try:
        reg.view(es[3], mktemp)
    except AssertionError as exc:
        assert "build failed" in str(exc)
    else:
        raise AssertionError("the failed build was not re-raised in its own test")


def test_files_sharing_a_costly_session_fixture_are_one_unit_for_the_workers():
    """The two xdist workers must not each make the shared boots or the corpus builds: every
    file registering shared-boot entries is one unit with the others (conftest.work_units),
    and a file with no shared fixture is a unit of its own. Before the scheduler read these
    units, xdist's loadgroup marks were ignored under pytest 9 and a shared-boot file's
    tests went to both workers (each booting every entry)."""
    from conftest import work_units
    units = work_units(Path(__file__).parent)
    assert units["tests/test_shims_accept.py"] == units["tests/test_shims_vm_flags.py"] == "<shared_boot>"
    assert units["tests/test_matrix_baseline.py"] == units["tests/test_check_accuracy.py"]
    assert units["tests/test_ifexpr.py"] == "tests/test_ifexpr.py"


def test_assert_all_checks_ok_names_what_failed():  # type: ignore[no-untyped-def]
    """The ending every shared-boot fixture test shares: ok only when the guest is, every
    check logged ok, and the module's own ok line is there; else it says which."""
    from types import SimpleNamespace

    import pytest as _pytest

    from sharedboot import assert_all_checks_ok
    good = ["[  1.0] kbt a ok", "[  1.1] kbt b ok", "[  1.2] kbtest_x: ok"]
    assert_all_checks_ok(SimpleNamespace(ok=True, dmesg=good, reasons=[], problems=[]), "kbt", ["a", "b"], "kbtest_x")
    with _pytest.raises(AssertionError, match="b: missing"):
        assert_all_checks_ok(SimpleNamespace(ok=True, dmesg=good[:1] + good[2:], reasons=[], problems=[]),
                             "kbt", ["a", "b"], "kbtest_x")
    with _pytest.raises(AssertionError, match="a: FAIL got 3"):
        assert_all_checks_ok(SimpleNamespace(ok=True, dmesg=["kbt a FAIL got 3", *good[1:]], reasons=[],
                                             problems=[]), "kbt", ["a", "b"], "kbtest_x")
    with _pytest.raises(AssertionError, match="kbtest_x: ok"):
        assert_all_checks_ok(SimpleNamespace(ok=True, dmesg=good[:2], reasons=[], problems=[]),
                             "kbt", ["a", "b"], "kbtest_x")
    with _pytest.raises(AssertionError):
        assert_all_checks_ok(SimpleNamespace(ok=False, dmesg=good, reasons=["panic"], problems=[]),
                             "kbt", ["a", "b"], "kbtest_x")
